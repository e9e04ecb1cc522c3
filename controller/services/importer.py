"""Taking over an existing server room from a spreadsheet (XLSX or CSV): units, rooms, racks and
the servers already in them, with their register data and custody.

Three floors, so the dry run and the apply can never disagree: `read` turns the file into rows
(no database), `check_rows` validates each row on its own (no database), `plan` checks the rows
against what is recorded and against each other (reads only), and `apply` writes the plan. The
operator sees every row's errors in Indonesian first; nothing is written unless every row passes
or the operator accepts the valid ones. Matching by unit code, room name, rack name and serial
makes a second run of the same file change nothing.

Imported servers are a migration of existing state, not a workflow move: their custody request is
written directly in state ``active``, with one custody step ``import`` by the importing admin.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any, cast

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..api.schemas import CODE_PATTERN
from ..documents.cells import append_row
from ..domain.choices import AllocationStatus, Condition
from ..domain.custody_flow import CustodyState
from ..guard import BAD_TEXT
from ..models import CustodyRequest, CustodyStep, Document, Rack, RackUnit, Room, Server, Unit, User
from ..models.assets import AssetRecord
from ..models.base import utcnow
from . import papers, space

SHEET = "Server"
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    key: str
    heading: str          # the template's Indonesian heading
    required: bool = False
    example: Any = None


COLUMNS: tuple[Column, ...] = (
    Column("unit_code", "Kode Unit", True, "DISKES"),
    Column("unit_name", "Nama Unit", False, "Dinas Kesehatan"),
    Column("room", "Ruang", False, "Ruang Server Utama"),
    Column("rack", "Rak", False, "R01"),
    Column("rack_height_u", "Tinggi Rak (U)", False, 42),
    Column("rack_power_w", "Kapasitas Daya Rak (W)", False, 5000),
    Column("u_bottom", "U Bawah", False, 10),
    Column("brand", "Merk", True, "Dell"),
    Column("model", "Tipe", True, "PowerEdge R740"),
    Column("serial_number", "Nomor Seri", True, "CN7X2J3"),
    Column("height_u", "Tinggi (U)", True, 2),
    Column("power_w", "Daya (W)", False, 750),
    Column("hostname", "Hostname", False, "simpus-db"),
    Column("management_ip", "IP Manajemen", False, "10.20.1.11"),
    Column("asset_code", "Kode Barang", False, "1.3.2.10.01.02.001"),
    Column("nup", "NUP", False, "0001"),
    Column("owner", "Pemilik", False, "unit"),
    Column("acquired_on", "Tanggal Perolehan", False, None),
    Column("acquisition_value", "Nilai Perolehan", False, None),
    Column("condition", "Kondisi", False, "baik"),
    Column("custody", "Status Penitipan", False, "aktif"),
    Column("letter_number", "Nomor Surat", False, "IMPOR/2026/001"),
    Column("letter_date", "Tanggal Surat", False, date(2026, 1, 5)),
)
BY_KEY = {c.key: c for c in COLUMNS}
OWNERS = {"unit": "unit", "opd": "unit", "dinas": "office", "kantor": "office", "office": "office"}
CUSTODY = {"aktif": True, "active": True, "ya": True, "dititipkan": True,
           "tidak": False, "-": False, "no": False, "terdaftar": False}
HOSTNAME = re.compile(r"^[A-Za-z0-9.-]{1,253}$")


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


HEADINGS = {**{_norm(c.heading): c.key for c in COLUMNS}, **{_norm(c.key): c.key for c in COLUMNS}}


@dataclass(frozen=True)
class RowError:
    """One reason a row cannot be imported, where a person finds it in the file."""

    sheet: str
    row: int
    column: str | None      # the column's letter, None for the whole row
    heading: str | None
    message: str

    def __str__(self) -> str:
        where = f"Sheet {self.sheet}, baris {self.row}"
        if self.column:
            where += f", kolom {self.column} ({self.heading})"
        return f"{where}: {self.message}"


@dataclass
class Sheet:
    """The file as read: the data rows by spreadsheet row number, and each key's column letter."""

    name: str
    letters: dict[str, str]
    rows: list[tuple[int, dict[str, Any]]]
    errors: list[RowError] = field(default_factory=list)


@dataclass
class Row:
    """A checked row: values in the shapes the tables take."""

    number: int
    unit_code: str
    unit_name: str | None
    room: str | None
    rack: str | None
    rack_height_u: int | None
    rack_power_w: int | None
    u_bottom: int | None
    brand: str
    model: str
    serial_number: str
    height_u: int
    power_w: int
    hostname: str | None
    management_ip: str | None
    asset_code: str | None
    nup: str | None
    owner: str
    acquired_on: date | None
    acquisition_value: Decimal | None
    condition: str
    custody: bool
    letter_number: str | None
    letter_date: date | None


@dataclass
class Plan:
    """What applying would do, row by row; `errors` empty means every row may be written."""

    sheet: str
    rows: list[Row]
    errors: list[RowError]
    existing: list[int] = field(default_factory=list)      # row numbers whose serial is recorded
    new_units: list[str] = field(default_factory=list)
    new_rooms: list[str] = field(default_factory=list)
    new_racks: list[str] = field(default_factory=list)
    total: int = 0                                          # data rows in the file

    @property
    def bad_rows(self) -> set[int]:
        return {e.row for e in self.errors}

    @property
    def valid(self) -> list[Row]:
        bad = self.bad_rows
        return [r for r in self.rows if r.number not in bad]

    @property
    def to_create(self) -> list[Row]:
        return [r for r in self.valid if r.number not in self.existing]


@dataclass
class Outcome:
    servers: int = 0
    placed: int = 0
    in_custody: int = 0
    skipped_existing: int = 0
    units: int = 0
    rooms: int = 0
    racks: int = 0
    document_id: int | None = None


class FileUnreadable(Exception):
    """The upload is no spreadsheet this importer reads; the message is for people (Indonesian)."""


# --- reading --------------------------------------------------------------------------------

def read(content: bytes, filename: str) -> Sheet:
    """The file's `Server` sheet (or the CSV) as rows keyed by column; no database."""
    if len(content) > MAX_FILE_BYTES:
        raise FileUnreadable(f"berkas lebih besar dari {MAX_FILE_BYTES // 1024 // 1024} MB")
    if not content:
        raise FileUnreadable("berkas kosong")
    if content.startswith(b"PK"):
        table, name = _xlsx_rows(content)
    elif filename.lower().endswith((".xlsx", ".xlsm")):
        raise FileUnreadable("berkas .xlsx ini tidak dapat dibaca (rusak atau bukan XLSX)")
    else:
        table, name = _csv_rows(content), "CSV"
    return _keyed(name, table)


def _xlsx_rows(content: bytes) -> tuple[list[list[Any]], str]:
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FileUnreadable("berkas .xlsx ini tidak dapat dibaca (rusak atau bukan XLSX)") from exc
    try:
        names = {n.lower(): n for n in wb.sheetnames}
        name = names.get(SHEET.lower(), wb.sheetnames[0])
        rows = []
        for values in wb[name].iter_rows(values_only=True):
            rows.append(list(values))
            if len(rows) > MAX_ROWS + 1:
                raise FileUnreadable(f"lebih dari {MAX_ROWS} baris data")
        return rows, name
    finally:
        wb.close()


def _csv_rows(content: bytes) -> list[list[Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if len(rows) > MAX_ROWS + 1:
        raise FileUnreadable(f"lebih dari {MAX_ROWS} baris data")
    return rows


def _keyed(name: str, table: list[list[Any]]) -> Sheet:
    if not table:
        raise FileUnreadable("sheet tidak berisi baris judul kolom")
    letters: dict[str, str] = {}
    errors: list[RowError] = []
    for i, head in enumerate(table[0]):
        key = HEADINGS.get(_norm(str(head or "")))
        if key and key not in letters:
            letters[key] = get_column_letter(i + 1)
    for col in COLUMNS:
        if col.required and col.key not in letters:
            errors.append(RowError(name, 1, None, None, f"kolom wajib '{col.heading}' tidak ada di baris judul"))
    index = {key: ord_of(letter) for key, letter in letters.items()}
    rows = []
    for number, values in enumerate(table[1:], start=2):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        rows.append((number, {key: values[i] if i < len(values) else None for key, i in index.items()}))
    return Sheet(name, letters, rows, errors)


def ord_of(letter: str) -> int:
    n = 0
    for ch in letter:
        n = n * 26 + ord(ch) - 64
    return n - 1


# --- checking one row (no database) ----------------------------------------------------------

class _Bad(Exception):
    pass


def _text(value: Any, max_len: int) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date().isoformat()
    text = str(value).strip()
    if not text:
        return None
    if BAD_TEXT.search(text):
        raise _Bad("berisi karakter kontrol")
    if len(text) > max_len:
        raise _Bad(f"lebih dari {max_len} karakter")
    return text


def _int(value: Any, lo: int, hi: int) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _Bad("bukan bilangan bulat")
    if isinstance(value, float):
        if not value.is_integer():
            raise _Bad(f"'{value}' bukan bilangan bulat")
        value = int(value)
    if isinstance(value, str):
        try:
            value = int(value.strip().replace(".", "") if re.fullmatch(r"\d{1,3}(\.\d{3})+", value.strip())
                        else value.strip())
        except ValueError:
            raise _Bad(f"'{value.strip()}' bukan bilangan bulat") from None
    if not lo <= value <= hi:
        raise _Bad(f"harus antara {lo} dan {hi}")
    return value


def _date(value: Any) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise _Bad(f"'{text}' bukan tanggal (tulis TTTT-BB-HH, misalnya 2024-03-01)")


def _money(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).strip().replace(" ", ""))
    except InvalidOperation:
        raise _Bad(f"'{value}' bukan angka") from None
    if amount < 0 or amount >= Decimal(10) ** 16:
        raise _Bad("harus 0 atau lebih dan kurang dari 10^16")
    return amount.quantize(Decimal("0.01"))


def check_rows(sheet: Sheet) -> tuple[list[Row], list[RowError]]:
    """Every row on its own: required values, types, ranges. Every bad cell is reported."""
    rows: list[Row] = []
    errors = list(sheet.errors)
    for number, raw in sheet.rows:
        row, row_errors = check_row(sheet, number, raw)
        errors += row_errors
        if row is not None:
            rows.append(row)
    return rows, errors


def check_row(sheet: Sheet, number: int, raw: dict[str, Any]) -> tuple[Row | None, list[RowError]]:
    """One row: its value as a Row when every cell passes, else every bad cell."""
    row_errors: list[RowError] = []

    def bad(key: str, message: str) -> None:
        row_errors.append(RowError(sheet.name, number, sheet.letters.get(key), BY_KEY[key].heading, message))

    def get(key: str, parse: Callable[..., Any], *args: Any) -> Any:
        try:
            value = parse(raw.get(key), *args)
        except _Bad as exc:
            bad(key, str(exc))
            return None
        if value is None and BY_KEY[key].required:
            bad(key, "wajib diisi")
        return value

    v: dict[str, Any] = {
        "unit_code": get("unit_code", _text, 32), "unit_name": get("unit_name", _text, 200),
        "room": get("room", _text, 100), "rack": get("rack", _text, 100),
        "rack_height_u": get("rack_height_u", _int, 1, 60), "rack_power_w": get("rack_power_w", _int, 0, 1_000_000),
        "u_bottom": get("u_bottom", _int, 1, 60), "brand": get("brand", _text, 100),
        "model": get("model", _text, 100), "serial_number": get("serial_number", _text, 100),
        "height_u": get("height_u", _int, 1, 60), "power_w": get("power_w", _int, 0, 100_000),
        "hostname": get("hostname", _text, 253), "management_ip": get("management_ip", _text, 45),
        "asset_code": get("asset_code", _text, 64), "nup": get("nup", _text, 32),
        "owner": get("owner", _text, 16), "acquired_on": get("acquired_on", _date),
        "acquisition_value": get("acquisition_value", _money), "condition": get("condition", _text, 32),
        "custody": get("custody", _text, 32), "letter_number": get("letter_number", _text, 100),
        "letter_date": get("letter_date", _date)}
    if v["unit_code"] and not re.match(CODE_PATTERN, v["unit_code"]):
        bad("unit_code", "hanya huruf, angka, titik, garis bawah dan tanda hubung")
    if v["hostname"] and not HOSTNAME.match(v["hostname"]):
        bad("hostname", "hanya huruf, angka, titik dan tanda hubung")
    if v["management_ip"]:
        try:
            v["management_ip"] = str(ipaddress.ip_address(v["management_ip"]))
        except ValueError:
            bad("management_ip", f"'{v['management_ip']}' bukan alamat IP")
    owner = (v["owner"] or "unit").lower()
    if owner not in OWNERS:
        bad("owner", "isi 'unit' (milik unit kerja) atau 'dinas' (milik dinas)")
    v["owner"] = OWNERS.get(owner, "unit")
    if v["owner"] == "unit" and (v["acquired_on"] or v["acquisition_value"] is not None):
        bad("acquired_on" if v["acquired_on"] else "acquisition_value",
            "tanggal dan nilai perolehan hanya dicatat untuk server milik dinas")
    cond = (v["condition"] or "baik").lower().replace(" ", "_")
    if cond not in {c.value for c in Condition}:
        bad("condition", "isi baik, rusak_ringan atau rusak_berat")
    v["condition"] = cond
    placed = [k for k in ("room", "rack", "u_bottom") if v[k] is not None]
    if placed and len(placed) < 3:
        for k in ("room", "rack", "u_bottom"):
            if v[k] is None and raw.get(k) in (None, ""):
                bad(k, "posisi di rak perlu Ruang, Rak dan U Bawah sekaligus")
    state = (v["custody"] or ("aktif" if placed else "tidak")).lower()
    if state not in CUSTODY:
        bad("custody", "isi 'aktif' (dititipkan) atau 'tidak' (hanya terdaftar)")
    v["custody"] = CUSTODY.get(state, False)
    if placed and not v["custody"] and state in CUSTODY:
        bad("custody", "server yang terpasang di rak berstatus 'aktif'")
    if v["custody"] and not placed:
        bad("custody", "server yang dititipkan (aktif) perlu posisi di rak: Ruang, Rak dan U Bawah")
    if v["u_bottom"] and v["height_u"] and v["u_bottom"] + v["height_u"] - 1 > 60:
        bad("u_bottom", "server melewati U60")
    if row_errors:
        return None, row_errors
    v["power_w"] = v["power_w"] or 0
    return Row(number=number, **v), []


# --- checking against the records (reads only) ----------------------------------------------

def plan(session: Session, sheet: Sheet) -> Plan:
    """The dry run: each row against the database and against the rows above it."""
    rows, errors = check_rows(sheet)
    out = Plan(sheet.name, rows, errors, total=len(sheet.rows))
    name = sheet.name
    seen_serials: dict[str, int] = {}
    seen_codes: dict[tuple[str, str], int] = {}
    unit_names: dict[str, str] = {}
    racks: dict[tuple[str, str], dict[str, Any]] = {}     # (room, rack) -> height, capacity, used W
    held: dict[tuple[str, str], dict[int, int]] = {}      # (room, rack) -> U -> row number

    def bad(row: Row, key: str, message: str) -> None:
        out.errors.append(RowError(name, row.number, sheet.letters.get(key), BY_KEY[key].heading, message))

    for row in rows:
        before = len(out.errors)
        serial = row.serial_number
        if serial.upper() in seen_serials:
            bad(row, "serial_number", f"nomor seri {serial} sudah ada di baris {seen_serials[serial.upper()]}")
            continue
        seen_serials[serial.upper()] = row.number
        if session.scalar(select(Server.id).where(Server.serial_number == serial)) is not None:
            out.existing.append(row.number)     # already recorded: left as it is
            continue
        unit = session.scalar(select(Unit).where(Unit.code == row.unit_code))
        if unit is None:
            if row.unit_code in unit_names:
                pass
            elif not row.unit_name:
                bad(row, "unit_code", f"unit kerja '{row.unit_code}' belum terdaftar; isi juga Nama Unit "
                                      "agar dibuat")
            else:
                unit_names[row.unit_code] = row.unit_name
        if row.asset_code and row.nup:
            key = (row.asset_code, row.nup)
            if key in seen_codes:
                bad(row, "nup", f"kode barang {row.asset_code} dengan NUP {row.nup} sudah ada di baris "
                                f"{seen_codes[key]}")
            elif session.scalar(select(AssetRecord.id).where(AssetRecord.asset_code == row.asset_code,
                                                             AssetRecord.nup == row.nup)) is not None:
                bad(row, "nup", f"kode barang {row.asset_code} dengan NUP {row.nup} sudah terdaftar")
            else:
                seen_codes[key] = row.number
        if row.room and row.rack and row.u_bottom:
            _check_position(session, row, racks, held, bad)
        if len(out.errors) == before and unit is None and row.unit_code not in out.new_units:
            out.new_units.append(row.unit_code)
    for (room, rack), info in racks.items():
        if info["new_room"] and room not in out.new_rooms:
            out.new_rooms.append(room)
        if info["id"] is None:
            out.new_racks.append(f"{room} / {rack}")
    out.errors.sort(key=lambda e: (e.row, e.column or ""))
    return out


def _check_position(session: Session, row: Row, racks: dict[tuple[str, str], dict[str, Any]],
                    held: dict[tuple[str, str], dict[int, int]], bad: Callable[[Row, str, str], None]) -> None:
    assert row.u_bottom is not None and row.room and row.rack   # called for placed rows only
    key = (row.room, row.rack)
    info = racks.get(key)
    if info is None:
        room = session.scalar(select(Room).where(Room.name == row.room))
        rack = session.scalar(select(Rack).where(Rack.room_id == room.id, Rack.name == row.rack)) if room else None
        if rack is not None:
            info = {"id": rack.id, "height": rack.height_u, "capacity": rack.power_capacity_w,
                    "used": space.rack_power_used(session, rack.id), "new_room": False}
            taken = session.execute(select(RackUnit.u).where(RackUnit.rack_id == rack.id)).scalars()
            held[key] = {u: 0 for u in taken}
        else:
            info = {"id": None, "height": row.rack_height_u or 42, "capacity": row.rack_power_w, "used": 0,
                    "new_room": room is None}
            held[key] = {}
        racks[key] = info
    top = row.u_bottom + row.height_u - 1
    if top > info["height"]:
        bad(row, "u_bottom", f"U{row.u_bottom}-U{top} tidak muat di rak {row.rack} setinggi {info['height']} U")
        return
    clash = sorted(u for u in range(row.u_bottom, top + 1) if u in held[key])
    if clash:
        other = held[key][clash[0]]
        whose = f"baris {other}" if other else "server atau pemesanan yang sudah tercatat"
        bad(row, "u_bottom", f"U{clash[0]} di rak {row.rack} sudah dipakai {whose}")
        return
    if info["capacity"] is not None and info["used"] + row.power_w > info["capacity"]:
        bad(row, "power_w", f"daya rak {row.rack} terlampaui: {info['used']} W terpakai + {row.power_w} W "
                            f"> {info['capacity']} W")
        return
    info["used"] += row.power_w
    for u in range(row.u_bottom, top + 1):
        held[key][u] = row.number


# --- writing ---------------------------------------------------------------------------------

def apply(session: Session, actor: User | SimpleNamespace, result: Plan, content: bytes, filename: str,
          accept_valid: bool = False, today: date | None = None) -> Outcome:
    """Write the plan's valid rows (all of them must be valid unless `accept_valid`); `today` (the
    office's date) is the letter date of rows that give none."""
    if result.errors and not accept_valid:
        raise ValueError("the file has rows with errors; accept the valid rows or fix the file")
    out = Outcome(skipped_existing=len(result.existing))
    todo = result.to_create
    if not todo:
        return out
    now = utcnow()
    units: dict[str, Unit] = {}
    racks: dict[tuple[str, str], Rack] = {}
    for row in todo:
        unit = units.get(row.unit_code) or session.scalar(select(Unit).where(Unit.code == row.unit_code))
        if unit is None:
            unit = Unit(code=row.unit_code, name=row.unit_name)
            session.add(unit)
            session.flush()
            out.units += 1
        units[row.unit_code] = unit
        server = Server(unit_id=unit.id, brand=row.brand, model=row.model, serial_number=row.serial_number,
                        height_u=row.height_u, power_w=row.power_w, hostname=row.hostname,
                        management_ip=row.management_ip, condition=row.condition)
        session.add(server)
        session.flush()
        out.servers += 1
        if row.asset_code or row.nup or row.owner != "unit" or row.acquired_on:
            session.add(AssetRecord(server_id=server.id, asset_code=row.asset_code, nup=row.nup, owner=row.owner,
                                    acquired_on=row.acquired_on, acquisition_value=row.acquisition_value,
                                    updated_by=actor.username, updated_at=now))
        alloc = None
        if row.room and row.rack and row.u_bottom:
            rack = racks.get((row.room, row.rack)) or _rack(session, row, out)
            racks[(row.room, row.rack)] = rack
            # reserve reads only the actor's username: the CLI's stand-in will do
            alloc = space.reserve(session, cast(User, actor), rack.id, row.u_bottom, row.height_u, server_id=server.id,
                                  note="impor data awal", status=AllocationStatus.occupied)
            out.placed += 1
        if row.custody:
            req = CustodyRequest(unit_id=unit.id, server_id=server.id, state=CustodyState.active, state_since=now,
                                 letter_number=row.letter_number or f"IMPOR/{row.serial_number}"[:100],
                                 letter_date=row.letter_date or today or now.date(), purpose="Impor data awal",
                                 officer=actor.username, allocation_id=alloc.id if alloc else None,
                                 reserved_at=now if alloc else None, created_by=actor.username, created_at=now)
            session.add(req)
            session.flush()
            session.add(CustodyStep(request_id=req.id, action="import", actor=actor.username,
                                    role=getattr(actor, "role", "admin"), from_state=None,
                                    to_state=CustodyState.active, at=now,
                                    note=f"Impor dari {filename}, baris {row.number}"))
            out.in_custody += 1
    session.flush()
    out.document_id = keep_file(session, actor, content, filename)
    return out


def _rack(session: Session, row: Row, out: Outcome) -> Rack:
    room = session.scalar(select(Room).where(Room.name == row.room))
    if room is None:
        room = Room(name=row.room)
        session.add(room)
        session.flush()
        out.rooms += 1
    rack = session.scalar(select(Rack).where(Rack.room_id == room.id, Rack.name == row.rack))
    if rack is None:
        rack = Rack(room_id=room.id, name=row.rack, height_u=row.rack_height_u or 42,
                    power_capacity_w=row.rack_power_w)
        session.add(rack)
        session.flush()
        out.racks += 1
    return rack


def keep_file(session: Session, actor: Any, content: bytes, filename: str) -> int:
    """The imported file as an office-wide document (once: the same bytes are not stored twice)."""
    import hashlib

    sha = hashlib.sha256(content).hexdigest()
    existing = session.scalar(select(Document.id).where(Document.kind == "import", Document.sha256 == sha))
    if existing is not None:
        return existing
    safe = "".join(c for c in filename if c.isalnum() or c in "._-")[-100:] or "impor.xlsx"
    kind = XLSX_TYPE if content.startswith(b"PK") else "text/csv"
    # documents.unit_id is nullable: the import is an office-wide paper, as the signed inventory
    return papers.store(session, kind="import", unit_id=None,
                        request_id=None, filename=safe, content_type=kind, content=content,
                        actor=actor.username).id


def run(session: Session, actor: Any, content: bytes, filename: str, apply_it: bool,
        accept_valid: bool = False, today: date | None = None) -> tuple[Plan, Outcome | None]:
    """Dry run, and the apply when asked and allowed: the one entry the CLI and the page use."""
    result = plan(session, read(content, filename))
    if not apply_it or (result.errors and not accept_valid):
        return result, None
    return result, apply(session, actor, result, content, filename, accept_valid, today)


def cli_actor(session: Session, username: str | None) -> Any:
    """The importing admin for the CLI: a recorded admin by name, else 'cli' (as `titip user create`)."""
    if username:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or user.role != "admin" or not user.is_active:
            raise ValueError(f"'{username}' is not an active admin")
        return user
    return SimpleNamespace(username="cli", role="admin")


# --- the template ----------------------------------------------------------------------------

def template_xlsx() -> bytes:
    """The columns with one example row, and a sheet explaining each column."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    append_row(ws, [c.heading for c in COLUMNS])
    append_row(ws, [c.example for c in COLUMNS])
    for i, c in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(c.heading) + 2)
    help_ws = wb.create_sheet("Petunjuk")
    append_row(help_ws, ["Kolom", "Wajib", "Keterangan"])
    for c in COLUMNS:
        append_row(help_ws, [c.heading, "ya" if c.required else "", HELP.get(c.key, "")])
    help_ws.column_dimensions["A"].width = 24
    help_ws.column_dimensions["C"].width = 90
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


HELP = {
    "unit_code": "Kode unit kerja (OPD); unit baru dibuat bila Nama Unit diisi",
    "room": "Nama ruang server; dibuat bila belum ada",
    "rack": "Nama rak di ruang itu; dibuat bila belum ada (dengan Tinggi Rak dan Kapasitas Daya Rak)",
    "u_bottom": "Nomor U terbawah yang dipakai server",
    "serial_number": "Nomor seri; server yang nomor serinya sudah tercatat dilewati",
    "owner": "'unit' (milik unit kerja) atau 'dinas' (milik dinas)",
    "acquired_on": "Hanya untuk server milik dinas; format TTTT-BB-HH",
    "condition": "baik, rusak_ringan atau rusak_berat (kosong: baik)",
    "custody": "'aktif' bila server dititipkan dan terpasang di rak (kosong: aktif bila ada posisi)",
    "letter_number": "Nomor surat penitipan; kosong: IMPOR/<nomor seri>",
}

"""Taking over an existing server room: a 40-server spreadsheet through `titip import` and the
admin's import page, dry run first, then applied, then found in the racks and in custody."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from controller.models import (
    Allocation,
    AuditEvent,
    CustodyRequest,
    CustodyStep,
    Document,
    Rack,
    RackUnit,
    Room,
    Server,
    Unit,
)
from controller.models.assets import AssetRecord
from controller.services import importer
from tests.integration.test_web_pages import Browser

TABLES = (Unit, Room, Rack, Server, AssetRecord, Allocation, RackUnit, CustodyRequest, CustodyStep, Document)
BAD_ROWS = {7: "N", 20: "G", 35: "J"}   # spreadsheet row -> the column the error names


def room_rows(broken: bool) -> list[dict]:
    """40 servers of the world's existing room: 14 in R01 (power-capped), 14 in R02, 12 in a new R03;
    with `broken`, a bad IP (row 7), a U taken by the row above (row 20) and no serial (row 35)."""
    rows = []
    for i in range(40):
        number = i + 2
        rack, slot = ("R01", i) if i < 14 else ("R02", i - 14) if i < 28 else ("R03", i - 28)
        unit = ("DISKES", None) if i % 3 == 0 else ("BAPPEDA", None) if i % 3 == 1 else ("DISDIK", "Dinas Pendidikan")
        row = {"unit_code": unit[0], "unit_name": unit[1], "room": "Ruang Server Utama", "rack": rack,
               "rack_height_u": 42 if rack == "R03" else None, "rack_power_w": 8000 if rack == "R03" else None,
               "u_bottom": 1 + 2 * slot, "brand": "Dell", "model": "PowerEdge R640", "serial_number": f"IMP-{i:03d}",
               "height_u": 2, "power_w": 300, "hostname": f"srv-{i:03d}", "management_ip": f"10.20.1.{i + 10}",
               "asset_code": "1.3.2.10.01.02.001", "nup": f"{i + 1:04d}", "custody": "aktif" if i % 2 else None,
               "letter_number": f"005/{i}/2024" if i % 5 == 0 else None}
        if broken and number == 7:
            row["management_ip"] = "10.20.300.7"
        if broken and number == 20:
            row["u_bottom"] = rows[-1]["u_bottom"]
        if broken and number == 35:
            row["serial_number"] = None
        rows.append(row)
    return rows


def xlsx(rows: list[dict]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Server"
    ws.append([c.heading for c in importer.COLUMNS])
    for row in rows:
        ws.append([row.get(c.key) for c in importer.COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def counts(app, with_audit: bool = True) -> dict[str, int]:
    with app.state.sessions() as s:
        out = {t.__tablename__: s.scalar(select(func.count()).select_from(t)) for t in TABLES}
        if with_audit:
            out["audit_events"] = s.scalar(select(func.count()).select_from(AuditEvent))
        return out


def assert_room_taken_over(app, client, world) -> None:
    """Every server in its rack's elevation as occupied, in custody `active`, with the import step."""
    with app.state.sessions() as s:
        racks = {r.name: r.id for r in s.scalars(select(Rack))}
        ids = {sv.serial_number: sv.id for sv in s.scalars(select(Server).where(Server.serial_number.like("IMP-%")))}
        assert len(ids) == 40
        for serial, sid in ids.items():
            req = s.scalar(select(CustodyRequest).where(CustodyRequest.server_id == sid))
            assert req.state == "active" and req.allocation_id is not None, serial
            steps = s.scalars(select(CustodyStep).where(CustodyStep.request_id == req.id)).all()
            assert [(st.action, st.to_state) for st in steps] == [("import", "active")]
        assert s.scalar(select(AssetRecord.nup).where(AssetRecord.server_id == ids["IMP-004"])) == "0005"
        assert s.scalar(select(Unit.name).where(Unit.code == "DISDIK")) == "Dinas Pendidikan"
        assert s.scalar(select(CustodyRequest.letter_number).where(CustodyRequest.server_id == ids["IMP-005"])) \
            == "005/5/2024"
        assert s.scalar(select(CustodyRequest.letter_number).where(CustodyRequest.server_id == ids["IMP-001"])) \
            == "IMPOR/IMP-001"
        doc = s.scalar(select(Document).where(Document.kind == "import"))
        assert doc is not None and doc.unit_id is None
    found = set()
    for name in ("R01", "R02", "R03"):
        r = client.get(f"/api/v1/racks/{racks[name]}/elevation", headers=world.auth("officer"))
        assert r.status_code == 200, r.text
        for u in r.json()["units"]:
            if u["server_id"] in ids.values():
                assert u["state"] == "occupied"
                found.add(u["server_id"])
        assert r.json()["occupied_u"] == {"R01": 28, "R02": 28, "R03": 24}[name]
    assert found == set(ids.values())


def _titip(*args: str, db_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TITIP_DATABASE_URL": db_url, "TITIP_SECRET_KEY": "test-secret-key-0123456789abcdef"}
    return subprocess.run([sys.executable, "-m", "controller.cli", "import", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_dry_run_names_the_bad_rows_then_applies_once(app, client, world, db_url, tmp_path):
    bad = tmp_path / "ruang-server.xlsx"
    bad.write_bytes(xlsx(room_rows(broken=True)))
    before = counts(app)
    r = _titip(str(bad), db_url=db_url)
    assert r.returncode == 1, r.stderr
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("Sheet Server")]
    assert len(lines) == 3, r.stdout
    assert "baris 7, kolom N (IP Manajemen): '10.20.300.7' bukan alamat IP" in lines[0]
    assert "baris 20, kolom G (U Bawah): U" in lines[1] and "sudah dipakai baris 19" in lines[1]
    assert "baris 35, kolom J (Nomor Seri): wajib diisi" in lines[2]
    assert "40 baris diperiksa: 37 valid, 3 bermasalah" in r.stdout
    # --apply without --accept-valid writes nothing either
    r = _titip(str(bad), "--apply", db_url=db_url)
    assert r.returncode == 1 and "tidak ada yang ditulis" in r.stderr
    assert counts(app) == before

    good = tmp_path / "ruang-server-diperbaiki.xlsx"
    good.write_bytes(xlsx(room_rows(broken=False)))
    r = _titip(str(good), "--apply", "--actor", "admin", db_url=db_url)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "diimpor: 40 server (40 di rak, 40 dititipkan), 1 unit, 0 ruang, 1 rak baru" in r.stdout
    assert_room_taken_over(app, client, world)
    with app.state.sessions() as s:
        assert set(s.scalars(select(CustodyStep.actor).where(CustodyStep.action == "import"))) == {"admin"}

    after = counts(app)
    r = _titip(str(good), "--apply", "--actor", "admin", db_url=db_url)
    assert r.returncode == 0 and "40 sudah tercatat (dilewati)" in r.stdout, r.stdout
    assert counts(app) == after


def test_cli_accept_valid_writes_the_valid_rows_only(app, client, world, db_url, tmp_path):
    bad = tmp_path / "ruang.csv"
    rows = room_rows(broken=True)
    keys = [c.key for c in importer.COLUMNS]
    text = ";".join(c.heading for c in importer.COLUMNS) + "\n" + "\n".join(
        ";".join("" if r.get(k) is None else str(r[k]) for k in keys) for r in rows)
    bad.write_text(text, encoding="utf-8")
    r = _titip(str(bad), "--apply", "--accept-valid", db_url=db_url)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Sheet CSV, baris 7, kolom N (IP Manajemen)" in r.stdout
    assert "diimpor: 37 server" in r.stdout
    with app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Server).where(Server.serial_number.like("IMP-%"))) == 37
        assert s.scalar(select(Server.id).where(Server.serial_number == "IMP-005")) is None   # row 7


def test_import_page_dry_run_apply_rerun_and_inventory(app, client, world):
    admin, officer = Browser(app, "admin"), Browser(app, "officer")
    template = admin.get("/admin/import/template.xlsx")
    assert template.status_code == 200
    sheet = load_workbook(io.BytesIO(template.content))["Server"]
    assert [c.value for c in sheet[1]][:4] == ["Kode Unit", "Nama Unit", "Ruang", "Rak"]
    assert sheet.max_row == 2   # the headings and one example row

    before = counts(app, with_audit=False)
    files = {"file": ("ruang-server.xlsx", xlsx(room_rows(broken=True)), importer.XLSX_TYPE)}
    r = admin.post("/admin/import", files=files)
    assert r.status_code == 422
    errors = re.findall(r'<tr data-row="(\d+)" data-column="([A-Z]*)">', r.text)
    assert {int(row): col for row, col in errors} == BAD_ROWS
    assert "bukan alamat IP" in r.text and "wajib diisi" in r.text and "sudah dipakai baris 19" in r.text
    assert "Uji coba" in r.text and "37 valid, 3 bermasalah" in r.text
    assert counts(app, with_audit=False) == before

    files = {"file": ("ruang-server.xlsx", xlsx(room_rows(broken=False)), importer.XLSX_TYPE)}
    r = admin.post("/admin/import", files=files)
    assert r.status_code == 200 and "Impor 40 server" in r.text
    assert counts(app, with_audit=False) == before   # a dry run writes nothing
    content = re.search(r'name="content" value="([^"]+)"', r.text).group(1)
    r = admin.post("/admin/import/apply", {"filename": "ruang-server.xlsx", "content": content})
    assert r.status_code == 200 and 'data-applied="yes"' in r.text, r.text
    assert "40 server" in r.text
    assert_room_taken_over(app, client, world)
    with app.state.sessions() as s:
        rid = s.scalar(select(CustodyRequest.id).order_by(CustodyRequest.id.desc()).limit(1))
    assert "Diimpor dari spreadsheet" in admin.get(f"/requests/{rid}").text

    after = counts(app, with_audit=False)
    r = admin.post("/admin/import", files=files)
    assert "40 sudah tercatat" in r.text and "Tidak ada yang ditulis" in r.text
    admin.post("/admin/import/apply", {"filename": "ruang-server.xlsx", "content": content})
    assert counts(app, with_audit=False) == after

    # The monthly inventory now counts the room: started from its page, followed to the end.
    r = officer.post("/inventory/start", {"period": ""})
    assert r.status_code == 303
    period = r.headers["location"].rsplit("/", 1)[1]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r = officer.get(f"/inventory/{period}")
        page = r.text
        if r.status_code == 200 and "data-progress" not in page:
            break
        time.sleep(0.3)
    rows = re.findall(r'<tr data-serial="(IMP-\d+)"', page)
    assert len(rows) == 40


@pytest.mark.parametrize("who", ["contact_a", "officer"])
def test_only_the_admin_imports(app, world, who):
    b = Browser(app, who)
    files = {"file": ("x.xlsx", xlsx(room_rows(broken=False)), importer.XLSX_TYPE)}
    assert b.get("/admin/import").status_code == 403
    assert b.post("/admin/import", files=files).status_code == 403
    assert b.post("/admin/import/apply", {"filename": "x.xlsx", "content": "UEs="}).status_code == 403
    assert b.get("/admin/import/template.xlsx").status_code == 403


def test_an_unreadable_file_is_a_422_in_indonesian(app, world):
    admin = Browser(app, "admin")
    r = admin.post("/admin/import", files={"file": ("rusak.xlsx", b"PK\x03\x04 not a zip", importer.XLSX_TYPE)})
    assert r.status_code == 422 and "tidak dapat dibaca" in r.text

"""The reconciliation report (*laporan rekonsiliasi aset TIK*, SOP 000) as XLSX.

The register (what the office has recorded) next to what the latest inventory run saw, one row
per server, with a verdict per row; disposed servers get their own sheet so they stay visible.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from controller.documents.cells import append_row
from controller.documents.inventory_form import period_label

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

# (row key, Indonesian heading, English heading, column width)
Column = tuple[str, str, str, int]

# (key, Indonesian heading, English heading, width)
COLUMNS = (
    ("no", "No", "No", 5),
    ("unit", "Unit Kerja", "Unit", 12),
    ("asset_code", "Kode Barang", "Asset code", 16),
    ("nup", "NUP", "Reg. no.", 8),
    ("brand_model", "Merk / Tipe", "Brand / model", 22),
    ("serial", "Nomor Seri (daftar)", "Serial (register)", 18),
    ("location", "Lokasi (daftar)", "Location (register)", 26),
    ("condition", "Kondisi (daftar)", "Condition (register)", 14),
    ("found", "Ditemukan", "Found", 10),
    ("serial_seen", "Nomor Seri (inventarisasi)", "Serial (inventory)", 18),
    ("serial_match", "Seri Sesuai", "Serial matches", 10),
    ("condition_proposed", "Kondisi (usulan)", "Condition (proposed)", 14),
    ("condition_match", "Kondisi Sesuai", "Condition matches", 10),
    ("status", "Hasil", "Result", 30),
)
DISPOSED_COLUMNS = (
    ("unit", "Unit Kerja", "Unit", 12),
    ("asset_code", "Kode Barang", "Asset code", 16),
    ("nup", "NUP", "Reg. no.", 8),
    ("brand_model", "Merk / Tipe", "Brand / model", 22),
    ("serial", "Nomor Seri", "Serial", 18),
    ("disposed_at", "Tanggal Dihapus", "Disposed on", 14),
    ("in_run", "Masih di inventarisasi", "Still in the inventory run", 14),
)


@dataclass
class Reconciliation:
    period: str
    run_period: str | None
    run_status: str | None
    office_name: str
    rows: list[dict[str, Any]]
    disposed: list[dict[str, Any]] = field(default_factory=list)
    generated: datetime | None = None


def _sheet(ws: Worksheet, title: str, subtitle: str, columns: Sequence[Column],
           rows: Iterable[Mapping[str, Any]]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    append_row(ws, [title])
    append_row(ws, [subtitle])
    ws.append([])
    append_row(ws, [c[1] for c in columns])
    append_row(ws, [c[2] for c in columns])
    ws["A1"].font = Font(bold=True, size=13)
    for r in (4, 5):
        for cell in ws[r]:
            cell.font = Font(bold=r == 4, italic=r == 5)
            cell.fill = PatternFill("solid", fgColor="DDE6F0")
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, c in enumerate(columns, start=1):
        ws.column_dimensions[ws.cell(row=4, column=i).column_letter].width = c[3]
    for row in rows:
        append_row(ws, [row.get(c[0]) for c in columns])
    ws.freeze_panes = "A6"


def render_xlsx(rep: Reconciliation) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    seen = (f"inventarisasi {period_label(rep.run_period)} ({rep.run_status})" if rep.run_period
            else "belum ada inventarisasi / no inventory run yet")
    _sheet(wb.active, "LAPORAN REKONSILIASI ASET TIK (SERVER)",
           f"{rep.office_name.replace(chr(10), ' - ')} | Periode / period {period_label(rep.period)} | "
           f"dibandingkan dengan / compared with {seen}", COLUMNS, rep.rows)
    wb.active.title = f"Rekonsiliasi {rep.period}"
    summary: dict[str, int] = {}
    for r in rep.rows:
        summary[r["status"]] = summary.get(r["status"], 0) + 1
    ws = wb.active
    ws.append([])
    for status, n in sorted(summary.items()):
        append_row(ws, ["", f"{status}: {n}"])
    _sheet(wb.create_sheet("Dihapus"), "BARANG YANG DIHAPUS DARI DAFTAR",
           "Disposed servers: out of the register, their history kept", DISPOSED_COLUMNS, rep.disposed)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

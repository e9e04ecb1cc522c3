"""The evaluation report (*Laporan Evaluasi Pengelolaan Aset*, SOP 001) as XLSX and PDF.

The figures come whole from controller.services.evaluation; here they are only laid out,
Indonesian first (the XLSX carries an English heading row under the Indonesian one).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from controller.documents import indonesian as idn
from controller.documents.cells import append_row
from controller.documents.pdf import html_to_pdf, render_template
from controller.domain.asset_kinds import KIND_LABELS, AssetKind
from controller.domain.ticket_flow import CATEGORY_LABELS, Category

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from controller.services.evaluation import Evaluation


def kind_label(kind: str) -> str:
    return KIND_LABELS[AssetKind(kind)].id if kind in AssetKind.__members__ else kind


def category_label(category: str) -> str:
    return CATEGORY_LABELS[Category(category)].id if category in Category.__members__ else category


def hours(value: float | None) -> str:
    """Hours with a decimal comma, as Indonesian writes them."""
    return idn.BLANK if value is None else f"{value:.2f}".replace(".", ",")


def subtitle(ev: Evaluation) -> str:
    who = f"Unit Kerja {ev.unit_name} ({ev.unit_code})" if ev.unit_code else "Seluruh unit kerja"
    return f"Periode {idn.short_date(ev.period.first)} s.d. {idn.short_date(ev.period.last)} | {who}"


def _table(ws: Worksheet, title: str, heads: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> None:
    from openpyxl.styles import Font, PatternFill

    append_row(ws, [title])
    ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
    for n, labels in enumerate(([h[0] for h in heads], [h[1] for h in heads])):
        append_row(ws, labels)
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=n == 0, italic=n == 1)
            cell.fill = PatternFill("solid", fgColor="DDE6F0")
    for row in rows:
        append_row(ws, list(row))
    ws.append([])


def render_xlsx(ev: Evaluation, office_name: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Evaluasi"
    append_row(ws, ["LAPORAN EVALUASI PENGELOLAAN ASET TIK"])
    ws["A1"].font = Font(bold=True, size=13)
    append_row(ws, [office_name.replace("\n", " - ")])
    append_row(ws, [subtitle(ev)])
    ws.append([])
    _table(ws, "1. Aset menurut jenis dan kondisi (akhir periode)",
           [("Jenis", "Kind"), ("Kondisi", "Condition"), ("Jumlah", "Count")],
           [(kind_label(a.kind), idn.condition_label(a.condition), a.count) for a in ev.assets]
           + [("Jumlah aset", "", ev.assets_total)])
    c = ev.changes
    _table(ws, "2. Perubahan dalam periode",
           [("Didaftarkan", "Registered"), ("Dihapus", "Disposed"), ("Alih status masuk", "Transferred in"),
            ("Alih status keluar", "Transferred out")],
           [(c.registered, c.disposed, c.transferred_in, c.transferred_out)])
    _table(ws, "2a. Perubahan kondisi dalam periode",
           [("Kondisi semula", "Before"), ("Kondisi baru", "After"), ("Jumlah", "Count")],
           [(idn.condition_label(m.before), idn.condition_label(m.after), m.count) for m in ev.condition_moves])
    _table(ws, "3. Waktu layanan penitipan per langkah",
           [("Langkah", "Step"), ("Kode", "State"), ("Tepat waktu", "On time"), ("Terlambat", "Overdue")],
           [(s.label, s.state, s.on_time, s.overdue) for s in ev.custody])
    _table(ws, "4. Tiket layanan menurut kategori",
           [("Kategori", "Category"), ("Dibuka", "Opened"), ("Diselesaikan", "Resolved"),
            ("Median (jam)", "Median (hours)"), ("Rata-rata (jam)", "Mean (hours)")],
           [(category_label(t.category), t.opened, t.resolved, t.median_hours, t.mean_hours) for t in ev.tickets])
    _table(ws, "5. Waktu henti (hasil pemeriksaan akses)",
           [("Server", "Server"), ("Unit", "Unit"), ("Pemeriksaan", "Checks"), ("Gagal", "Failed"),
            ("Waktu henti (jam)", "Downtime (hours)")],
           [(d.name, d.unit_code, d.checks, d.failed, d.downtime_hours) for d in ev.downtime]
           + [(f"Jumlah unit {code}", code, None, None, h) for code, h in ev.downtime_by_unit.items()])
    _table(ws, "6. Kapasitas ruang server",
           [("Ruang", "Room"), ("U terpakai", "U used"), ("U kosong", "U free"), ("U total", "U total"),
            ("Daya terpakai (W)", "Power used (W)"), ("Anggaran daya (W)", "Power budget (W)")],
           [(r.room, r.u_used, r.u_free, r.u_total, r.power_used_w, r.power_budget_w) for r in ev.rooms])
    _table(ws, "7. Tren U terpakai per akhir bulan",
           [("Ruang", "Room"), ("Bulan", "Month"), ("U terpakai", "U used")],
           [(r.room, month, u) for r in ev.rooms for month, u in r.trend])
    for col, width in zip("ABCDEF", (34, 16, 14, 14, 18, 18), strict=True):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render_pdf(ev: Evaluation, office_name: str, tz: str, zone_label: str) -> bytes:
    html = render_template("evaluation.html", ev=ev, kind=kind_label, category=category_label, hours=hours,
                           condition=idn.condition_label, zone=zone_label,
                           generated=ev.generated_at.astimezone(ZoneInfo(tz)),
                           header_lines=[ln.strip() for ln in office_name.splitlines() if ln.strip()])
    return html_to_pdf(html)

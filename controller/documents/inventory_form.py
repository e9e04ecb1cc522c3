"""The server inventory form (*Formulir Data Inventarisasi Server*) as XLSX and PDF.

Rows are plain dicts built by the service from the run; both renderers print the same columns.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from jinja2 import Environment, PackageLoader
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from controller.documents import indonesian as idn
from controller.documents.cells import append_row
from controller.documents.pdf import _fixed_font_timestamps

# (key, Indonesian heading, English heading, XLSX width)
COLUMNS = (
    ("no", "No", "No", 5),
    ("unit", "Unit Kerja", "Unit", 14),
    ("hostname", "Hostname", "Hostname", 18),
    ("brand_model", "Merk / Tipe", "Brand / model", 22),
    ("serial", "Nomor Seri", "Serial number", 18),
    ("location", "Rak / U", "Rack / U", 12),
    ("ip", "Alamat IP", "IP address", 15),
    ("os", "Sistem Operasi", "OS", 20),
    ("cpu", "Prosesor", "CPU", 24),
    ("memory", "Memori", "Memory", 10),
    ("storage", "Penyimpanan", "Storage", 16),
    ("condition", "Kondisi", "Condition", 13),
    ("proposal", "Usulan Sistem", "Proposed by monitoring", 30),
    ("reach", "Keterjangkauan", "Reachability", 14),
    ("source", "Sumber Data", "Source", 10),
    ("notes", "Keterangan", "Notes", 40),
)


@dataclass
class InventoryForm:
    period: str
    office_name: str
    place: str
    rows: list[dict[str, Any]]
    status: str = "completed"
    signed_name: str | None = None
    signed_nip: str | None = None
    signed_position: str | None = None
    signed_at: datetime | None = None      # aware, in the office's zone
    generated: date = field(default_factory=date.today)
    zone: str = "WIB"


def stamp(moment: datetime, zone: str) -> str:
    """ "04-12-2026 14:05 WIB (UTC+07:00)": the zone's name and its offset, so nobody guesses."""
    offset = moment.isoformat(timespec="minutes")[-6:] if moment.utcoffset() is not None else ""
    return f"{moment:%d-%m-%Y %H:%M} {zone}" + (f" (UTC{offset})" if offset else "")


def period_label(period: str) -> str:
    year, month = period.split("-")
    return f"{idn.MONTHS[int(month) - 1]} {year}"


def render_xlsx(form: InventoryForm) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = f"Inventaris {form.period}"
    append_row(ws, ["FORMULIR DATA INVENTARISASI SERVER"])
    append_row(ws, [form.office_name.replace("\n", " - ")])
    append_row(ws, [f"Periode / Period: {period_label(form.period)} ({form.period})"])
    ws.append([])
    append_row(ws, [c[1] for c in COLUMNS])
    append_row(ws, [c[2] for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True, size=13)
    for row in (5, 6):
        for cell in ws[row]:
            cell.font = Font(bold=row == 5, italic=row == 6)
            cell.fill = PatternFill("solid", fgColor="DDE6F0")
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, c in enumerate(COLUMNS, start=1):
        ws.column_dimensions[ws.cell(row=5, column=i).column_letter].width = c[3]
    for r in form.rows:
        append_row(ws, [r.get(c[0]) for c in COLUMNS])
    ws.append([])
    if form.signed_name and form.signed_at:  # signed: both are set together
        append_row(ws, [f"Diperiksa dan ditandatangani oleh / reviewed and signed by: {form.signed_name}"
                   f" (NIP {form.signed_nip or '-'}), {form.signed_position}, {stamp(form.signed_at, form.zone)}"])
    else:
        append_row(ws, ["Belum ditandatangani petugas / not yet signed by the officer"])
    ws.freeze_panes = "A7"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_env = Environment(loader=PackageLoader("controller.documents", "templates"), autoescape=True)


def render_pdf(form: InventoryForm) -> bytes:
    html = _env.get_template("inventory.html").render(
        form=form, columns=COLUMNS, period_label=period_label(form.period),
        signed_at=stamp(form.signed_at, form.zone) if form.signed_at else None,
        header_lines=[ln for ln in form.office_name.splitlines() if ln.strip()])
    document = HTML(string=html, base_url=None, url_fetcher=URLFetcher(allowed_protocols=()))
    with _fixed_font_timestamps():
        return document.write_pdf()

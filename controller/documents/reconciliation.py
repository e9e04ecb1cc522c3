"""The reconciliation report (*laporan rekonsiliasi aset TIK*, SOP 000) as XLSX, and the
periodic report to the Asisten as a numbered, signed PDF.

The XLSX: the register (what the office has recorded) next to what the latest inventory run saw,
one row per server, with a verdict per row; disposed servers get their own sheet so they stay
visible. It is the working sheet, unsigned. The PDF (SOP 000 Penggunaan 4, "menyusun laporan dan
melaporkan ke asisten secara berkala") sums the same rows up for one month: counts by kind and
condition, the results, every difference, what was disposed in the month; like the other letters
(``documents.letters``) it is plain data here, no database, Indonesian only.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from controller.documents.cells import append_row
from controller.documents.inventory_form import period_label
from controller.documents.letters import Frame, Signer, _context
from controller.documents.pdf import html_to_pdf, render_template

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


# --- the report to the Asisten (PDF) -----------------------------------------------------------

REPORT_TITLE = "LAPORAN REKONSILIASI ASET TIK"


@dataclass(frozen=True)
class KindCount:
    """One kind's active register rows by condition (in ``ReconciliationLetter.conditions`` order)."""

    kind: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class ReconciliationLetter:
    """The month's report: to whom, against which inventory, the figures, who signs."""

    period: str
    addressee: str                        # the Asisten's title (``Settings.reconciliation_addressee``)
    addressee_place: str
    compared_with: str                    # which inventory run, in words
    conditions: tuple[str, ...]           # the condition columns of ``by_kind``
    by_kind: list[KindCount]
    results: list[tuple[str, int]]        # each result in words, with its count
    differences: list[dict[str, Any]]     # register rows whose result is a difference
    disposed: list[dict[str, Any]]        # rows disposed of in the period
    signer: Signer                        # the Pengelola Barang
    acknowledger: Signer                  # "Mengetahui": the Kepala Dinas
    closing: str = "Demikian laporan rekonsiliasi ini dibuat dengan sebenarnya untuk dipergunakan sebagaimana mestinya."

    @property
    def period_words(self) -> str:
        return period_label(self.period)

    @property
    def register_total(self) -> int:
        return sum(k.total for k in self.by_kind)

    @property
    def condition_totals(self) -> tuple[int, ...]:
        return tuple(sum(k.counts[i] for k in self.by_kind) for i in range(len(self.conditions)))


def render_report_html(frame: Frame, letter: ReconciliationLetter) -> str:
    return render_template("reconciliation_report.html", letter=letter,
                           **_context(frame, REPORT_TITLE, f"Periode {letter.period_words}"))


def render_report_pdf(frame: Frame, letter: ReconciliationLetter) -> bytes:
    return html_to_pdf(render_report_html(frame, letter))

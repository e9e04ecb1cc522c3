"""The approved needs of a budget year as XLSX, laid out as the finance office's RKBMD sheet
(*Rencana Kebutuhan Barang Milik Daerah, Pengadaan*): a title block, headings with a row of column
numbers, one row per approved item grouped by unit with a subtotal, a grand total and the head's
signature block. Figures are values, not formulas, so what is printed is what was approved.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from openpyxl.styles import Border
from openpyxl.worksheet.worksheet import Worksheet

from controller.documents import indonesian as idn
from controller.documents.cells import append_row

# (key, Indonesian heading, English heading, width)
COLUMNS = (
    ("no", "No", "No", 5),
    ("unit", "Perangkat Daerah / Unit Kerja", "Unit", 26),
    ("program", "Program / Kegiatan (RKPD)", "Programme / activity", 26),
    ("kind", "Jenis Barang", "Kind", 18),
    ("description", "Nama / Uraian Barang", "Item", 34),
    ("quantity", "Jumlah", "Quantity", 9),
    ("uom", "Satuan", "Unit of measure", 9),
    ("unit_price", "Harga Satuan (Rp)", "Unit price (IDR)", 17),
    ("total", "Jumlah Biaya (Rp)", "Total (IDR)", 19),
    ("justification", "Justifikasi Kebutuhan", "Justification", 34),
    ("approval", "Nomor Persetujuan Kepala Dinas", "Head's approval no.", 22),
    ("remark", "Keterangan", "Remark", 20),
)
MONEY = "#,##0.00"
FIRST_DATA_ROW = 8   # title (4 rows), headings (2), column numbers (1)


@dataclass(frozen=True)
class PlanRow:
    unit: str
    program: str | None
    kind: str
    description: str
    quantity: int
    uom: str
    unit_price: Decimal
    justification: str
    approval: str | None
    remark: str

    @property
    def total(self) -> Decimal:
        return Decimal(self.quantity) * self.unit_price


@dataclass
class ApprovedPlan:
    budget_year: int
    office_name: str
    place: str
    day: date
    head_name: str | None
    head_nip: str | None
    rows: list[PlanRow] = field(default_factory=list)   # ordered by unit


def totals(plan: ApprovedPlan) -> tuple[dict[str, Decimal], Decimal]:
    by_unit: dict[str, Decimal] = {}
    for r in plan.rows:
        by_unit[r.unit] = by_unit.get(r.unit, Decimal("0")) + r.total
    return by_unit, sum(by_unit.values(), Decimal("0"))


def render_plan_xlsx(plan: ApprovedPlan) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Side

    wb = Workbook()
    ws = wb.active
    ws.title = f"RKBMD {plan.budget_year}"
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    width = len(COLUMNS)
    office = " - ".join(ln.strip() for ln in plan.office_name.splitlines() if ln.strip())
    append_row(ws, ["RENCANA KEBUTUHAN BARANG MILIK DAERAH (RKBMD) PENGADAAN - BARANG TIK"])
    append_row(ws, [f"TAHUN ANGGARAN {plan.budget_year}"])
    append_row(ws, [office])
    append_row(ws, ["Approved ICT needs plan (RKBMD, procurement) for the finance office"])
    for r in range(1, 5):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        ws.cell(row=r, column=1).alignment = Alignment(horizontal="center")
        ws.cell(row=r, column=1).font = Font(bold=r <= 2, italic=r == 4, size=12 if r <= 2 else 10)
    append_row(ws, [c[1] for c in COLUMNS])
    append_row(ws, [c[2] for c in COLUMNS])
    append_row(ws, [f"({n})" for n in range(1, width + 1)])
    for r in (5, 6, 7):
        for cell in ws[r]:
            cell.font = Font(bold=r == 5, italic=r == 6, size=9 if r == 7 else 10)
            cell.fill = PatternFill("solid", fgColor="DDE6F0")
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
            cell.border = box
    for i, c in enumerate(COLUMNS, start=1):
        ws.column_dimensions[ws.cell(row=5, column=i).column_letter].width = c[3]

    by_unit, grand = totals(plan)
    current = None
    for n, row in enumerate(plan.rows, start=1):
        if current is not None and row.unit != current:
            _subtotal(ws, f"Jumlah {current}", by_unit[current], box)
        current = row.unit
        append_row(ws, [n, row.unit, row.program, row.kind, row.description, row.quantity, row.uom, row.unit_price,
                        row.total, row.justification, row.approval, row.remark])
        for cell in ws[ws.max_row]:
            cell.border = box
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for col in (8, 9):
            ws.cell(row=ws.max_row, column=col).number_format = MONEY
    if current is not None:
        _subtotal(ws, f"Jumlah {current}", by_unit[current], box)
    _subtotal(ws, "JUMLAH TOTAL", grand, box, bold=True)
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"

    ws.append([])
    sign_col = width - 2
    for text in (f"{plan.place}, {idn.long_date(plan.day)}", "KEPALA DINAS", "", "", "",
                 plan.head_name or "(....................................)",
                 f"NIP. {plan.head_nip}" if plan.head_nip else "NIP. ...................."):
        ws.append([])
        ws.cell(row=ws.max_row, column=sign_col).value = text
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _subtotal(ws: Worksheet, label: str, value: Decimal, box: Border, bold: bool = False) -> None:
    from openpyxl.styles import Font

    append_row(ws, [None, label, None, None, None, None, None, None, value])
    for cell in ws[ws.max_row]:
        cell.border = box
        cell.font = Font(bold=True if bold else None, italic=not bold)
    ws.cell(row=ws.max_row, column=9).number_format = MONEY

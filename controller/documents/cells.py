"""One way to put a value in an XLSX cell, whoever sent the value.

Serials, brands and inventory strings come from units and devices, so a cell must never become
a formula (``=HYPERLINK(...)`` from an agent), and one control character must not make the
workbook unwritable (openpyxl refuses it, and the export became a 500 for good).

Why an explicit string type and not a leading apostrophe: a typed string cell is never
evaluated by Excel or LibreOffice, and the cell shows exactly what the device sent
(``-12`` stays ``-12``, ``=1+1`` stays ``=1+1``), so the register and the printout agree. The
``quotePrefix`` style is set as well on text that looks like a formula: it is Excel's own
marker ("this is text"), so editing the cell in Excel keeps it text, and it adds no character
to the value a reader or a diff sees.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

# Excel's limit is 32,767 UTF-16 code units per cell.
MAX_CELL_UNITS = 32_767
# Formula triggers in Excel, LibreOffice and CSV re-exports (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# C0 controls except tab and newline, DEL, C1 controls, lone surrogates and the two
# XML non-characters: none of them can be written into the sheet's XML.
_UNWRITABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _clean_text(text: str) -> str:
    text = _UNWRITABLE.sub("", text)
    if len(text) * 2 > MAX_CELL_UNITS:  # only then can it be too long in UTF-16
        units = 0
        for i, ch in enumerate(text):
            units += 2 if ord(ch) > 0xFFFF else 1
            if units > MAX_CELL_UNITS:
                return text[:i]
    return text


def xlsx_cell(ws: Worksheet, value: Any) -> Any:
    """Return what ``ws.append`` should get for ``value``: text as a typed string cell.

    Numbers, booleans and dates pass unchanged (a timezone-aware datetime is turned into naive
    UTC, which is all XLSX can hold); non-finite floats and any other object become text.
    """
    if value is None or isinstance(value, (bool, int, Decimal)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        value = str(value)
    elif isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value
    elif isinstance(value, (date, time)):
        return value.replace(tzinfo=None) if isinstance(value, time) else value
    elif not isinstance(value, str):
        value = str(value)
    text = _clean_text(value)
    cell = Cell(ws)
    cell._value = text  # bypass openpyxl's guessing, which makes "=..." a formula
    cell.data_type = "s"
    if text.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True
    return cell


def append_row(ws: Worksheet, values: list[Any]) -> None:
    """``ws.append`` with every value passed through :func:`xlsx_cell`."""
    ws.append([xlsx_cell(ws, v) for v in values])

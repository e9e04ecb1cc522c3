"""Any value a unit or a device sends lands in an XLSX cell as plain text, never a formula."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from hypothesis import given, settings, strategies as st
from openpyxl import Workbook, load_workbook

from controller.documents.cells import MAX_CELL_UNITS, append_row

PREFIXES = st.sampled_from(["=", "+", "-", "@", "\t", "\r", "", "=HYPERLINK(\"http://x\",\"klik\")"])
HOSTILE = st.builds(lambda p, s: p + s, PREFIXES, st.text(st.characters(codec=None), max_size=60))


def _round_trip(values: list) -> list:
    wb = Workbook()
    append_row(wb.active, values)
    buf = io.BytesIO()
    wb.save(buf)
    return list(load_workbook(io.BytesIO(buf.getvalue())).active[1])


@settings(max_examples=200, deadline=None)
@given(st.lists(HOSTILE, min_size=1, max_size=8))
def test_hostile_strings_open_as_text_never_formulas(values: list[str]) -> None:
    for cell, sent in zip(_round_trip(values), values):
        assert cell.data_type != "f"
        if cell.value is not None:
            assert isinstance(cell.value, str)
            assert not any(ord(ch) < 32 and ch not in "\t\n" for ch in cell.value)
            # what is left is the sent text minus the characters XML cannot hold
            assert set(cell.value) <= set(sent)


def test_formula_text_is_shown_as_sent() -> None:
    cells = _round_trip(["=1+1", "-12", "@SUM(A1)", "PE-R740"])
    assert [c.value for c in cells] == ["=1+1", "-12", "@SUM(A1)", "PE-R740"]
    assert all(c.data_type == "s" for c in cells)
    assert [c.quotePrefix for c in cells] == [True, True, True, False]


def test_numbers_and_dates_unchanged_long_text_cut() -> None:
    when = datetime(2026, 12, 4, 7, 30, tzinfo=UTC)
    cells = _round_trip([7, 2.5, date(2026, 1, 31), when, None, "x" * 40_000, "a\x00b"])
    assert [c.value for c in cells[:3]] == [7, 2.5, datetime(2026, 1, 31)]
    assert cells[3].value == datetime(2026, 12, 4, 7, 30)
    assert cells[4].value is None
    assert len(cells[5].value) == MAX_CELL_UNITS
    assert cells[6].value == "ab"

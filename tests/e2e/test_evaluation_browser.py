"""The evaluation report in a real browser (issue 17): a head opens it from the menu, chooses a
period and a unit, reads figures worked out here from the seeded year (tests/integration/
test_evaluation.py's seeds), downloads the XLSX and issues the PDF, which the page then links."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from controller.documents.evaluation import hours, kind_label
from controller.documents.indonesian import condition_label
from tests.e2e.conftest import Live, serve_world
from tests.integration.test_evaluation import DISPOSED, DOWN, SERVERS, WIB, seed, utc

END = utc(2026, 1, 1) - WIB   # the end of 2025 in the office's zone


@pytest.fixture(scope="module")
def live(tmp_path_factory, sqlite_template) -> Iterator[Live]:
    """The e2e controller (tests/e2e/conftest.py), over the small office with the seeded year 2025."""
    yield from serve_world(tmp_path_factory.mktemp("e2e-evaluation"), sqlite_template, seed)


def test_a_head_evaluates_a_unit_for_a_year_downloads_the_xlsx_and_issues_the_pdf(login, live):
    # DISKES (unit a) at the end of 2025, from the seeds alone
    register = Counter((kind, condition) for key, unit, kind, condition, created in SERVERS
                       if unit == "a" and created < END and not (key in DISPOSED and DISPOSED[key] < END))
    assert sum(register.values()) == 3

    head = login("head")
    head.click("nav >> text=Evaluasi")
    expect(head.locator("h1")).to_have_text("Evaluasi Pengelolaan Aset")
    form = head.locator("form[action='/evaluation']")
    form.locator("[name=from]").fill("2025-01-01")
    form.locator("[name=to]").fill("2025-12-31")
    form.locator("[name=unit]").select_option("DISKES")
    form.locator("button[type=submit]").click()
    head.wait_for_load_state()
    assert "from=2025-01-01" in head.url and "unit=DISKES" in head.url

    rows = head.locator("#ev-assets tbody tr")
    for (kind, condition), n in register.items():
        expect(rows.filter(has_text=kind_label(kind)).filter(has_text=condition_label(condition))).to_contain_text(str(n))
    expect(rows.last).to_contain_text(str(sum(register.values())))
    downtime = head.locator("#ev-downtime")
    expect(downtime.locator("tr", has_text="host-s1")).to_contain_text(hours(DOWN["s1"]))
    expect(downtime).not_to_contain_text("host-s2")          # BAPPEDA's server
    expect(head.locator("#ev-issued")).to_have_count(0)

    with head.expect_download() as got:
        head.click("#ev-xlsx")
    assert got.value.suggested_filename == "evaluasi_DISKES_20250101-20251231.xlsx"
    sheet = load_workbook(io.BytesIO(got.value.path().read_bytes())).active
    cells = list(sheet.iter_rows(values_only=True))
    for (kind, condition), n in register.items():
        assert any(row[:3] == (kind_label(kind), condition_label(condition), n) for row in cells), cells
    assert any(row[0] == "host-s1" and row[4] == DOWN["s1"] for row in cells)
    assert not any(row[0] == "host-s2" for row in cells)

    head.click("#ev-issue button[type=submit]")
    head.wait_for_load_state()
    expect(head.locator(".flash-success")).to_contain_text("diterbitkan")
    assert "unit=DISKES" in head.url
    link = head.locator("#ev-issued")
    expect(link).to_be_visible()
    pdf = head.request.get(link.get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF-")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "host-s1" in text and hours(DOWN["s1"]) in text and "DISKES" in text

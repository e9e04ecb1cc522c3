"""A list in a real browser (issue 15): searched, filtered by unit and condition, sorted from its
header, paged, and exported as CSV and XLSX; the export's rows are the filtered list, every page
of it, in the list's order."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

SERIALS_SHOWN = "table.list tbody tr[data-serial]"


def _shown(page: Page) -> list[str]:
    return page.locator(SERIALS_SHOWN).evaluate_all("rows => rows.map(r => r.dataset.serial)")


def _download(page: Page, kind: str) -> bytes:
    with page.expect_download() as info:
        page.locator(f"form[data-list-filter] a[data-export='{kind}']").click()
    path = info.value.path()
    assert path is not None
    with open(path, "rb") as f:
        return f.read()


def test_a_list_is_searched_filtered_sorted_paged_and_exported(login, live):
    with live.api() as api:
        officer_auth = live.world.auth("officer")
        for i in range(40):      # DISKES: 30 good, 10 lightly damaged; BAPPEDA: 5 that match the search too
            unit = "BAPPEDA" if i >= 35 else "DISKES"
            r = api.post("/api/v1/servers", headers=officer_auth, json={
                "unit_code": unit, "brand": "Lenovo", "model": "SR650", "serial_number": f"BRW-{i:03d}",
                "height_u": 1, "power_w": 300, "hostname": f"app-{i:03d}.example.go.id"})
            assert r.status_code == 201, r.text
            if i % 4 == 3:
                r = api.patch(f"/api/v1/servers/{r.json()['id']}", headers=officer_auth,
                              json={"condition": "rusak_ringan"})
                assert r.status_code == 200, r.text
    wanted = sorted((f"BRW-{i:03d}" for i in range(35) if i % 4 != 3), reverse=True)
    assert len(wanted) > 25                                       # more than one page

    page = login("officer")
    page.goto("/servers")
    bar = page.locator("form[data-list-filter]")
    bar.locator("input[name=q]").fill("brw")
    bar.locator("select[name=unit]").select_option("DISKES")
    bar.locator("select[name=state]").select_option("baik")
    bar.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("nav.pager")).to_have_attribute("data-total", str(len(wanted)))
    page.locator("a[data-sort='serial']").click()                # ascending
    page.wait_for_load_state()
    assert _shown(page) == sorted(wanted)[:25]
    page.locator("a[data-sort='serial']").click()                # and descending
    page.wait_for_load_state()
    first = _shown(page)
    assert first == wanted[:25]
    page.locator("nav.pager a[rel=next]").click()
    page.wait_for_load_state()
    second = _shown(page)
    assert second == wanted[25:]
    expect(page.locator("nav.pager strong[aria-current=page]")).to_have_text("2")
    # The filter, the search and the sort survive paging; the export takes them all, not the page.
    assert bar.locator("input[name=q]").input_value() == "brw"
    rows = list(csv.DictReader(io.StringIO(_download(page, "csv").decode("utf-8-sig"))))
    assert [r["Nomor seri"] for r in rows] == first + second
    assert {r["Unit"] for r in rows} == {"DISKES"}
    sheet = load_workbook(io.BytesIO(_download(page, "xlsx"))).active
    table = list(sheet.iter_rows(values_only=True))
    column = table[0].index("Nomor seri")
    assert [r[column] for r in table[1:]] == first + second

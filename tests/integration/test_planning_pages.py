"""Needs plans, procurements and issues as pages over HTTP (no browser): forms into the same
services, role and unit checks, the approved plan's XLSX from a browser session."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.integration.test_web_pages import Browser
from tests.support.planning import submit, to_approved


def _go(b: Browser, path: str, data: dict[str, str]) -> str:
    return _goto(b, path, data)[1]


def _goto(b: Browser, path: str, data: dict[str, str]) -> tuple[int, str]:
    """Post a form; the id of the page it leads to, and that page."""
    r = b.post(path, data)
    assert r.status_code == 303, r.text
    where = r.headers["location"]
    page = b.get(where)
    assert page.status_code == 200, page.text
    assert "flash-error" not in page.text, page.text[page.text.find("flash-error"):][:300]
    return int(where.rstrip("/").rsplit("/", 1)[1]), page.text


def test_a_needs_plan_walks_through_the_pages(app, world):
    unit = Browser(app, "contact_a")
    head, division, officer = Browser(app, "head"), Browser(app, "division_head"), Browser(app, "officer")
    other = Browser(app, "contact_b")
    assert "/plans/new" in unit.get("/plans").text
    assert unit.get("/plans/new").status_code == 200
    bad = unit.post("/plans", {"budget_year": "2027", "letter_number": "027/1/2026", "kind_1": "server",
                               "description_1": "Server", "quantity_1": "0", "unit_price_1": "10",
                               "justification_1": "x"})
    assert bad.status_code == 422 and 'value="Server"' in bad.text
    plan_id, page = _goto(unit, "/plans", {"budget_year": "2027", "letter_number": "027/1/2026", "kind_1": "server",
                                "description_1": "Server rak", "quantity_1": "2", "uom_1": "unit",
                                "unit_price_1": "1000000.50", "justification_1": "Lama",
                                "kind_2": "end_user_device", "description_2": "Laptop", "quantity_2": "3",
                                "unit_price_2": "15000000", "justification_2": "Keliling"})
    assert "Rp 47.000.001,00" in page   # 2 x 1.000.000,50 + 3 x 15.000.000
    assert other.get(f"/plans/{plan_id}").status_code == 404
    assert 'data-action="disposition"' not in unit.get(f"/plans/{plan_id}").text
    refused = unit.post(f"/plans/{plan_id}/actions/disposition", {})
    assert refused.status_code == 303 and "flash-error" in unit.get(refused.headers["location"]).text
    _go(head, f"/plans/{plan_id}/actions/disposition", {"note": "Kabid"})
    _go(division, f"/plans/{plan_id}/actions/review", {"findings": "Lengkap", "forward": "1"})
    page = officer.get(f"/plans/{plan_id}").text
    items = sorted(set(re.findall(r'name="item_(\d+)"', page)))
    _go(officer, f"/plans/{plan_id}/actions/assess", {**{f"item_{i}": "1" for i in items},
                                                      **{f"recommended_{i}": "1" for i in items}})
    page = _go(head, f"/plans/{plan_id}/actions/approve", {
        "decision_number": "027/9/2026", **{f"item_{i}": "1" for i in items},
        **{f"decision_{i}": "approved" for i in items}})
    assert 'data-export' not in page or "RKBMD 2027" in page
    r = unit.get("/plans/approved/2027.xlsx")
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert [row[4] for row in rows[7:] if isinstance(row[0], int)] == ["Server rak", "Laptop"]
    assert "Laptop" not in "".join(str(c) for row in load_workbook(io.BytesIO(
        other.get("/plans/approved/2027.xlsx").content)).active.iter_rows(values_only=True) for c in row)


def test_procurement_and_issue_through_the_pages(app, client, world):
    plan = to_approved(client, world, submit(client, world))
    officer, unit_b, unit_a = Browser(app, "officer"), Browser(app, "contact_b"), Browser(app, "contact_a")
    kasi = Browser(app, "section_head")
    item = plan["items"][1]["id"]
    assert f'data-procure="{item}"' in officer.get(f"/plans/{plan['id']}").text
    assert 'data-procure=' not in unit_a.get(f"/plans/{plan['id']}").text
    pid, page = _goto(officer, "/procurements", {
        "item_id": str(item), "plan_id": str(plan["id"]), "method": "e_purchasing", "vendor": "PT X",
        "contract_number": "SP/9", "contract_value": "29000001", "quantity": "2"})
    page = _go(officer, f"/procurements/{pid}/actions/receive", {
        "received_on": "2027-02-01", "receipt_number": "BA/9", "brand_1": "Lenovo", "model_1": "T14",
        "serial_number_1": "WEB-LAP-1", "brand_2": "Lenovo", "model_2": "T14", "serial_number_2": "WEB-LAP-2"})
    assert "WEB-LAP-1" in page and "/issues/new?server_id=" in page
    sid, sid2 = re.findall(r"/issues/new\?server_id=(\d+)", page)[:2]
    assert unit_a.get("/issues/new").status_code == 200   # the form shows; the service refuses the role
    refused = unit_a.post("/issues", {"server_ids": sid, "to_unit": "BAPPEDA", "recipient_name": "x",
                                      "bast_number": "B/1"})
    assert refused.status_code == 403
    assert officer.post("/issues", {"server_ids": sid, "to_unit": "BAPPEDA", "recipient_name": "x",
                                    "bast_number": "B/1"}).status_code == 403
    assert 'id="new-issue"' in kasi.get("/issues").text and 'id="new-issue"' not in officer.get("/issues").text
    form = kasi.get(f"/issues/new?server_id={sid}").text
    assert f'name="server_ids" value="{sid}" id="asset-{sid}" checked' in form
    assert f'name="server_ids" value="{sid2}" id="asset-{sid2}">' in form
    none = kasi.post("/issues", {"to_unit": "BAPPEDA", "recipient_name": "Siti", "bast_number": "BAST/WEB/1"})
    assert none.status_code == 422 and "server_ids" in none.text and 'value="BAST/WEB/1"' in none.text
    iid, page = _goto(kasi, "/issues", {"server_ids": [sid, sid2], "to_unit": "BAPPEDA", "recipient_name": "Siti",
                                           "bast_number": "BAST/WEB/1"})
    assert "WEB-LAP-1" in page and "WEB-LAP-2" in page and 'data-action="sign_as_giver"' in page
    assert 'data-document="issue_bast"' not in page   # issued once both have signed
    assert unit_a.get(f"/issues/{iid}").status_code == 404
    assert 'data-action="sign_as_recipient"' in unit_b.get(f"/issues/{iid}").text
    assert 'data-action="sign_as_giver"' not in unit_b.get(f"/issues/{iid}").text
    bad = unit_b.post(f"/issues/{iid}/actions/sign_as_recipient", {"name": "Rina", "nip": "12", "position": "x"})
    assert bad.status_code == 303 and "flash-error" in unit_b.get(f"/issues/{iid}").text
    page = _go(kasi, f"/issues/{iid}/actions/sign_as_giver", {"name": "Bambang", "nip": "197001011995031001",
                                                               "position": "Kepala Seksi"})
    assert 'data-action="sign_as_giver"' not in page and "Bambang" in page
    page = _go(unit_b, f"/issues/{iid}/actions/sign_as_recipient", {"name": "Rina", "nip": "198001012005012002",
                                                                     "position": "Pengelola TIK"})
    assert "Rina" in page and 'data-action="report_installation"' in page
    doc = re.search(r'href="(/documents/\d+)" data-document="issue_bast"', page)
    assert doc and unit_b.get(doc.group(1)).content.startswith(b"%PDF-")
    page = _go(unit_b, f"/issues/{iid}/actions/report_installation", {"installed_on": "2027-02-03",
                                                                       "report": "Terpasang"})
    assert 'data-document="install_report"' in page
    page = _go(kasi, f"/issues/{iid}/actions/acknowledge", {})
    assert 'data-action=' not in page

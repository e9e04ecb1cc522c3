"""Needs planning, procurement and issue to a user over HTTP, with every role and unit check
(SOP 000 Perencanaan Kebutuhan Aset TIK; SOP 001 Perencanaan Kebutuhan dan Penganggaran,
Penggunaan dan Pemanfaatan)."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from openpyxl import load_workbook

from tests.integration.test_lifecycle import holds, pdf_text
from tests.support import custody as flow
from tests.support.planning import GIVER, ITEMS, RECIPIENT, act, call, sign_bast, submit, to_approved

WRONG = {"disposition": "division_head", "review": "officer", "assess": "division_head", "approve": "officer",
         "record_rkpd": "head", "send_to_finance": "division_head"}


def _wrong_role(client, world, path: str, action: str, body: dict | None = None) -> None:
    out = act(client, world, path, action, WRONG[action], body, expect=403)
    assert out["allowed_roles"], out


def test_needs_plan_full_path_with_role_unit_and_state_checks(client, world):
    call(client, world, "POST", "needs-plans", "helpdesk", {
        "budget_year": 2027, "letter_number": "x", "items": ITEMS}, expect=403)
    call(client, world, "POST", "needs-plans", "contact_a", {
        "unit_code": "BAPPEDA", "budget_year": 2027, "letter_number": "x", "items": ITEMS}, expect=403)
    bad = call(client, world, "POST", "needs-plans", "contact_a", {
        "budget_year": 2027, "letter_number": "x", "items": [{**ITEMS[0], "quantity": 0}]}, expect=422)
    assert bad["field"] == "items.0.quantity"
    assert call(client, world, "POST", "needs-plans", "officer", {
        "budget_year": 2027, "letter_number": "x", "items": ITEMS}, expect=422)["field"] == "unit_code"

    plan = submit(client, world)
    path = f"needs-plans/{plan['id']}"
    assert plan["state"] == "submitted" and plan["unit_code"] == "DISKES"
    assert plan["total_proposed"] == str(Decimal("370000000.00") + Decimal("145000005.00") + Decimal("17500000.00"))
    # The head's disposition is due ten minutes of office time after the letter came in.
    assert plan["service_time"] == "10 menit"
    assert plan["next_steps"][0]["sop_actor"] == "Kepala Dinas"
    items = [i["id"] for i in plan["items"]]
    # Whoever owes the next step is told: the head, not the division head yet.
    told = [n["subject"] for n in call(client, world, "GET", "notifications", "head")["items"]]
    assert any(s.startswith(f"Rencana kebutuhan #{plan['id']}") for s in told), told
    assert not call(client, world, "GET", "notifications", "division_head")["items"]

    # Another unit's contact person does not see the plan, nor move it.
    call(client, world, "GET", path, "contact_b", expect=404)
    act(client, world, path, "disposition", "contact_b", expect=404)
    assert call(client, world, "GET", "needs-plans", "contact_b")["total"] == 0
    assert call(client, world, "GET", "needs-plans", "contact_a")["total"] == 1

    _wrong_role(client, world, path, "disposition")
    moved = act(client, world, path, "review", "division_head", {"forward": True, "findings": "x"}, expect=409)
    assert moved["allowed_actions"] == [] and moved["state"] == "submitted"
    assert act(client, world, path, "review", "head", {"forward": True, "findings": "x"},
               expect=409)["allowed_actions"] == ["disposition"]
    act(client, world, path, "disposition", "head")

    _wrong_role(client, world, path, "review", {"forward": True, "findings": "x"})
    act(client, world, path, "review", "division_head", {"findings": "x"}, expect=422)
    act(client, world, path, "review", "division_head", {"forward": True, "findings": "Sesuai renstra 2026-2031"})

    _wrong_role(client, world, path, "assess", {"items": [{"id": i, "recommended": True} for i in items]})
    short = act(client, world, path, "assess", "officer", {"items": [{"id": items[0], "recommended": True}]},
                expect=422)
    assert short["field"] == "items" and str(items[1]) in short["detail"]
    act(client, world, path, "assess", "officer", {"items": [
        {"id": items[0], "recommended": True, "assessment": "Mendesak"},
        {"id": items[1], "recommended": True, "assessment": "Jumlah terlalu banyak"},
        {"id": items[2], "recommended": False, "assessment": "Sudah ada lisensi daerah"}]})

    # The head: per item. An item to revise cannot ride along with approve.
    decisions = [{"id": items[0], "decision": "approved"}, {"id": items[1], "decision": "revise",
                                                            "note": "Cukup 6 unit"},
                 {"id": items[2], "decision": "rejected"}]
    _wrong_role(client, world, path, "approve", {"decision_number": "1", "items": decisions[:1]})
    assert act(client, world, path, "approve", "head", {"decision_number": "1", "items": decisions},
               expect=422)["field"] == "items"
    back = act(client, world, path, "return_for_revision", "head", {"items": decisions})
    assert back["state"] == "revision"
    assert [i["decision"] for i in back["items"]] == ["approved", "revise", "rejected"]
    act(client, world, path, "resubmit", "contact_b", {"items": [{"id": items[1], "quantity": 6}]}, expect=404)
    assert act(client, world, path, "resubmit", "contact_a", {"items": [{"id": items[0], "quantity": 1}]},
               expect=422)["field"] == "items"
    again = act(client, world, path, "resubmit", "contact_a", {"items": [{"id": items[1], "quantity": 6}]})
    assert again["state"] == "dispositioned"
    assert [i["decision"] for i in again["items"]] == ["approved", None, "rejected"]

    act(client, world, path, "review", "division_head", {"forward": True, "findings": "Perbaikan sesuai"})
    act(client, world, path, "assess", "officer", {"items": [{"id": items[1], "recommended": True}]})
    approved = act(client, world, path, "approve", "head", {
        "decision_number": "027/201/KOMINFO/2026", "items": [{"id": items[1], "decision": "approved"}]})
    assert approved["state"] == "approved" and approved["decided_by"] == "head"
    assert approved["total_approved"] == str(Decimal("370000000.00") + 6 * Decimal("14500000.50"))

    rkpd = {"rkpd_reference": "1.02.01.2.02 Penyediaan layanan kesehatan", "letter_number": "050/RKPD/2027"}
    _wrong_role(client, world, path, "record_rkpd", rkpd)
    act(client, world, path, "record_rkpd", "contact_b", rkpd, expect=404)
    assert act(client, world, path, "record_rkpd", "contact_a", {"rkpd_reference": "x"},
               expect=422)["field"] == "letter_number"   # the regent's regulation is named
    # The RKPD is the regent's regulation: recorded on his behalf, with its scan (staff upload it).
    scan = client.post("/api/v1/letter-scans", headers=world.auth("officer"),
                       files={"scan_file": ("perbup.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")})
    assert scan.status_code == 201, scan.text
    in_rkpd = act(client, world, path, "record_rkpd", "officer", {**rkpd, "letter_document_id": scan.json()["id"]})
    assert in_rkpd["state"] == "in_rkpd" and in_rkpd["due_at"] is None   # waits for the RKPD's adoption
    assert in_rkpd["history"][-1]["letter_document_id"] == scan.json()["id"]
    _wrong_role(client, world, path, "send_to_finance", {"letter_number": "1", "simbada_reference": "2"})
    sent = act(client, world, path, "send_to_finance", "officer", {
        "letter_number": "900/88/DINKES/2027", "simbada_reference": "SIMBADA-2027-0042",
        "on_behalf_of": "Dinas Kesehatan, kepada Bakeuda"})
    assert sent["state"] == "sent" and sent["allowed_actions"] == []
    last = sent["history"][-1]
    assert last["on_behalf_of"] == "Dinas Kesehatan, kepada Bakeuda" and last["letter_number"] == "900/88/DINKES/2027"
    assert last["sop"] == "SOP 000 Perencanaan 5" and last["output"]
    assert sent["history"][-2]["on_behalf_of"] == "bupati"   # the RKPD is the regent's regulation
    assert sent["history"][-2]["letter_number"] == "050/RKPD/2027"
    assert [h["action"] for h in sent["history"]] == [
        "submit", "disposition", "review", "assess", "return_for_revision", "resubmit", "review", "assess",
        "approve", "record_rkpd", "send_to_finance"]
    act(client, world, path, "send_to_finance", "officer", {"letter_number": "1", "simbada_reference": "2"},
        expect=409)
    # A scan on a step no outside office takes is refused, naming the field.
    other = submit(client, world)
    assert act(client, world, f"needs-plans/{other['id']}", "disposition", "head",
               {"letter_document_id": scan.json()["id"]}, expect=422)["field"] == "letter_document_id"


def test_a_plan_the_division_head_returns_and_one_the_head_rejects(client, world):
    plan = submit(client, world)
    path = f"needs-plans/{plan['id']}"
    act(client, world, path, "disposition", "head")
    back = act(client, world, path, "review", "division_head", {"forward": False, "findings": "Lampiran kurang"})
    assert back["state"] == "revision" and back["allowed_actions"] == []
    other = submit(client, world, who="contact_b")
    opath = f"needs-plans/{other['id']}"
    act(client, world, opath, "disposition", "head")
    act(client, world, opath, "review", "division_head", {"forward": True, "findings": "x"})
    act(client, world, opath, "assess", "officer",
        {"items": [{"id": i["id"], "recommended": False} for i in other["items"]]})
    done = act(client, world, opath, "reject", "head", {"reason": "Anggaran tidak tersedia"})
    assert done["state"] == "rejected" and {i["decision"] for i in done["items"]} == {"rejected"}


def test_the_approved_plan_as_xlsx_has_the_figures_the_head_approved(client, world):
    a = to_approved(client, world, submit(client, world))
    b_items = [{**ITEMS[0], "description": "Switch core 48 port", "kind": "network_device", "quantity": 1,
                "unit_price": "95500000.00"}]
    b = submit(client, world, who="contact_b", items=b_items)
    bpath = f"needs-plans/{b['id']}"
    act(client, world, bpath, "disposition", "head")
    act(client, world, bpath, "review", "division_head", {"forward": True, "findings": "x"})
    act(client, world, bpath, "assess", "officer", {"items": [{"id": b["items"][0]["id"], "recommended": True}]})
    act(client, world, bpath, "approve", "head",
        {"decision_number": "027/202/KOMINFO/2026", "items": [{"id": b["items"][0]["id"], "decision": "approved"}]})
    still_open = submit(client, world)   # not approved: not in the export
    assert still_open["state"] == "submitted"
    act(client, world, f"needs-plans/{a['id']}", "record_rkpd", "contact_a",
        {"rkpd_reference": "1.02.01.2.02", "letter_number": "Perbup 31/2026"})

    r = client.get("/api/v1/needs-plans/approved/2027.xlsx", headers=world.auth("officer"))
    assert r.status_code == 200, r.text
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][0].startswith("RENCANA KEBUTUHAN BARANG MILIK DAERAH") and rows[1][0] == "TAHUN ANGGARAN 2027"
    assert rows[4][:2] == ["No", "Perangkat Daerah / Unit Kerja"] and rows[6][0] == "(1)"
    data = [r for r in rows[7:] if isinstance(r[0], int)]
    expected = [(i["description"], i["quantity"], Decimal(i["unit_price"])) for i in ITEMS] + \
               [("Switch core 48 port", 1, Decimal("95500000.00"))]
    assert [(r[4], r[5], Decimal(str(r[7]))) for r in data] == expected
    for r in data:
        assert Decimal(str(r[8])) == r[5] * Decimal(str(r[7]))
    assert data[0][2] == "1.02.01.2.02" and data[0][10] == "027/201/KOMINFO/2026" and data[0][11] == "Masuk RKPD"
    assert data[3][1].startswith("BAPPEDA") and data[3][3] == "Perangkat jaringan"
    subtotals = {r[1]: Decimal(str(r[8])) for r in rows if isinstance(r[1], str) and r[1].startswith("Jumlah ")}
    diskes = sum((q * p for _, q, p in expected[:3]), Decimal("0"))
    assert subtotals == {"Jumlah DISKES - Dinas Kesehatan": diskes,
                         "Jumlah BAPPEDA - Badan Perencanaan Pembangunan Daerah": Decimal("95500000.00")}
    grand = next(r for r in rows if r[1] == "JUMLAH TOTAL")
    assert Decimal(str(grand[8])) == diskes + Decimal("95500000.00") == Decimal("628000005.00")
    assert ws.cell(row=8, column=8).number_format == "#,##0.00"

    # A contact person gets their own unit's rows only; another unit's by name is a 404.
    own = client.get("/api/v1/needs-plans/approved/2027.xlsx", headers=world.auth("contact_b"))
    own_rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(own.content)).active.iter_rows()]
    assert [r[4] for r in own_rows[7:] if isinstance(r[0], int)] == ["Switch core 48 port"]
    assert client.get("/api/v1/needs-plans/approved/2027.xlsx?unit_code=DISKES",
                      headers=world.auth("contact_b")).status_code == 404
    empty = client.get("/api/v1/needs-plans/approved/2031.xlsx", headers=world.auth("officer"))
    grand = next(r for r in load_workbook(io.BytesIO(empty.content)).active.iter_rows(values_only=True)
                 if r[1] == "JUMLAH TOTAL")
    assert Decimal(str(grand[8])) == 0


def test_procurement_against_an_approved_item_enters_the_register(client, world):
    plan = to_approved(client, world, submit(client, world))
    server_item, laptop_item = plan["items"][0]["id"], plan["items"][1]["id"]
    start = {"item_id": server_item, "method": "e_purchasing", "vendor": "PT Sinar Data",
             "contract_number": "SP/027/PBJ/2027", "contract_value": "360000000.00", "quantity": 2}
    call(client, world, "POST", "procurements", "contact_a", start, expect=403)
    call(client, world, "POST", "procurements", "head", start, expect=403)
    assert call(client, world, "POST", "procurements", "officer", {**start, "quantity": 3},
                expect=409)["left"] == 2
    unapproved = submit(client, world)
    assert call(client, world, "POST", "procurements", "officer", {**start, "item_id": unapproved["items"][0]["id"]},
                expect=409)["field"] == "item_id"
    p = call(client, world, "POST", "procurements", "officer", start, expect=201)
    path = f"procurements/{p['id']}"
    assert p["state"] == "ordered" and p["due_at"] is None and p["unit_code"] == "DISKES"
    assert call(client, world, "POST", "procurements", "officer", {**start, "quantity": 1}, expect=409)["left"] == 0

    call(client, world, "GET", path, "contact_b", expect=404)
    assert call(client, world, "GET", path, "contact_a")["allowed_actions"] == []
    assert act(client, world, path, "report", "officer", {"report": "x"}, expect=409)["allowed_actions"] == ["receive"]
    act(client, world, path, "cancel", "officer", {"reason": "x"}, expect=403)
    assets = [{"brand": "Dell", "model": "PowerEdge R760", "serial_number": f"SN-NEW-{n}", "height_u": 2,
               "power_w": 900, "asset_code": "1.3.2.10.01.02.001", "nup": f"00{n}"} for n in (1, 2)]
    receive = {"received_on": "2027-03-10", "receipt_number": "BAST/PT-SD/031/2027", "assets": assets}
    act(client, world, path, "receive", "contact_a", receive, expect=403)
    assert act(client, world, path, "receive", "officer", {**receive, "assets": assets + [
        {**assets[0], "serial_number": "SN-NEW-3"}]}, expect=422)["field"] == "assets"
    assert act(client, world, path, "receive", "officer", {**receive, "assets": [
        {**assets[0], "serial_number": "SN-A-001"}]}, expect=409)["field"] == "assets.0.serial_number"
    # The register's rules for the item's kind: a server takes rack space, so its height is needed.
    no_height = {k: v for k, v in assets[1].items() if k != "height_u"}
    assert act(client, world, path, "receive", "officer", {**receive, "assets": [assets[0], no_height]},
               expect=422)["field"] == "assets.1.height_u"
    got = act(client, world, path, "receive", "officer", receive)
    assert got["state"] == "received" and got["service_time"] == "20 menit"
    assert [a["serial_number"] for a in got["assets"]] == ["SN-NEW-1", "SN-NEW-2"]
    sid = got["assets"][0]["server_id"]
    card = call(client, world, "GET", f"servers/{sid}/asset", "contact_a")
    assert card["acquisition_value"] in ("180000000.00", 180000000, "180000000")
    assert card["owner"] == "office" and str(card["acquired_on"]) == "2027-03-10"
    register = call(client, world, "GET", "assets?limit=500", "contact_a")
    assert {"SN-NEW-1", "SN-NEW-2"} <= {a["serial_number"] for a in register["items"]}
    done = act(client, world, path, "report", "officer", {"report": "Pengadaan selesai, 2 unit terpasang"})
    assert done["state"] == "reported" and done["allowed_actions"] == []
    assert [h["action"] for h in done["history"]] == ["start", "receive", "report"]
    plan_now = call(client, world, "GET", f"needs-plans/{plan['id']}", "contact_a")
    assert plan_now["items"][0]["procured_quantity"] == 2 and plan_now["items"][1]["procured_quantity"] == 0

    other = call(client, world, "POST", "procurements", "officer", {**start, "item_id": laptop_item, "quantity": 1},
                 expect=201)
    act(client, world, f"procurements/{other['id']}", "cancel", "head", {"reason": "Harga naik"})
    assert call(client, world, "GET", f"needs-plans/{plan['id']}", "officer")["items"][1]["procured_quantity"] == 0


def _laptops(client, world, serials: list[str]) -> list[int]:
    """Laptops procured on an approved plan of DISKES, in the register: their ids."""
    plan = to_approved(client, world, submit(client, world))
    p = call(client, world, "POST", "procurements", "officer", {
        "item_id": plan["items"][1]["id"], "method": "e_purchasing", "vendor": "PT Laptop", "contract_number": "SP/1",
        "contract_value": "14500000.50", "quantity": len(serials)}, expect=201)
    got = act(client, world, f"procurements/{p['id']}", "receive", "officer", {
        "received_on": "2027-03-11", "receipt_number": "BAST/PTL/1",
        "assets": [{"brand": "Lenovo", "model": "ThinkPad T14", "serial_number": s} for s in serials]})
    return [a["server_id"] for a in got["assets"]]


def test_issue_to_a_user_with_bast_and_installation_report(client, world):
    plan = to_approved(client, world, submit(client, world))
    p = call(client, world, "POST", "procurements", "officer", {
        "item_id": plan["items"][1]["id"], "method": "e_purchasing", "vendor": "PT Laptop", "contract_number": "SP/1",
        "contract_value": "14500000.50", "quantity": 1}, expect=201)
    laptop = {"brand": "Lenovo", "model": "ThinkPad T14", "serial_number": "PF-LAP-01"}
    assert act(client, world, f"procurements/{p['id']}", "receive", "officer", {
        "received_on": "2027-03-11", "receipt_number": "BAST/PTL/1", "assets": [{**laptop, "height_u": 1}]},
        expect=422)["field"] == "assets.0.height_u"   # a laptop takes no rack space
    got = act(client, world, f"procurements/{p['id']}", "receive", "officer", {
        "received_on": "2027-03-11", "receipt_number": "BAST/PTL/1", "assets": [laptop]})
    sid = got["assets"][0]["server_id"]
    assert got["assets"][0]["kind"] == "end_user_device"
    assert call(client, world, "GET", f"servers/{sid}", "officer")["height_u"] == 0

    # One asset by `server_id`, as before batches.
    body = {"server_id": sid, "to_unit": "BAPPEDA", "recipient_name": "Siti Rahma",
            "recipient_nip": "198705122010012003", "purpose": "Pengolahan data perencanaan",
            "bast_number": "BAST/TIK/017/2027"}
    for who in ("contact_a", "division_head", "officer", "helpdesk"):
        assert call(client, world, "POST", "asset-issues", who, body, expect=403)["allowed_roles"] == [
            "property_manager", "section_head"]
    assert call(client, world, "POST", "asset-issues", "section_head", {**body, "to_unit": "NOPE"},
                expect=422)["field"] == "to_unit"
    issue = call(client, world, "POST", "asset-issues", "section_head", body, expect=201)
    path = f"asset-issues/{issue['id']}"
    assert issue["state"] == "issued" and issue["from_unit_code"] == "DISKES" and issue["unit_code"] == "BAPPEDA"
    assert issue["service_time"] == "10 menit" and issue["documents"] == [] and issue["signatures"] == []
    assert [a["server_id"] for a in issue["assets"]] == [sid] and issue["server_id"] == sid
    # Not the user's until both have signed: still in DISKES's register, DISKES still sees it.
    assert issue["asset"]["unit_code"] == "DISKES"
    assert call(client, world, "GET", f"servers/{sid}", "contact_a")["id"] == sid
    assert call(client, world, "POST", "asset-issues", "property_manager", body,
                expect=409)["issue_id"] == issue["id"]
    assert call(client, world, "GET", path, "contact_b")["allowed_actions"] == ["sign_as_recipient"]
    assert call(client, world, "GET", path, "property_manager")["allowed_actions"] == ["sign_as_giver"]

    # The installation waits for the signed BAST; another unit's contact cannot see it, let alone sign.
    early = act(client, world, path, "report_installation", "contact_b", {"installed_on": "2027-03-12", "report": "x"},
                expect=409)
    assert early["allowed_actions"] == ["sign_as_recipient"]
    act(client, world, path, "sign_as_recipient", "contact_a", RECIPIENT, expect=404)
    act(client, world, path, "sign_as_giver", "officer", GIVER, expect=403)
    assert act(client, world, path, "sign_as_giver", "section_head", {**GIVER, "nip": "123"},
               expect=422)["field"] == "nip"
    assert act(client, world, path, "sign_as_giver", "section_head", {"name": "x", "position": "y"},
               expect=422)["field"] == "nip"
    half = act(client, world, path, "sign_as_giver", "section_head", GIVER)
    assert half["state"] == "giver_signed" and half["allowed_actions"] == [] and half["documents"] == []
    assert [(s["side"], s["username"], s["nip"]) for s in half["signatures"]] == [
        ("giver", "section_head", GIVER["nip"])]
    # The office has signed: neither issuer signs for it again, nor for the user.
    for who in ("section_head", "property_manager"):
        again = act(client, world, path, "sign_as_giver", who, GIVER, expect=409)
        assert again["allowed_actions"] == [] and again["state"] == "giver_signed"
        assert act(client, world, path, "sign_as_recipient", who, RECIPIENT, expect=403)["allowed_roles"] == [
            "unit_contact"]
    assert call(client, world, "GET", f"servers/{sid}", "officer")["unit_code"] == "DISKES"
    signed = act(client, world, path, "sign_as_recipient", "contact_b", RECIPIENT)
    assert signed["state"] == "signed" and signed["service_time"] == "3 hari"
    assert signed["asset"]["unit_code"] == "BAPPEDA" and signed["from_unit_code"] == "DISKES"
    assert act(client, world, path, "sign_as_recipient", "contact_b", RECIPIENT, expect=409)["allowed_actions"] == [
        "report_installation"]
    bast = signed["documents"][0]
    assert bast["kind"] == "issue_bast"
    pdf = client.get(bast["url"], headers=world.auth("contact_b"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    holds(pdf_text(pdf.content), "BERITA ACARA SERAH TERIMA BARANG", "BAST/TIK/017/2027", "Siti Rahma",
          "PF-LAP-01", "Lenovo ThinkPad T14", "PIHAK PERTAMA", "PIHAK KEDUA", "BAPPEDA", "PC / laptop / printer",
          GIVER["name"], GIVER["nip"], GIVER["position"], RECIPIENT["name"], RECIPIENT["nip"],
          "Ditandatangani melalui Titip oleh", "(section_head)", "(contact_b)", "WIB")

    call(client, world, "GET", path, "contact_a", expect=404)   # DISKES gave it away: no longer theirs
    act(client, world, path, "report_installation", "contact_a", {"installed_on": "2027-03-12", "report": "x"},
        expect=404)
    act(client, world, path, "report_installation", "officer", {"installed_on": "2027-03-12", "report": "x"},
        expect=403)
    assert act(client, world, path, "acknowledge", "section_head", expect=409)["allowed_actions"] == []
    installed = act(client, world, path, "report_installation", "contact_b", {
        "installed_on": "2027-03-12", "report": "OS Windows 11, domain BAPPEDA, antivirus terpasang"})
    assert installed["state"] == "installed" and installed["service_time"] == "10 menit"
    report = installed["documents"][1]
    assert report["kind"] == "install_report"
    holds(pdf_text(client.get(report["url"], headers=world.auth("officer")).content),
          "INSTALASI DAN KONFIGURASI ASET", "antivirus terpasang", "BAST/TIK/017/2027", "PF-LAP-01")
    act(client, world, path, "acknowledge", "contact_b", expect=403)
    act(client, world, path, "acknowledge", "officer", expect=403)
    closed = act(client, world, path, "acknowledge", "section_head", {"note": "Laporan lengkap"})
    assert closed["state"] == "closed" and [h["action"] for h in closed["history"]] == [
        "issue", "sign_as_giver", "sign_as_recipient", "report_installation", "acknowledge"]
    assert closed["history"][0]["sop_actor"] == "Kepala Seksi / Pengelola Barang"
    assert closed["history"][2]["sop_actor"] == "Pengguna Aset"
    # Once closed, the asset can be issued again (to someone else).
    again = call(client, world, "POST", "asset-issues", "property_manager", {**body, "to_unit": "DISKES",
                                                                     "bast_number": "BAST/TIK/018/2027"}, expect=201)
    assert again["from_unit_code"] == "BAPPEDA"


def test_one_bast_issues_a_batch_and_each_asset_is_checked(client, world):
    ids = _laptops(client, world, [f"BATCH-{n:02d}" for n in range(1, 5)])
    body = {"server_ids": ids[:3], "to_unit": "BAPPEDA", "recipient_name": "Bagian Umum BAPPEDA",
            "bast_number": "BAST/TIK/030/2027"}
    both = call(client, world, "POST", "asset-issues", "section_head", {**body, "server_id": ids[0]}, expect=422)
    assert both["field"] == "server_ids"
    assert call(client, world, "POST", "asset-issues", "section_head", {**body, "server_ids": []},
                expect=422)["field"] == "server_ids"
    assert call(client, world, "POST", "asset-issues", "section_head", {**body, "server_ids": None},
                expect=422)["field"] == "server_ids"
    twice = call(client, world, "POST", "asset-issues", "section_head", {**body, "server_ids": [ids[0], ids[0]]},
                 expect=422)
    assert twice["field"] == "server_ids.1" and str(ids[0]) in twice["detail"]
    missing = call(client, world, "POST", "asset-issues", "section_head",
                   {**body, "server_ids": [ids[0], 999_999]}, expect=404)
    assert missing["field"] == "server_ids.1" and "999999" in missing["detail"]
    # A unit's server in custody among them: refused, naming that asset; nothing is opened.
    rid = flow.submit(client, world)["id"]
    custody_sid = call(client, world, "GET", f"custody-requests/{rid}", "officer")["server_id"]
    out = call(client, world, "POST", "asset-issues", "section_head",
               {**body, "server_ids": [ids[0], custody_sid]}, expect=409)
    assert out["field"] == "server_ids.1" and out["server_id"] == custody_sid
    assert f"asset {custody_sid}" in out["detail"]
    assert call(client, world, "GET", "asset-issues", "section_head")["total"] == 0

    issue = call(client, world, "POST", "asset-issues", "section_head", body, expect=201)
    assert [(a["line_no"], a["server_id"], a["serial_number"]) for a in issue["assets"]] == [
        (1, ids[0], "BATCH-01"), (2, ids[1], "BATCH-02"), (3, ids[2], "BATCH-03")]
    # An asset on an open BAST is on no other.
    clash = call(client, world, "POST", "asset-issues", "property_manager",
                 {**body, "server_ids": [ids[3], ids[1]], "bast_number": "BAST/TIK/031/2027"}, expect=409)
    assert clash["field"] == "server_ids.1" and clash["issue_id"] == issue["id"] and "BATCH-02" in clash["detail"]
    assert call(client, world, "POST", "asset-issues", "property_manager",
                {**body, "server_ids": None, "server_id": ids[2], "bast_number": "B/32"},
                expect=409)["field"] == "server_id"

    # While its BAST is open an asset neither moves to another unit nor leaves the register.
    for path_, case in (("transfers", {"to_unit": "BAPPEDA", "reason": "Dipakai BAPPEDA"}),
                        ("disposals", {"method": "penghapusan", "reason": "Hilang"})):
        held = call(client, world, "POST", path_, "officer", {"server_id": ids[1], **case}, expect=409)
        assert held["field"] == "server_id" and held["issue_id"] == issue["id"], held

    # Signed in the other order (the user first, then the Pengelola Barang): all three change unit.
    path = f"asset-issues/{issue['id']}"
    assert act(client, world, path, "sign_as_recipient", "contact_b", RECIPIENT)["state"] == "recipient_signed"
    assert act(client, world, path, "sign_as_recipient", "contact_b", RECIPIENT, expect=409)["allowed_actions"] == []
    assert [call(client, world, "GET", f"servers/{i}", "officer")["unit_code"] for i in ids[:3]] == ["DISKES"] * 3
    signed = act(client, world, path, "sign_as_giver", "property_manager", {**GIVER, "position": "Pengelola Barang"})
    assert signed["state"] == "signed"
    assert [call(client, world, "GET", f"servers/{i}", "officer")["unit_code"] for i in ids] == [
        "BAPPEDA", "BAPPEDA", "BAPPEDA", "DISKES"]
    text = pdf_text(client.get(signed["documents"][0]["url"], headers=world.auth("contact_b")).content)
    holds(text, "BATCH-01", "BATCH-02", "BATCH-03", "3(tiga)unitbarang", "Pengelola Barang", "(property_manager)",
          "(contact_b)")
    assert "BATCH-04" not in text


def test_a_server_in_custody_is_not_issued(client, world):
    rid = flow.submit(client, world)["id"]
    sid = call(client, world, "GET", f"custody-requests/{rid}", "officer")["server_id"]
    out = call(client, world, "POST", "asset-issues", "section_head", {
        "server_id": sid, "to_unit": "BAPPEDA", "recipient_name": "x", "bast_number": "B/1"}, expect=409)
    assert out["field"] == "server_id"


def test_due_times_count_office_minutes(client, world, app):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from controller.db import unit_of_work
    from controller.models.planning import NeedsPlan

    plan = submit(client, world)
    friday_late = datetime(2026, 11, 20, 15, 55, tzinfo=ZoneInfo("Asia/Jakarta"))
    with unit_of_work(app.state.sessions, actor="test") as s:
        s.get_one(NeedsPlan, plan["id"]).state_since = friday_late
    got = call(client, world, "GET", f"needs-plans/{plan['id']}", "head")
    due = datetime.fromisoformat(got["due_at"].replace("Z", "+00:00"))
    assert due == friday_late + timedelta(days=2, hours=16, minutes=10)   # Monday 08:05
    assert got["overdue"] is True


def test_the_bast_takes_its_number_from_the_register_and_the_public_check_finds_it(client, world):
    """Without a number the BAST takes the register's next (BAST-PB/...); one signed on paper keeps
    its own, but never a number already used; the signed BAST is found by the public check."""
    ids = _laptops(client, world, ["REG-01", "REG-02", "REG-03"])
    body = {"to_unit": "BAPPEDA", "recipient_name": "Bagian Umum BAPPEDA"}
    first = call(client, world, "POST", "asset-issues", "section_head", {**body, "server_ids": [ids[0]]}, expect=201)
    second = call(client, world, "POST", "asset-issues", "property_manager", {**body, "server_ids": [ids[1]]},
                  expect=201)
    year = first["bast_number"].rsplit("/", 1)[1]
    assert (first["bast_number"], second["bast_number"]) == (f"BAST-PB/001/{year}", f"BAST-PB/002/{year}")
    again = call(client, world, "POST", "asset-issues", "section_head",
                 {**body, "server_ids": [ids[2]], "bast_number": first["bast_number"]}, expect=409)
    assert again["field"] == "bast_number" and first["bast_number"] in again["detail"]

    signed = sign_bast(client, world, first["id"])
    assert signed["state"] == "signed"
    text = pdf_text(client.get(signed["documents"][0]["url"], headers=world.auth("contact_b")).content)
    holds(text, first["bast_number"], "/verify/BAST-PB/001/")
    found = client.get(f"/verify/{first['bast_number']}")
    assert found.status_code == 200 and first["bast_number"] in found.text
    assert client.get(f"/verify/{second['bast_number']}").status_code == 404   # not signed yet, not issued


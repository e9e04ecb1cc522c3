"""Steps the SOP gives to an office outside (the Bupati's approval of a destruction) are recorded
by an office role on that office's behalf: the step row keeps for whom and the letter's number
(and its scan when uploaded), and the case page and its form say so. Kasi and Pengelola Barang
take the steps the SOPs give them."""

from __future__ import annotations

from sqlalchemy import select

from controller.db import unit_of_work
from controller.models import LifecycleStep
from tests.integration.test_web_pages import Browser

SCAN = b"%PDF-1.4\n% surat persetujuan Bupati\n%%EOF\n"


def act(client, world, case_id: int, action: str, who: str, body: dict | None = None, expect: int = 200) -> dict:
    r = client.post(f"/api/v1/disposals/{case_id}/actions/{action}", headers=world.auth(who), json=body)
    assert r.status_code == expect, f"{action} by {who}: {r.status_code} {r.text}"
    return r.json()


def awaiting_regent(client, world, reviewer: str = "section_head") -> int:
    r = client.post("/api/v1/disposals", headers=world.auth("contact_b"), json={
        "server_id": world.ids["server_b"], "method": "pemusnahan", "reason": "Rusak berat"})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    act(client, world, cid, "review", reviewer, {"eligible": True, "findings": "Memenuhi syarat"})
    assert act(client, world, cid, "approve", "head")["state"] == "awaiting_regent"
    return cid


def test_the_regents_approval_is_recorded_on_his_behalf_with_the_letter_and_its_scan(app, client, world):
    cid = awaiting_regent(client, world)
    head = world.auth("head")
    scan = client.post("/api/v1/letter-scans", headers=head, files={"scan_file": ("sk.pdf", SCAN, "application/pdf")})
    assert scan.status_code == 201, scan.text
    assert client.post("/api/v1/letter-scans", headers=world.auth("contact_a"),
                       files={"scan_file": ("sk.pdf", SCAN, "application/pdf")}).status_code == 403
    bad = client.post("/api/v1/letter-scans", headers=head, files={"scan_file": ("x.txt", b"hello", "text/plain")})
    assert bad.status_code == 422 and bad.json()["field"] == "scan_file"

    act(client, world, cid, "record_regent_approval", "head", {"approver_name": "H. Bupati"}, expect=422)
    missing = act(client, world, cid, "record_regent_approval", "head",
                  {"approver_name": "H. Bupati", "decree_number": "188/1/2026", "letter_document_id": 999_999},
                  expect=422)
    assert missing["field"] == "letter_document_id"
    act(client, world, cid, "record_regent_approval", "head",
        {"approver_name": "H. Bupati", "decree_number": "188.45/123/KEP/2026", "letter_document_id": scan.json()["id"]})
    with unit_of_work(app.state.sessions, "test") as s:
        step = s.scalar(select(LifecycleStep).where(LifecycleStep.kind == "disposal", LifecycleStep.case_id == cid,
                                                    LifecycleStep.action == "record_regent_approval"))
        assert (step.on_behalf_of, step.letter_number, step.letter_document_id, step.role) == \
            ("bupati", "188.45/123/KEP/2026", scan.json()["id"], "head")
        own = s.scalars(select(LifecycleStep).where(LifecycleStep.kind == "disposal", LifecycleStep.case_id == cid,
                                                    LifecycleStep.action != "record_regent_approval")).all()
        assert own and all(s.on_behalf_of is None and s.letter_number is None for s in own)

    # The case page says for whom the step was taken, with the scan, in Indonesian.
    page = Browser(app, "head").get(f"/cases/disposal/{cid}").text
    assert 'data-on-behalf="bupati"' in page and "188.45/123/KEP/2026" in page
    assert f'href="/documents/{scan.json()["id"]}"' in page
    # The server's history (and its asset card) says so too.
    history = client.get(f"/api/v1/servers/{world.ids['server_b']}/history", headers=head).json()
    assert any("atas nama Bupati, surat 188.45/123/KEP/2026" in e["text"] for e in history)
    # The scan is an office paper: staff read it, no unit does.
    doc = f"/api/v1/documents/{scan.json()['id']}"
    assert client.get(doc, headers=head).content == SCAN
    assert client.get(doc, headers=world.auth("contact_b")).status_code in (403, 404)


def test_the_form_says_whose_step_it_is_and_a_scan_on_an_own_step_is_refused(app, client, world):
    cid = awaiting_regent(client, world, reviewer="property_manager")
    page = Browser(app, "head").get(f"/cases/disposal/{cid}").text
    assert 'class="notice" data-on-behalf="bupati"' in page and "Bupati" in page
    scan = client.post("/api/v1/letter-scans", headers=world.auth("officer"),
                       files={"scan_file": ("sk.pdf", SCAN, "application/pdf")}).json()
    r = client.post(f"/api/v1/disposals/{cid}/actions/reject", headers=world.auth("head"),
                    json={"reason": "Tidak disetujui", "letter_document_id": scan["id"]})
    assert r.status_code == 422 and r.json()["field"] == "letter_document_id", r.text


def test_kasi_signs_the_maintenance_assignment(client, world):
    h = world.auth("officer")
    r = client.post("/api/v1/maintenance-cases", headers=h, json={
        "server_id": world.ids["server_a"], "kind": "repair", "analysis": "Kipas rusak"})
    cid = r.json()["id"]
    sent = client.post(f"/api/v1/maintenance-cases/{cid}/actions/issue_memo", headers=world.auth("section_head"))
    assert sent.status_code == 200, sent.text
    approved = client.post(f"/api/v1/maintenance-cases/{cid}/actions/approve", headers=world.auth("division_head"))
    assert approved.status_code == 200, approved.text
    refused = client.post(f"/api/v1/maintenance-cases/{cid}/actions/assign", headers=world.auth("property_manager"),
                          json={"letter_number": "800/1", "officer": "officer"})
    assert refused.status_code == 403
    r = client.post(f"/api/v1/maintenance-cases/{cid}/actions/assign", headers=world.auth("section_head"),
                    json={"letter_number": "800/1", "officer": "officer"})
    assert r.status_code == 200 and r.json()["state"] == "assigned", r.text

"""Maintenance, transfer and disposal cases in pages (issue 15), over HTTP without a browser: a
disposal by destruction through every step, refusals shown as Indonesian messages with nothing
written, the open cases listed, and a server's condition changed with its reason.

The browser walks of a maintenance case and a transfer are in tests/e2e/test_case_pages_browser.py.
"""

from __future__ import annotations

import html
import re

import pytest

from tests.integration.test_web_pages import Browser

FLASH = re.compile(r'<div class="flash flash-(\w+)" role="status">(.*?)</div>', re.S)


@pytest.fixture
def people(app, world):
    return {who: Browser(app, who) for who in ("admin", "head", "division_head", "officer", "contact_a",
                                               "contact_b", "helpdesk", "section_head")}


def step(b: Browser, kind: str, cid: int, action: str, data: dict | None = None) -> tuple[str, str, str]:
    """Take a step from the case's page: (flash kind, flash text, the page after)."""
    r = b.post(f"/cases/{kind}/{cid}/actions/{action}", data)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/cases/{kind}/{cid}"
    page = b.get(r.headers["location"]).text
    flash, text = FLASH.findall(page)[-1]
    return flash, html.unescape(re.sub(r"<[^>]+>", " ", text)), page


def state_of(page: str) -> str:
    return re.search(r'id="state" data-state="(\w+)"', page).group(1)


def test_a_disposal_goes_through_every_step_in_pages(people, world):
    contact, officer, head = people["contact_b"], people["officer"], people["head"]
    sid = world.ids["server_b"]
    assert 'data-new="disposal"' in contact.get(f"/servers/{sid}").text
    r = contact.post("/cases/disposal", {"server_id": str(sid), "method": "pemusnahan", "reason": "Rusak berat"})
    assert r.status_code == 303, r.text
    cid = int(r.headers["location"].rsplit("/", 1)[1])
    page = contact.get(r.headers["location"]).text
    assert "telah dibuka" in page and state_of(page) == "requested"
    # SOP 000 Pemusnahan 2 and 3: the review (5 hari) and the examination (2 hari) are owed next
    assert re.search(r'id="service-time">[^<]*7 hari', page)
    assert 'data-step="review"' not in page          # not the contact's step
    assert f'data-case="disposal-{cid}"' in officer.get("/cases").text
    assert f'data-case="disposal-{cid}"' not in people["contact_a"].get("/cases").text   # another unit's

    flash, _text, page = step(officer, "disposal", cid, "review", {"eligible": "1", "findings": "Memenuhi syarat"})
    assert flash == "success" and 'data-doc="disposal_review"' in page     # the review's telaahan
    flash, _text, page = step(head, "disposal", cid, "approve")
    assert flash == "success" and state_of(page) == "awaiting_regent"      # destruction: the regent decides
    assert re.search(r'id="service-time">[^<]*6 hari', page)             # SOP 000 Pemusnahan 5-7
    step(head, "disposal", cid, "record_regent_approval", {"approver_name": "Bupati", "decree_number": "SK/1/2026"})
    step(officer, "disposal", cid, "record_wipe", {"backup": "NAS arsip", "method": "nwipe", "wiped_by": "Agus",
                                                   "wiped_at": "2026-11-20T10:30", "report_text": "3 pass OK"})
    step(officer, "disposal", cid, "hand_over", {"recipient_name": "Pengurus Barang", "record_number": "BA-PH/1"})
    flash, text, page = step(officer, "disposal", cid, "dispose")
    assert flash == "success" and state_of(page) == "disposed", text
    assert 'data-doc="wipe_report"' in page or 'data-doc="disposal"' in page
    assert f'data-case="disposal-{cid}"' not in officer.get("/cases").text    # no longer open
    assert f'data-case="disposal-{cid}"' in officer.get(f"/servers/{sid}").text


def test_refusals_are_messages_in_indonesian_and_write_nothing(people, world):
    officer, division, kasi = people["officer"], people["division_head"], people["section_head"]
    sid = world.ids["server_a"]
    r = officer.post("/cases/maintenance", {"server_id": str(sid), "kind": "repair", "analysis": "Kipas rusak"})
    cid = int(r.headers["location"].rsplit("/", 1)[1])
    # The wrong role: the table's refusal, as a sentence.
    flash, text, page = step(officer, "maintenance", cid, "issue_memo")
    assert flash == "error" and "Peran Anda tidak berwenang" in text and state_of(page) == "requested", text
    # A step the state does not allow (a 409 in the API): the Kabid waits for the Kasi's nota dinas.
    flash, text, page = step(officer, "maintenance", cid, "report", {"report": "x"})
    assert flash == "error" and "tidak dapat dilakukan" in text and state_of(page) == "requested", text
    flash, text, page = step(division, "maintenance", cid, "approve")
    assert flash == "error" and "tidak dapat dilakukan" in text and state_of(page) == "requested", text
    form = kasi.get(f"/cases/maintenance/{cid}").text
    assert 'data-step="issue_memo"' in form and "Nota dinas kepada Kepala Bidang diterbitkan" in form
    flash, text, page = step(kasi, "maintenance", cid, "issue_memo", {"note": "Mohon persetujuan"})
    assert flash == "success" and state_of(page) == "memo_sent" and 'data-doc="nota_dinas"' in page, text
    # A required field left out.
    flash, text, page = step(division, "maintenance", cid, "reject", {})
    assert flash == "error" and "Alasan" in text and state_of(page) == "memo_sent", text
    # A second transfer of the same server: the 409, in Indonesian, on the form it came from.
    body = {"server_id": str(sid), "to_unit": "BAPPEDA", "reason": "Pindah"}
    assert people["contact_a"].post("/cases/transfer", body).status_code == 303
    r = officer.post("/cases/transfer", body)
    assert r.headers["location"] == f"/cases/new?kind=transfer&server_id={sid}"
    [(flash, text)] = FLASH.findall(officer.get(r.headers["location"]).text)
    assert flash == "error" and "masih terbuka" in html.unescape(text), text
    # Bad dates come back naming the field.
    step(division, "maintenance", cid, "approve")
    step(division, "maintenance", cid, "assign", {"letter_number": "ST/1", "officer": "officer"})
    flash, text, page = step(officer, "maintenance", cid, "record_work", {
        "work_done": "Ganti kipas", "downtime_start": "kemarin", "downtime_end": "2026-11-20T11:00"})
    assert flash == "error" and "downtime_start" not in text and state_of(page) == "assigned", text
    # Roles that open no case of a kind get the page's 403, not a form.
    assert people["helpdesk"].get("/cases/new?kind=maintenance").status_code == 403
    assert people["head"].get("/cases/new?kind=transfer").status_code == 403


def test_the_condition_changes_with_a_reason_by_the_office_only(people, world):
    officer, contact = people["officer"], people["contact_a"]
    sid = world.ids["server_a"]
    assert 'data-form="condition"' in officer.get(f"/servers/{sid}").text
    assert 'data-form="condition"' not in contact.get(f"/servers/{sid}").text
    r = contact.post(f"/servers/{sid}/condition", {"condition": "rusak_ringan", "reason": "Kipas bising"})
    assert "flash-error" in contact.get(r.headers["location"].split("#")[0]).text
    r = officer.post(f"/servers/{sid}/condition", {"condition": "rusak_ringan"})
    page = officer.get(r.headers["location"].split("#")[0]).text
    assert "flash-error" in page and "Alasan" in page           # the reason is required
    r = officer.post(f"/servers/{sid}/condition", {"condition": "rusak_ringan", "reason": "Kipas bising"})
    page = officer.get(r.headers["location"].split("#")[0]).text
    assert "flash-success" in page
    history = page[page.index('id="history"'):]
    assert "Kondisi diubah: kondisi" in history and "Kipas bising" in history
    assert history.count("rusak_ringan") == 1                     # one event, the one with the reason
    assert people["admin"].post(f"/servers/{sid}/condition",
                                {"condition": "baik", "reason": "Sudah diperbaiki"}).status_code == 303

"""The work lists come in pages, most urgent first, with the overdue count over every page (issue 19:
at 10,000 servers an officer has hundreds of requests waiting; bench/web)."""

from __future__ import annotations

import re

from tests.integration.test_web_pages import Browser, file_request
from tests.support import custody as flow

CARD = re.compile(r'data-request="(\d+)"')


def test_the_inbox_pages_oldest_letter_first(app, world):
    contact, head = Browser(app, "contact_a"), Browser(app, "head")
    filed = [file_request(contact, serial=f"PAGE-{i:03d}", letter=None) for i in range(27)]

    first = head.get("/inbox")
    assert first.status_code == 200
    shown = [int(x) for x in CARD.findall(first.text)]
    assert shown == filed[:25]                      # the same service time each: the oldest first
    assert 'data-total="27"' in first.text and 'data-page="2"' in first.text

    second = head.get("/inbox?page=2")
    assert [int(x) for x in CARD.findall(second.text)] == filed[25:]
    assert [int(x) for x in CARD.findall(head.get("/inbox?page=9").text)] == filed[25:]   # the last page
    assert [int(x) for x in CARD.findall(head.get("/inbox?per=50").text)] == filed

    for bad in ("/inbox?page=x", "/inbox?per=7", "/queue?page=0"):
        who = head if bad.startswith("/inbox") else Browser(app, "officer")
        assert who.get(bad).status_code == 400, bad



def test_a_handover_the_officer_signed_leaves_the_queue(app, world, client):
    officer = Browser(app, "officer")
    waiting, signed = (flow.submit(client, world)["id"] for _ in range(2))
    for rid in (waiting, signed):
        flow.to_assigned(client, world, rid)
        flow.act(client, world, rid, "reserve_space", "officer", {})
        flow.act(client, world, rid, "receive", "officer")
        flow.act(client, world, rid, "inspect", "officer", {"passed": True, "checklist": flow.CHECKLIST_OK})
    flow.act(client, world, signed, "sign_handover", "officer",
             {"name": "Agus Prasetyo", "nip": flow.NIP_OFFICER, "position": "Pranata Komputer"})
    queue = officer.get("/queue").text
    assert f'data-request="{waiting}"' in queue and f'href="/requests/{waiting}#act-sign_handover"' in queue
    assert f'data-request="{signed}"' not in queue
    # The request's own page still offers the contact person their signature, not the officer.
    page = officer.get(f"/requests/{signed}").text
    assert 'data-action="sign_handover"' not in page

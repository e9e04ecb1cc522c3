"""Helpdesk tickets (SOP 003) over HTTP, on the same workflow engine as custody."""

from __future__ import annotations

import socket

from controller.domain.custody_flow import CUSTODY
from controller.domain.ticket_flow import TICKETS
from controller.domain.workflow import Workflow
from tests.support import custody as flow


def _file(client, world, who="contact_a", **extra):
    r = client.post("/api/v1/tickets", headers=world.auth(who), json={
        "subject": "Server SIMPUS lambat", "description": "Sejak pagi aplikasi tidak merespons", **extra})
    assert r.status_code == 201, r.text
    return r.json()


def _act(client, world, tid, action, who, body=None, expect=200):
    r = client.post(f"/api/v1/tickets/{tid}/actions/{action}", headers=world.auth(who), json=body)
    assert r.status_code == expect, f"{action} by {who}: {r.status_code} {r.text}"
    return r.json()


def test_resolved_checked_and_closed(client, world):
    t = _file(client, world, server_id=world.ids["server_a"])
    assert t["state"] == "submitted" and t["due_at"]
    _act(client, world, t["id"], "assign", "officer", {"officer": "officer"}, expect=403)
    _act(client, world, t["id"], "assign", "helpdesk", {"officer": "officer"})
    _act(client, world, t["id"], "resolve", "officer", {"resolution": "Layanan di-restart, disk dibersihkan"})
    _act(client, world, t["id"], "check", "division_head", {"ok": True})
    done = _act(client, world, t["id"], "approve_closure", "head")
    assert done["state"] == "closed" and done["allowed_actions"] == []
    assert [h["action"] for h in done["history"]] == ["file", "assign", "resolve", "check", "approve_closure"]
    mine = client.get("/api/v1/tickets", headers=world.auth("contact_a")).json()
    assert [x["id"] for x in mine["items"]] == [t["id"]]


def test_rejected_as_out_of_scope(client, world):
    t = _file(client, world)
    _act(client, world, t["id"], "assign", "helpdesk", {"officer": "officer"})
    r = client.post(f"/api/v1/tickets/{t['id']}/actions/reject_out_of_scope", headers=world.auth("officer"), json={})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    done = _act(client, world, t["id"], "reject_out_of_scope", "officer",
                {"reason": "Bukan layanan atau kewenangan Kominfo (aplikasi pihak ketiga)"})
    assert done["state"] == "closed" and "kewenangan" in done["close_reason"]
    r = client.post(f"/api/v1/tickets/{t['id']}/actions/resolve", headers=world.auth("officer"),
                    json={"resolution": "x"})
    assert r.status_code == 409 and r.json()["allowed_actions"] == []


def test_division_head_sends_it_back(client, world):
    t = _file(client, world)
    _act(client, world, t["id"], "assign", "helpdesk", {"officer": "officer"})
    _act(client, world, t["id"], "resolve", "officer", {"resolution": "Sudah dicek"})
    back = _act(client, world, t["id"], "check", "division_head", {"ok": False, "note": "Belum ada bukti"})
    assert back["state"] == "assigned"
    assert "resolve" in _act(client, world, t["id"], "resolve", "officer", {"resolution": "Log terlampir"})[
        "history"][-1]["action"]


def test_other_units_contact_sees_nothing(client, world):
    t = _file(client, world)
    assert client.get(f"/api/v1/tickets/{t['id']}", headers=world.auth("contact_b")).status_code == 404
    assert client.get("/api/v1/tickets", headers=world.auth("contact_b")).json()["total"] == 0
    r = client.post("/api/v1/tickets", headers=world.auth("contact_b"), json={
        "subject": "x", "description": "y", "server_id": world.ids["server_a"]})
    assert r.status_code == 422 and r.json()["field"] == "server_id"


def test_failed_probe_offers_a_ticket_with_the_result(client, world):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    rid = flow.submit(client, world)["id"]
    flow.to_handed_over(client, world, rid)
    flow.act(client, world, rid, "place", "officer")
    conf = flow.act(client, world, rid, "configure", "officer", {
        "management_ip": "127.0.0.1", "access_checks": [{"kind": "tcp", "port": closed}]})
    offer = conf["ticket_offer"]
    assert offer["from_request"] == rid
    failed = flow.act(client, world, rid, "confirm_access", "contact_a", {"ok": False, "note": "tidak bisa"})
    assert failed["ticket_offer"]["server_id"] == failed["server_id"]
    t = _file(client, world, from_request=rid, subject=offer["subject"])
    assert t["server_id"] == failed["server_id"] and t["attachment"][0]["ok"] is False
    assert str(closed) in t["attachment"][0]["target"]


def test_tickets_run_on_the_custody_engine():
    assert type(TICKETS) is type(CUSTODY) is Workflow
    assert TICKETS.allowed_actions("submitted", "helpdesk") == ["assign"]
    assert TICKETS.move("resolved", "check", "division_head", {"ok": False}).to_state == "assigned"

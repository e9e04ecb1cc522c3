"""Helpdesk tickets (SOP 003) over HTTP, on the same workflow engine as custody: the division,
the service catalogue, priorities, comments, files and notices, with every role check."""

from __future__ import annotations

import socket
from datetime import datetime

import pytest

from controller.domain.custody_flow import CUSTODY
from controller.domain.ticket_flow import TICKETS
from controller.domain.workflow import Workflow
from tests.support import custody as flow
from tests.support.tickets import catalogue, to_assigned

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _file(client, world, who="contact_a", **extra):
    r = client.post("/api/v1/tickets", headers=world.auth(who), json={
        "subject": "Server SIMPUS lambat", "description": "Sejak pagi aplikasi tidak merespons", **extra})
    assert r.status_code == 201, r.text
    return r.json()


def _act(client, world, tid, action, who, body=None, expect=200):
    r = client.post(f"/api/v1/tickets/{tid}/actions/{action}", headers=world.auth(who), json=body)
    assert r.status_code == expect, f"{action} by {who}: {r.status_code} {r.text}"
    return r.json()


def _inbox(client, world, who):
    return client.get("/api/v1/notifications", headers=world.auth(who)).json()["items"]


def _second_division(client, world):
    """Another division with its own officer and head, and one service of its own."""
    admin = world.auth("admin")
    for name, role in (("officer2", "officer"), ("kabid2", "division_head")):
        r = client.post("/api/v1/users", headers=admin, json={
            "username": name, "password": "rahasia-panjang-123", "role": role, "full_name": name.title()})
        assert r.status_code == 201, r.text
    d = client.post("/api/v1/divisions", headers=admin, json={"code": "INFRA", "name": "Bidang Infrastruktur"}).json()
    client.put(f"/api/v1/divisions/{d['id']}/members", headers=admin, json={"usernames": ["officer2", "kabid2"]})
    r = client.post("/api/v1/service-catalogue", headers=admin, json={
        "code": "NET", "name": "Jaringan", "category": "incident", "division": "INFRA"})
    return r.json()["id"], {name: client.post("/api/v1/auth/token", data={
        "username": name, "password": "rahasia-panjang-123"}).json()["access_token"] for name in ("officer2", "kabid2")}


def test_the_whole_path_with_a_separate_close(client, world):
    services = catalogue(client, world)
    t = _file(client, world, server_id=world.ids["server_a"])
    assert t["state"] == "submitted" and t["due_at"] and t["priority"] == "normal" and t["division"] is None
    _act(client, world, t["id"], "triage", "officer", {"service": services["SRV-ACCESS"]}, expect=403)
    r = client.post(f"/api/v1/tickets/{t['id']}/actions/triage", headers=world.auth("helpdesk"), json={})
    assert r.status_code == 422 and r.json()["field"] == "service"
    r = client.post(f"/api/v1/tickets/{t['id']}/actions/triage", headers=world.auth("helpdesk"),
                    json={"service": 9999})
    assert r.status_code == 422 and r.json()["field"] == "service"
    triaged = _act(client, world, t["id"], "triage", "helpdesk", {"service": services["SRV-ACCESS"]})
    assert triaged["state"] == "triaged" and triaged["division"]["code"] == "APTIKA"
    assert triaged["service"]["code"] == "SRV-ACCESS" and triaged["category"] == "incident"
    assert triaged["priority"] == "high"   # the item's own
    _act(client, world, t["id"], "take", "officer")
    _act(client, world, t["id"], "resolve", "officer", {"resolution": "Layanan di-restart, disk dibersihkan"})
    _act(client, world, t["id"], "check", "division_head", {"ok": True})
    approved = _act(client, world, t["id"], "approve_closure", "head")
    assert approved["state"] == "approved" and approved["allowed_actions"] == []
    # SOP 003 step 7: the helpdesk closes, after the head's approval; nobody else.
    for who in ("head", "division_head", "officer", "contact_a"):
        _act(client, world, t["id"], "close", who, expect=403)
    done = _act(client, world, t["id"], "close", "helpdesk")
    assert done["state"] == "closed" and done["allowed_actions"] == []
    assert [h["action"] for h in done["history"]] == [
        "file", "triage", "take", "resolve", "check", "approve_closure", "close"]
    mine = client.get("/api/v1/tickets", headers=world.auth("contact_a")).json()
    assert [x["id"] for x in mine["items"]] == [t["id"]]
    # The reporter was told of every move, in order, with the way to the ticket.
    progress = [n["subject"] for n in _inbox(client, world, "contact_a") if n["kind"] == "ticket_progress"]
    assert list(reversed(progress)) == [f"Tiket #{t['id']}: {s}" for s in (
        "Di bidang", "Ditangani petugas", "Diselesaikan", "Diperiksa Kabid", "Disetujui Kadis", "Ditutup")]


def test_refused_at_triage_against_the_catalogue(client, world):
    catalogue(client, world)
    t = _file(client, world)
    r = client.post(f"/api/v1/tickets/{t['id']}/actions/refuse", headers=world.auth("helpdesk"), json={})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    done = _act(client, world, t["id"], "refuse", "helpdesk",
                {"reason": "Aplikasi pihak ketiga, bukan layanan Kominfo"})
    assert done["state"] == "closed" and "pihak ketiga" in done["close_reason"]
    r = client.post(f"/api/v1/tickets/{t['id']}/actions/triage", headers=world.auth("helpdesk"), json={"service": 1})
    assert r.status_code == 409 and r.json()["allowed_actions"] == []
    told = [n for n in _inbox(client, world, "contact_a") if n["kind"] == "ticket_progress"]
    assert "pihak ketiga" in told[0]["body"]


def test_rejected_as_out_of_scope_by_the_officer(client, world):
    services = catalogue(client, world)
    t = _file(client, world)
    to_assigned(client, world, t["id"], services["SRV-CONFIG"])
    r = client.post(f"/api/v1/tickets/{t['id']}/actions/reject_out_of_scope", headers=world.auth("officer"), json={})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    done = _act(client, world, t["id"], "reject_out_of_scope", "officer",
                {"reason": "Bukan layanan atau kewenangan Kominfo (aplikasi pihak ketiga)"})
    assert done["state"] == "closed" and "kewenangan" in done["close_reason"]
    r = client.post(f"/api/v1/tickets/{t['id']}/actions/resolve", headers=world.auth("officer"),
                    json={"resolution": "x"})
    assert r.status_code == 409 and r.json()["allowed_actions"] == []


def test_division_head_sends_it_back(client, world):
    services = catalogue(client, world)
    t = _file(client, world)
    to_assigned(client, world, t["id"], services["SRV-CONFIG"])
    _act(client, world, t["id"], "resolve", "officer", {"resolution": "Sudah dicek"})
    back = _act(client, world, t["id"], "check", "division_head", {"ok": False, "note": "Belum ada bukti"})
    assert back["state"] == "assigned"
    assert "resolve" in _act(client, world, t["id"], "resolve", "officer", {"resolution": "Log terlampir"})[
        "history"][-1]["action"]


def test_only_the_tickets_division_moves_it(client, world):
    services = catalogue(client, world)
    net, tokens = _second_division(client, world)
    other = {name: {"Authorization": f"Bearer {tok}"} for name, tok in tokens.items()}
    t = _file(client, world)
    _act(client, world, t["id"], "triage", "helpdesk", {"service": services["SRV-CONFIG"]})
    # Another division's officer and head: 403, with what they may do (nothing here).
    for who in ("officer2", "kabid2"):
        action, body = ("take", None) if who == "officer2" else ("assign", {"officer": "officer"})
        r = client.post(f"/api/v1/tickets/{t['id']}/actions/{action}", headers=other[who], json=body)
        assert r.status_code == 403 and r.json()["allowed_actions"] == [], r.text
        assert client.get(f"/api/v1/tickets/{t['id']}", headers=other[who]).json()["allowed_actions"] == []
    # The division head may only name an officer of the division.
    r = client.post(f"/api/v1/tickets/{t['id']}/actions/assign", headers=world.auth("division_head"),
                    json={"officer": "officer2"})
    assert r.status_code == 422 and r.json()["field"] == "officer"
    _act(client, world, t["id"], "assign", "division_head", {"officer": "officer"})
    # Assigned: only its officer resolves it.
    r = client.post(f"/api/v1/tickets/{t['id']}/actions/resolve", headers=other["officer2"], json={"resolution": "x"})
    assert r.status_code == 403
    # The other division's ticket is theirs alone, and the queue says so.
    t2 = _file(client, world, subject="Switch lantai 2 mati")
    _act(client, world, t2["id"], "triage", "helpdesk", {"service": net, "priority": "urgent"})
    waiting = client.get("/api/v1/tickets/waiting", headers=other["officer2"]).json()
    assert [w["id"] for w in waiting] == [t2["id"]] and waiting[0]["allowed_actions"] == ["take"]
    mine = client.get("/api/v1/tickets/waiting", headers=world.auth("officer")).json()
    assert t2["id"] not in [w["id"] for w in mine]
    assert any(f"#{t2['id']}" in n["subject"] for n in client.get("/api/v1/notifications", headers=other["kabid2"])
               .json()["items"])
    assert not any(f"#{t2['id']}:" in n["subject"] for n in _inbox(client, world, "division_head"))


def test_priority_sets_the_service_time(client, world):
    services = catalogue(client, world)
    normal, urgent = _file(client, world), _file(client, world)
    for t, priority in ((normal, "low"), (urgent, "urgent")):
        moved = _act(client, world, t["id"], "triage", "helpdesk", {"service": services["SRV-CONFIG"],
                                                                      "priority": priority})
        assert moved["priority"] == priority
        t["due_at"] = datetime.fromisoformat(moved["due_at"])
    assert urgent["due_at"] < normal["due_at"]   # 60 office minutes against a working day


def test_comments_by_everyone_involved_and_nobody_else(client, world):
    services = catalogue(client, world)
    t = _file(client, world)
    tid = t["id"]
    url = f"/api/v1/tickets/{tid}/comments"
    r = client.post(url, headers=world.auth("contact_a"), json={"body": "Terjadi lagi jam 10"})
    assert r.status_code == 201 and r.json()["author"] == "contact_a"
    assert client.post(url, headers=world.auth("contact_b"), json={"body": "x"}).status_code == 404
    assert client.post(url, headers=world.auth("admin"), json={"body": "x"}).status_code == 403
    # Before triage the division is not involved yet; the helpdesk and the head are.
    assert client.post(url, headers=world.auth("officer"), json={"body": "x"}).status_code == 403
    assert client.post(url, headers=world.auth("helpdesk"), json={"body": "Kami cek"}).status_code == 201
    r = client.post(url, headers=world.auth("helpdesk"), json={"body": ""})
    assert r.status_code == 422 and r.json()["field"] == "body"
    to_assigned(client, world, tid, services["SRV-CONFIG"])
    for who in ("officer", "division_head", "head"):
        assert client.post(url, headers=world.auth(who), json={"body": f"Catatan {who}"}).status_code == 201, who
    thread = client.get(f"/api/v1/tickets/{tid}", headers=world.auth("contact_a")).json()["comments"]
    assert [c["author"] for c in thread] == ["contact_a", "helpdesk", "officer", "division_head", "head"]
    # The reporter hears of comments by others, not of their own.
    said = [n for n in _inbox(client, world, "contact_a") if n["kind"] == "ticket_comment"]
    assert len(said) == 4 and "Catatan head" in said[0]["body"]
    _act(client, world, tid, "reject_out_of_scope", "officer", {"reason": "Bukan kewenangan"})
    assert client.post(url, headers=world.auth("contact_a"), json={"body": "x"}).status_code == 409


def test_attachments_with_limits_for_those_involved(client, world, app):
    services = catalogue(client, world)
    t = _file(client, world)
    url = f"/api/v1/tickets/{t['id']}/attachments"
    r = client.post(url, headers=world.auth("contact_a"), files={"file": ("layar.png", PNG, "image/png")})
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["content_type"] == "image/png" and a["size"] == len(PNG)
    r = client.post(url, headers=world.auth("contact_a"), files={"file": ("log.txt", b"error 502\n", "text/plain")})
    assert r.status_code == 201 and r.json()["content_type"] == "text/plain"
    # The type is read from the bytes; an executable named .png is refused, and so is a big file.
    r = client.post(url, headers=world.auth("contact_a"), files={"file": ("x.png", b"MZ\x90\x00\x03\x00", "image/png")})
    assert r.status_code == 422 and r.json()["field"] == "file"
    big = b"%PDF-" + b"0" * (5 * 1024 * 1024)
    r = client.post(url, headers=world.auth("contact_a"), files={"file": ("big.pdf", big, "application/pdf")})
    assert r.status_code in (413, 422), r.text
    small = {"file": ("a.txt", b"a", "text/plain")}
    assert client.post(url, headers=world.auth("admin"), files=small).status_code == 403
    assert client.post(url, headers=world.auth("contact_b"), files=small).status_code == 404
    got = client.get(f"{url}/{a['id']}", headers=world.auth("contact_a"))
    assert got.status_code == 200 and got.content == PNG and got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff" and "attachment" in got.headers["content-disposition"]
    assert client.get(f"{url}/{a['id']}", headers=world.auth("officer")).status_code == 403   # not yet its division
    assert client.get(f"{url}/{a['id']}", headers=world.auth("admin")).status_code == 403
    assert client.get(f"{url}/{a['id']}", headers=world.auth("contact_b")).status_code == 404
    # Nor through the general document download, which would skip the ticket's own check.
    from sqlalchemy import select

    from controller.db import unit_of_work
    from controller.models import TicketAttachment

    with unit_of_work(app.state.sessions, "test") as s:
        doc_id = s.scalar(select(TicketAttachment.document_id).where(TicketAttachment.id == a["id"]))
    for who in ("officer", "admin", "contact_a"):
        r = client.get(f"/api/v1/documents/{doc_id}", headers=world.auth(who))
        assert r.status_code == 404 and "ticket" in r.json()["detail"], (who, r.text)
    to_assigned(client, world, t["id"], services["SRV-CONFIG"])
    assert client.get(f"{url}/{a['id']}", headers=world.auth("officer")).status_code == 200
    view = client.get(f"/api/v1/tickets/{t['id']}", headers=world.auth("officer")).json()
    assert [f["filename"] for f in view["attachments"]] == ["layar.png", "log.txt"]


def test_the_catalogue_is_the_admins(client, world):
    catalogue(client, world)
    for who in ("head", "division_head", "officer", "helpdesk", "contact_a"):
        r = client.post("/api/v1/service-catalogue", headers=world.auth(who), json={
            "code": "X", "name": "x", "category": "incident", "division": "APTIKA"})
        assert r.status_code == 403, who
        assert client.post("/api/v1/divisions", headers=world.auth(who),
                           json={"code": "X", "name": "x"}).status_code == 403
    assert client.get("/api/v1/service-catalogue", headers=world.auth("contact_a")).status_code == 200
    assert client.get("/api/v1/divisions", headers=world.auth("contact_a")).status_code == 403
    admin = world.auth("admin")
    r = client.post("/api/v1/service-catalogue", headers=admin, json={
        "code": "X", "name": "x", "category": "nonsense", "division": "APTIKA"})
    assert r.status_code == 422 and r.json()["field"] == "category"
    r = client.post("/api/v1/service-catalogue", headers=admin, json={
        "code": "X", "name": "x", "category": "incident", "division": "NOPE"})
    assert r.status_code == 422 and r.json()["field"] == "division"
    r = client.post("/api/v1/service-catalogue", headers=admin, json={
        "code": "SRV-ACCESS", "name": "x", "category": "incident", "division": "APTIKA"})
    assert r.status_code == 409 and r.json()["field"] == "code"
    division = client.get("/api/v1/divisions", headers=admin).json()[0]
    r = client.put(f"/api/v1/divisions/{division['id']}/members", headers=admin,
                   json={"usernames": ["contact_a"]})
    assert r.status_code == 422 and r.json()["field"] == "usernames.0"
    # A retired item is no longer offered, nor accepted at triage.
    item = client.get("/api/v1/service-catalogue", headers=admin).json()[0]
    client.patch(f"/api/v1/service-catalogue/{item['id']}", headers=admin, json={"is_active": False})
    assert item["id"] not in [s["id"] for s in client.get("/api/v1/service-catalogue", headers=admin).json()]
    assert item["id"] in [s["id"] for s in client.get("/api/v1/service-catalogue?all=true", headers=admin).json()]
    t = _file(client, world)
    r = client.post(f"/api/v1/tickets/{t['id']}/actions/triage", headers=world.auth("helpdesk"),
                    json={"service": item["id"]})
    assert r.status_code == 422 and r.json()["field"] == "service"


def test_other_units_contact_sees_nothing(client, world):
    t = _file(client, world)
    assert client.get(f"/api/v1/tickets/{t['id']}", headers=world.auth("contact_b")).status_code == 404
    assert client.get("/api/v1/tickets", headers=world.auth("contact_b")).json()["total"] == 0
    r = client.post("/api/v1/tickets", headers=world.auth("contact_b"), json={
        "subject": "x", "description": "y", "server_id": world.ids["server_a"]})
    assert r.status_code == 422 and r.json()["field"] == "server_id"


def test_failed_probe_findings_go_beside_the_reporters_words(client, world):
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
    assert t["description"] == "Sejak pagi aplikasi tidak merespons"   # the reporter's, not the machine's
    assert t["server_id"] == failed["server_id"] and t["findings"][0]["ok"] is False
    assert str(closed) in t["findings"][0]["target"]


@pytest.mark.parametrize("state,role,actions", [
    ("submitted", "helpdesk", ["triage", "refuse"]),
    ("triaged", "division_head", ["assign", "reject_out_of_scope"]),
    ("triaged", "officer", ["take"]),
    ("approved", "helpdesk", ["close"]),
    ("approved", "head", []),
])
def test_the_table(state, role, actions):
    assert type(TICKETS) is type(CUSTODY) is Workflow
    assert TICKETS.allowed_actions(state, role) == actions


def test_check_goes_back_to_the_officer():
    assert TICKETS.move("resolved", "check", "division_head", {"ok": False}).to_state == "assigned"
    assert TICKETS.move("checked", "approve_closure", "head").to_state == "approved"

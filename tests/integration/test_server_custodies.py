"""A server has a life across custodies, and the paths people need: return from wherever the
server is stuck, withdrawal, refusal at disposition; retiring monitoring when it leaves."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from controller.db import unit_of_work
from controller.models.base import utcnow
from controller.services import custody as custody_service
from tests.observability.obs_helpers import heartbeat, report
from tests.support import custody as flow


@contextmanager
def listening() -> Iterator[int]:
    """A TCP port that answers, so the configure step's own check passes."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def configure(client, world, rid: int, port: int) -> dict:
    return flow.act(client, world, rid, "configure", "officer",
                    {"management_ip": "127.0.0.1", "access_checks": [{"kind": "tcp", "port": port}]})


def to_active(client, world, rid: int) -> dict:
    flow.to_handed_over(client, world, rid)
    flow.act(client, world, rid, "place", "officer")
    with listening() as port:
        assert configure(client, world, rid, port)["warnings"] == []
    return flow.act(client, world, rid, "confirm_access", "contact_a", {"ok": True})


def give_back(client, world, rid: int, letter: str = "006/RET/2026") -> dict:
    flow.act(client, world, rid, "request_return", "contact_a", {"reason": "Migrasi ke cloud", "letter_number": letter})
    flow.act(client, world, rid, "approve_return", "division_head")
    return flow.act(client, world, rid, "release", "officer", flow.release_body())


def refile(client, world, serial: str, who: str = "contact_a", expect: int = 201, **server) -> dict:
    body = {"letter_number": f"005/{serial}/ULANG", "letter_date": "2026-12-01",
            "server": {"brand": "Dell", "model": "PowerEdge R650", "serial_number": serial, "height_u": 2,
                       "power_w": 500, **server}}
    r = client.post("/api/v1/custody-requests", headers=world.auth(who), json=body)
    assert r.status_code == expect, r.text
    return r.json()


def inbox_kinds(client, world, who: str) -> list[str]:
    return [n["kind"] for n in client.get("/api/v1/notifications", headers=world.auth(who)).json()["items"]]


def test_a_returned_server_comes_back_and_both_custodies_are_on_its_record(client, world):
    first = flow.submit(client, world, serial="BACK-0001")
    to_active(client, world, first["id"])
    assert give_back(client, world, first["id"])["state"] == "returned"
    assert "returned" in inbox_kinds(client, world, "contact_a")       # the contact is told

    second = refile(client, world, "BACK-0001", power_w=650)
    assert second["server_id"] == first["server_id"] and second["state"] == "submitted"
    assert second["server"]["power_w"] == 650                             # what changed since is declared anew
    assert to_active(client, world, second["id"])["state"] == "active"

    sid = first["server_id"]
    record = client.get(f"/api/v1/servers/{sid}", headers=world.auth("contact_a")).json()
    assert [(c["id"], c["state"]) for c in record["custodies"]] == [(first["id"], "returned"),
                                                                   (second["id"], "active")]
    card = client.get(f"/api/v1/servers/{sid}/asset-card.pdf", headers=world.auth("officer"))
    assert card.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(card.content)).pages)
    assert f"Permohonan #{first['id']}" in text and f"Permohonan #{second['id']}" in text
    assert text.index(f"Permohonan #{first['id']}") < text.index(f"Permohonan #{second['id']}")


def test_a_lapsed_or_rejected_request_can_be_filed_again(app, client, world):
    lapsed = flow.submit(client, world, serial="LATE-0001")
    flow.to_assigned(client, world, lapsed["id"])
    flow.act(client, world, lapsed["id"], "reserve_space", "officer")
    with unit_of_work(app.state.sessions, "test") as s:
        later = utcnow() + timedelta(days=app.state.settings.reservation_hold_days + 1)
        assert custody_service.lapse_reservations(s, app.state.settings, later) == [lapsed["id"]]
    again = refile(client, world, "LATE-0001")
    assert again["server_id"] == lapsed["server_id"]

    rejected = flow.submit(client, world, serial="BAD-0001")
    flow.to_assigned(client, world, rejected["id"])
    flow.act(client, world, rejected["id"], "reserve_space", "officer")
    flow.act(client, world, rejected["id"], "receive", "officer")
    bad = dict(flow.CHECKLIST_OK, rails=False)
    assert flow.act(client, world, rejected["id"], "inspect", "officer",
                    {"passed": False, "checklist": bad, "notes": "Rel tidak ada"})["state"] == "rejected"
    assert refile(client, world, "BAD-0001")["server_id"] == rejected["server_id"]


def test_a_server_in_custody_cannot_be_filed_twice_nor_by_another_unit(client, world):
    first = flow.submit(client, world, serial="ONCE-0001")
    busy = refile(client, world, "ONCE-0001", expect=409)
    assert busy["field"] == "server.serial_number" and busy["request_id"] == first["id"]
    other = refile(client, world, "ONCE-0001", who="contact_b", expect=409)
    assert "another unit" in other["detail"]
    mismatch = refile(client, world, "ONCE-0001", expect=409, brand="HPE")
    assert "registered as Dell" in mismatch["detail"]
    # By id: a server the office registered without custody (the world's server_a) can be filed.
    r = client.post("/api/v1/custody-requests", headers=world.auth("contact_a"), json={
        "letter_number": "005/ID/2026", "letter_date": "2026-12-01", "server_id": world.ids["server_a"]})
    assert r.status_code == 201 and r.json()["server_id"] == world.ids["server_a"], r.text
    r = client.post("/api/v1/custody-requests", headers=world.auth("contact_a"), json={
        "letter_number": "005/ID/2026", "letter_date": "2026-12-01", "server_id": world.ids["server_b"]})
    assert r.status_code == 422 and r.json()["field"] == "server_id"          # another unit's server
    r = client.post("/api/v1/custody-requests", headers=world.auth("contact_a"), json={
        "letter_number": "005/ID/2026", "letter_date": "2026-12-01"})
    assert r.status_code == 422 and r.json()["field"] == "server"


def scrape(app, client) -> str:
    token = app.state.settings.metrics_token
    r = client.get("/metrics", headers={"Authorization": f"Bearer {token}"} if token else {})
    assert r.status_code == 200, r.text
    return r.text


def test_return_retires_monitoring_and_a_second_custody_enrols_afresh(app, client, world):
    req = flow.submit(client, world, serial="MON-0001")
    sid = req["server_id"]
    to_active(client, world, req["id"])
    token = client.post(f"/api/v1/servers/{sid}/enrollment-tokens", headers=world.auth("officer")).json()["token"]
    cred = client.post("/api/v1/agents/enroll", json={"token": token, "hostname": "mon-1"}).json()["credential"]
    agent = {"Authorization": f"Bearer {cred}"}
    assert client.post("/api/v1/agents/reports", headers=agent, json=report("heartbeat", heartbeat("mon-1"))
                       ).status_code == 200
    target = client.post(f"/api/v1/servers/{sid}/targets", headers=world.auth("officer"), json={
        "kind": "snmp", "address": "127.0.0.1", "community": "rahasia-mon"}).json()
    assert 'server="MON-0001"' in scrape(app, client)

    give_back(client, world, req["id"])
    assert client.post("/api/v1/agents/reports", headers=agent, json=report("heartbeat", heartbeat("mon-1"))
                       ).status_code == 401
    targets = client.get(f"/api/v1/servers/{sid}/targets", headers=world.auth("officer")).json()["items"]
    assert target["id"] not in [t["id"] for t in targets]                  # retired: no longer listed
    assert client.post(f"/api/v1/targets/{target['id']}/collect", headers=world.auth("officer")).status_code in (
        404, 409)
    assert 'server="MON-0001"' not in scrape(app, client)                  # out of the live series
    assert client.get(f"/api/v1/servers/{sid}", headers=world.auth("officer")).json()["retired_at"]
    events = client.get("/api/v1/audit/events?limit=500", headers=world.auth("admin")).json()["items"]
    assert any(e["action"] == "refused" for e in events)                    # the refused report is on record

    again = refile(client, world, "MON-0001")
    flow.to_handed_over(client, world, again["id"])                         # received again
    assert client.get(f"/api/v1/servers/{sid}", headers=world.auth("officer")).json()["retired_at"] is None
    token = client.post(f"/api/v1/servers/{sid}/enrollment-tokens", headers=world.auth("officer")).json()["token"]
    cred = client.post("/api/v1/agents/enroll", json={"token": token, "hostname": "mon-1"}).json()["credential"]
    assert client.post("/api/v1/agents/reports", headers={"Authorization": f"Bearer {cred}"},
                       json=report("heartbeat", heartbeat("mon-1"))).status_code == 200


def test_a_server_stuck_in_access_failed_can_be_taken_back(client, world):
    rid = flow.submit(client, world)["id"]
    flow.to_handed_over(client, world, rid)
    flow.act(client, world, rid, "place", "officer")
    with listening() as port:
        configure(client, world, rid, port)
    failed = flow.act(client, world, rid, "confirm_access", "contact_a", {"ok": False, "note": "timeout"})
    assert failed["state"] == "access_failed" and "request_return" in failed["allowed_actions"]
    done = give_back(client, world, rid)
    assert done["state"] == "returned" and done["reservation"]["status"] == "released"


def test_withdrawal_frees_the_reservation_and_moves_the_waitlist(client, world):
    h = world.auth("officer")
    # Fill rack R01 by hand so that only R02 has room for a 42 U server.
    assert client.post(f"/api/v1/racks/{world.ids['rack1']}/reservations", headers=h,
                       json={"u_bottom": 1, "height_u": 42, "note": "penuh"}).status_code == 201
    first = flow.submit(client, world, height_u=42, power_w=100)
    flow.to_assigned(client, world, first["id"])
    assert flow.act(client, world, first["id"], "reserve_space", "officer")["state"] == "space_reserved"
    waiting = flow.submit(client, world, who="contact_b", height_u=42, power_w=100)
    flow.to_assigned(client, world, waiting["id"])
    assert flow.act(client, world, waiting["id"], "waitlist", "officer")["state"] == "waitlisted"

    r = client.post(f"/api/v1/custody-requests/{first['id']}/actions/withdraw", headers=world.auth("contact_a"),
                    json={})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    out = flow.act(client, world, first["id"], "withdraw", "contact_a", {"reason": "Anggaran dialihkan"})
    assert out["state"] == "withdrawn" and out["reservation"]["status"] == "released"
    assert out["promoted"] == [waiting["id"]]
    moved = client.get(f"/api/v1/custody-requests/{waiting['id']}", headers=world.auth("contact_b")).json()
    assert moved["state"] == "space_reserved" and moved["reservation"]["rack_id"] == world.ids["rack2"]
    assert "withdrawn" in inbox_kinds(client, world, "officer")
    # Once the server is received it is too late to withdraw: the return procedure takes over.
    flow.act(client, world, waiting["id"], "receive", "officer")
    late = client.post(f"/api/v1/custody-requests/{waiting['id']}/actions/withdraw",
                       headers=world.auth("contact_b"), json={"reason": "x"})
    assert late.status_code == 409 and "request_return" in late.json()["allowed_actions"]


@pytest.mark.parametrize("at", ["head", "division_head"])
def test_refusal_at_either_disposition_with_a_reason_the_unit_is_told(client, world, at):
    rid = flow.submit(client, world)["id"]
    if at == "division_head":
        flow.act(client, world, rid, "head_dispose", "head")
    r = client.post(f"/api/v1/custody-requests/{rid}/actions/refuse", headers=world.auth(at), json={})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    out = flow.act(client, world, rid, "refuse", at, {"reason": "Bukan server milik pemerintah daerah"})
    assert out["state"] == "refused" and out["allowed_actions"] == []
    notes = client.get("/api/v1/notifications", headers=world.auth("contact_a")).json()["items"]
    assert notes[0]["kind"] == "refused" and "Bukan server milik pemerintah daerah" in notes[0]["body"]
    other = "division_head" if at == "head" else "head"
    assert client.post(f"/api/v1/custody-requests/{rid}/actions/refuse", headers=world.auth(other),
                       json={"reason": "x"}).status_code in (403, 409)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_pages_say_what_happened_when_access_fails(app, client, world):
    """Failed checks are not a green "berhasil", and neither is a reported failure."""
    from tests.integration.test_web_pages import Browser

    rid = flow.submit(client, world)["id"]
    flow.to_handed_over(client, world, rid)
    flow.act(client, world, rid, "place", "officer")
    page = Browser(app, "officer").act(rid, "configure", {"management_ip": "127.0.0.1",
                                                          "ports": str(_closed_port())})
    assert 'class="flash flash-warning"' in page and "pemeriksaan akses gagal" in page
    assert "berhasil" not in page.split('class="flash')[1]
    inbox = client.get("/api/v1/notifications", headers=world.auth("contact_a")).json()["items"]
    assert inbox[0]["kind"] == "configured_unverified"

    page = Browser(app, "contact_a").act(rid, "confirm_access", {"ok": "0", "note": "Tidak bisa SSH"})
    assert 'class="flash flash-info"' in page and "Akses gagal telah dilaporkan" in page
    assert "berhasil" not in page.split('class="flash')[1]


def test_one_letter_for_three_servers_one_disposition_then_each_its_own_steps(client, world):
    servers = [{"brand": "Dell", "model": "PowerEdge R650", "serial_number": f"TRIO-{i}", "height_u": 1,
                "power_w": 300} for i in range(3)]
    r = client.post("/api/v1/custody-requests", headers=world.auth("contact_a"), json={
        "letter_number": "005/TRIO/2026", "letter_date": "2026-12-01", "servers": servers})
    assert r.status_code == 201, r.text
    first = r.json()
    batch = first["batch"]
    assert len(batch) == 3 and batch[0] == first["id"]
    letter = client.post(f"/api/v1/custody-requests/{batch[2]}/letter", headers=world.auth("contact_a"),
                         files={"letter_file": ("surat.pdf", b"%PDF-1.4 surat", "application/pdf")})
    assert letter.status_code == 201, letter.text

    head = flow.act(client, world, batch[1], "head_dispose", "head", {"note": "Teruskan"})
    assert sorted(head["moved_with_it"]) == [batch[0], batch[2]]
    kabid = flow.act(client, world, batch[0], "division_dispose", "division_head", {"officer": "officer"})
    assert sorted(kabid["moved_with_it"]) == batch[1:]
    views = [client.get(f"/api/v1/custody-requests/{i}", headers=world.auth("contact_a")).json() for i in batch]
    assert [v["state"] for v in views] == ["assigned"] * 3
    # One letter for all, and one lembar disposisi per disposition of it.
    assert all([d["kind"] for d in v["documents"]] == ["letter", "disposition", "disposition"] for v in views)
    # From here each server has its own steps: reserving one leaves the others assigned.
    flow.act(client, world, batch[0], "reserve_space", "officer")
    states = [client.get(f"/api/v1/custody-requests/{i}", headers=world.auth("officer")).json()["state"]
              for i in batch]
    assert states == ["space_reserved", "assigned", "assigned"]
    dup = client.post("/api/v1/custody-requests", headers=world.auth("contact_a"), json={
        "letter_number": "005/DUO/2026", "letter_date": "2026-12-01", "servers": [servers[0], servers[0]]})
    assert dup.status_code == 422 and dup.json()["field"] == "servers"


def test_the_letter_form_files_several_servers(app, client, world):
    from tests.integration.test_web_pages import Browser

    b = Browser(app, "contact_a")
    r = b.post("/requests", {"letter_number": "005/WEB3/2026", "letter_date": "2026-12-01", "brand": "Dell",
                             "model": "R650", "serial_number": "WEB3-1", "height_u": "1", "power_w": "300",
                             "more_servers": "HPE; DL360; WEB3-2; 1; 400\nLenovo; SR630; WEB3-3; 1; 350"})
    assert r.status_code == 303, r.text
    page = b.get(r.headers["location"]).text
    assert "diajukan dalam satu surat" in page
    listed = client.get("/api/v1/custody-requests", headers=world.auth("contact_a")).json()["items"]
    assert sorted(i["server"]["serial_number"] for i in listed) == ["WEB3-1", "WEB3-2", "WEB3-3"]
    assert len({tuple(i.get("batch") or []) for i in listed}) == 1
    bad = b.post("/requests", {"letter_number": "005/WEB4/2026", "letter_date": "2026-12-01", "brand": "Dell",
                               "model": "R650", "serial_number": "WEB4-1", "height_u": "1", "power_w": "300",
                               "more_servers": "HPE; DL360; WEB4-2; satu; 400"})
    assert bad.status_code == 422 and "Isian Server lain tidak valid" in bad.text and "line 1" in bad.text

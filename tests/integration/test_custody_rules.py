"""The workflow's rules as the people involved would notice them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from controller.domain.custody_flow import CUSTODY
from controller.models import CustodyRequest
from tests.support import custody as flow

ACTIONS = ["head_dispose", "division_dispose", "reserve_space", "waitlist", "receive", "inspect",
           "sign_handover", "place", "configure", "confirm_access", "request_return", "approve_return",
           "release", "promote", "lapse", "fly"]
ROLES = ["admin", "head", "division_head", "officer", "helpdesk", "contact_a"]
ROLE_OF = {"contact_a": "unit_contact"}


def _snapshot(client, world, rid):
    r = client.get(f"/api/v1/custody-requests/{rid}", headers=world.auth("officer")).json()
    return r["state"], len(r["history"]), r["reservation"]


def _all_illegal_refused(client, world, rid, legal_next: tuple[str, str] | None):
    """Every (action, role) the table does not allow here gets 409/403 and changes nothing."""
    before = _snapshot(client, world, rid)
    state = before[0]
    for action in ACTIONS:
        for who in ROLES:
            role = ROLE_OF.get(who, who)
            if action in CUSTODY.allowed_actions(state, role) and CUSTODY.transition(action).manual:
                continue
            r = client.post(f"/api/v1/custody-requests/{rid}/actions/{action}", headers=world.auth(who), json={})
            assert r.status_code in (403, 409), f"{who} {action} in {state}: {r.status_code} {r.text}"
            assert "allowed_actions" in r.json()
            if r.status_code == 409:
                assert set(r.json()["allowed_actions"]) == {
                    a for a in CUSTODY.allowed_actions(state, role)}, (who, action, state)
    assert _snapshot(client, world, rid) == before


def test_every_illegal_action_in_every_state_is_refused(client, world, web_port=None):
    rid = flow.submit(client, world)["id"]
    steps = [
        ("head_dispose", "head", {}),
        ("division_dispose", "division_head", {"officer": "officer"}),
        ("reserve_space", "officer", {}),
        ("receive", "officer", {}),
        ("inspect", "officer", {"passed": True, "checklist": flow.CHECKLIST_OK}),
        ("sign_handover", "officer", {"name": "A", "nip": flow.NIP_OFFICER, "position": "P"}),
        ("sign_handover", "contact_a", {"name": "B", "nip": flow.NIP_CONTACT, "position": "Q"}),
        ("place", "officer", {}),
        ("configure", "officer", {"management_ip": "127.0.0.1", "access_checks": [{"kind": "tcp", "port": 9}]}),
        ("confirm_access", "contact_a", {"ok": False, "note": "tidak bisa"}),
        ("configure", "officer", {"management_ip": "127.0.0.1", "access_checks": [{"kind": "tcp", "port": 9}]}),
        ("confirm_access", "contact_a", {"ok": True}),
        ("request_return", "contact_a", {"reason": "selesai", "letter_number": "1/2"}),
        ("approve_return", "division_head", {}),
        ("release", "officer", flow.release_body()),
    ]
    for action, who, body in steps:
        state = _snapshot(client, world, rid)[0]
        if not (action == "sign_handover" and who == "contact_a"):
            _all_illegal_refused(client, world, rid, (action, who))
        flow.act(client, world, rid, action, who, body)
        assert _snapshot(client, world, rid)[0] != state or action == "sign_handover"
    _all_illegal_refused(client, world, rid, None)  # returned: nothing is possible


def test_missing_and_bad_data_is_422_naming_the_field(client, world):
    rid = flow.submit(client, world)["id"]
    flow.act(client, world, rid, "head_dispose", "head")
    r = client.post(f"/api/v1/custody-requests/{rid}/actions/division_dispose", headers=world.auth("division_head"),
                    json={})
    assert r.status_code == 422 and r.json()["field"] == "officer"
    r = client.post(f"/api/v1/custody-requests/{rid}/actions/division_dispose", headers=world.auth("division_head"),
                    json={"officer": "helpdesk"})
    assert r.status_code == 422 and "officer" in r.json()["detail"]
    flow.act(client, world, rid, "division_dispose", "division_head", {"officer": "officer"})
    r = client.post(f"/api/v1/custody-requests/{rid}/actions/reserve_space", headers=world.auth("officer"),
                    json={"rack_id": world.ids["rack1"]})
    assert r.status_code == 422
    r = client.post("/api/v1/custody-requests", headers=world.auth("contact_a"), json={
        "letter_number": "x", "letter_date": "2026-13-45", "server": {}})
    assert r.status_code == 422 and r.json()["field"].startswith(("letter_date", "server"))
    assert _snapshot(client, world, rid)[0] == "assigned"


def test_officer_cannot_file_and_contact_cannot_act_for_the_office(client, world):
    r = client.post("/api/v1/custody-requests", headers=world.auth("officer"), json={
        "letter_number": "1", "letter_date": "2026-11-20", "server": {}})
    assert r.status_code == 403
    rid = flow.submit(client, world)["id"]
    r = client.post(f"/api/v1/custody-requests/{rid}/actions/head_dispose", headers=world.auth("contact_a"))
    assert r.status_code == 403 and r.json()["allowed_roles"] == ["head"]


def _fill_rack(client, world, rack: str, leave_free: tuple[int, int] | None = None):
    """Reserve the whole rack except one gap (bottom, height)."""
    lo, n = leave_free or (43, 0)
    ranges = [(1, lo - 1), (lo + n, 42 - (lo + n) + 1)] if leave_free else [(1, 42)]
    for bottom, height in ranges:
        if height > 0:
            r = client.post(f"/api/v1/racks/{world.ids[rack]}/reservations", headers=world.auth("officer"),
                            json={"u_bottom": bottom, "height_u": height, "note": "penuh"})
            assert r.status_code == 201, r.text


def test_room_full_waitlist_then_return_promotes_the_oldest_that_fits(client, world):
    # The room: rack1 entirely full, rack2 full except U1-U2, taken by a request that will return.
    _fill_rack(client, world, "rack1")
    _fill_rack(client, world, "rack2", leave_free=(1, 2))
    holder = flow.submit(client, world, height_u=2)["id"]
    flow.to_handed_over(client, world, holder)
    for a, body in (("place", {}), ("configure", {"management_ip": "127.0.0.1",
                                                 "access_checks": [{"kind": "tcp", "port": 9}]})):
        flow.act(client, world, holder, a, "officer", body)
    flow.act(client, world, holder, "confirm_access", "contact_a", {"ok": True})

    big = flow.submit(client, world, height_u=4)["id"]          # first in the queue, does not fit in 2 U
    small = flow.submit(client, world, height_u=2)["id"]        # second, fits
    for rid in (big, small):
        flow.to_assigned(client, world, rid)
        r = client.post(f"/api/v1/custody-requests/{rid}/actions/reserve_space", headers=world.auth("officer"))
        assert r.status_code == 409 and r.json()["allowed_actions"] == ["waitlist"]
        flow.act(client, world, rid, "waitlist", "officer")
    assert client.get(f"/api/v1/custody-requests/{small}", headers=world.auth("contact_a")).json()[
        "waitlist_position"] == 2
    inbox = client.get("/api/v1/notifications", headers=world.auth("contact_a")).json()["items"]
    assert inbox[0]["kind"] == "room_full" and "urutan 2" in inbox[0]["body"]

    flow.act(client, world, holder, "request_return", "contact_a", {"reason": "r", "letter_number": "1"})
    flow.act(client, world, holder, "approve_return", "division_head")
    out = flow.act(client, world, holder, "release", "officer", flow.release_body())
    assert out["promoted"] == [small]
    s = client.get(f"/api/v1/custody-requests/{small}", headers=world.auth("contact_a")).json()
    b = client.get(f"/api/v1/custody-requests/{big}", headers=world.auth("contact_a")).json()
    assert s["state"] == "space_reserved" and s["reservation"]["u_bottom"] == 1
    assert b["state"] == "waitlisted" and b["waitlist_position"] == 1


def test_waitlist_refused_while_space_exists(client, world):
    rid = flow.submit(client, world)["id"]
    flow.to_assigned(client, world, rid)
    r = client.post(f"/api/v1/custody-requests/{rid}/actions/waitlist", headers=world.auth("officer"))
    assert r.status_code == 409 and r.json()["allowed_actions"] == ["reserve_space"]


def test_lapsed_reservation_frees_its_slot_and_tells_the_unit(app, client, world):
    from controller.db import unit_of_work
    from controller.services import custody

    rid = flow.submit(client, world)["id"]
    flow.to_assigned(client, world, rid)
    res = flow.act(client, world, rid, "reserve_space", "officer", {"rack_id": world.ids["rack1"], "u_bottom": 5})
    with unit_of_work(app.state.sessions, "system") as s:
        assert custody.lapse_reservations(s, app.state.settings) == []  # still within the hold
    with unit_of_work(app.state.sessions, "system") as s:
        later = datetime.now(UTC) + timedelta(days=15)
        assert custody.lapse_reservations(s, app.state.settings, later) == [rid]
    r = client.get(f"/api/v1/custody-requests/{rid}", headers=world.auth("contact_a")).json()
    assert r["state"] == "lapsed" and r["reservation"]["status"] == "released"
    elev = client.get(f"/api/v1/racks/{world.ids['rack1']}/elevation", headers=world.auth("officer")).json()
    assert elev["units"][4]["state"] == "free"
    inbox = client.get("/api/v1/notifications", headers=world.auth("contact_a")).json()["items"]
    assert inbox[0]["kind"] == "lapsed"
    assert res["reservation"]["u_bottom"] == 5


def test_overdue_steps_are_listed(app, client, world):
    fresh = flow.submit(client, world)["id"]
    stale = flow.submit(client, world)["id"]
    with app.state.sessions() as s:  # the stale letter arrived a week ago and nobody acted
        s.execute(update(CustodyRequest).where(CustodyRequest.id == stale)
                  .values(state_since=datetime.now(UTC) - timedelta(days=7)))
        s.commit()
    listed = client.get("/api/v1/custody-requests?overdue=true", headers=world.auth("head")).json()
    assert [r["id"] for r in listed["items"]] == [stale] and listed["items"][0]["overdue"] is True
    listed = client.get("/api/v1/custody-requests?overdue=false&state=submitted", headers=world.auth("head")).json()
    assert [r["id"] for r in listed["items"]] == [fresh]


def test_inspection_failure_rejects_and_frees_the_slot(client, world):
    rid = flow.submit(client, world)["id"]
    flow.to_assigned(client, world, rid)
    flow.act(client, world, rid, "reserve_space", "officer", {"rack_id": world.ids["rack1"], "u_bottom": 7})
    flow.act(client, world, rid, "receive", "officer")
    out = flow.act(client, world, rid, "inspect", "officer", {
        "passed": False, "checklist": {**flow.CHECKLIST_OK, "serial_matches": False}, "notes": "Nomor seri beda"})
    assert out["state"] == "rejected" and out["reservation"]["status"] == "released"


def test_letter_upload_accepts_pdf_only(client, world):
    rid = flow.submit(client, world)["id"]
    h = world.auth("contact_a")
    r = client.post(f"/api/v1/custody-requests/{rid}/letter", headers=h,
                    files={"letter_file": ("surat.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")})
    assert r.status_code == 201 and len(r.json()["sha256"]) == 64
    r = client.post(f"/api/v1/custody-requests/{rid}/letter", headers=h,
                    files={"letter_file": ("surat.exe", b"MZ\x90\x00", "application/octet-stream")})
    assert r.status_code == 422 and r.json()["field"] == "letter_file"
    docs = client.get(f"/api/v1/custody-requests/{rid}", headers=h).json()["documents"]
    assert [d["kind"] for d in docs] == ["letter"]
    r = client.post(f"/api/v1/custody-requests/{rid}/letter", headers=world.auth("contact_b"),
                    files={"letter_file": ("surat.pdf", b"%PDF-1.4\n", "application/pdf")})
    assert r.status_code == 404

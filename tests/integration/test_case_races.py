"""Two people clicking at once cannot corrupt the register.

Two `titip serve --workers 2` processes, each from its own directory and TMPDIR, stand for two
controller hosts on one database (four worker processes in all); the racing requests are spread
over both. Each move of a case goes through the one locked runner (`services.runner`): exactly one
wins, the others get 409 with the moves that are left, and one step row is written.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import DATABASES, fresh_database
from tests.support import custody as flow
from tests.support.controller import start_serve
from tests.support.world import build_world

KEYS = {"TITIP_SECRET_KEY": "test-secret-key-0123456789abcdef", "TITIP_SCHEDULER_ENABLED": "false"}


@pytest.fixture(scope="module", params=DATABASES)
def hosts(request, tmp_path_factory):
    """(two controller URLs, the database URL, the world, an in-process client for setting up),
    started once per database for the module: each test makes cases of its own."""
    from fastapi.testclient import TestClient

    from controller.app import create_app
    from controller.settings import Settings

    home = tmp_path_factory.mktemp(f"races-{request.param}")
    db_url = fresh_database(request, request.param, home)
    app = create_app(Settings(database_url=db_url, secret_key=KEYS["TITIP_SECRET_KEY"], scheduler_enabled=False))
    world = build_world(app)
    ctls = [start_serve(db_url, home / f"host{i}", KEYS, workers=2) for i in (1, 2)]
    try:
        with TestClient(app) as client:
            yield [c.url for c in ctls], db_url, world, client
    finally:
        for c in ctls:
            c.stop()
        for engine in (app.state.engine, app.state.read_engine, app.state.ingest_engine):
            engine.dispose()


def race(urls: list[str], path: str, token: str, bodies: list[dict | None]) -> list[httpx.Response]:
    """POST every body at once (released by a barrier), alternating between the controllers."""
    barrier = threading.Barrier(len(bodies))

    def one(i_body) -> httpx.Response:
        i, body = i_body
        with httpx.Client(timeout=120) as c:
            barrier.wait()
            return c.post(f"{urls[i % len(urls)]}{path}", json=body, headers={"Authorization": f"Bearer {token}"})

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(one, enumerate(bodies)))


def rows(db_url: str, sql: str, **params) -> list[tuple]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        out = [tuple(r) for r in conn.execute(text(sql), params)]
    engine.dispose()
    return out


def one_winner(responses: list[httpx.Response]) -> list[dict]:
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * (len(responses) - 1), [r.text[:200] for r in responses if r.status_code != 409]
    return [r.json() for r in responses if r.status_code == 409]


def test_twenty_head_dispositions_of_one_request_one_wins(hosts):
    urls, db_url, world, client = hosts
    rid = flow.submit(client, world)["id"]
    losers = one_winner(race(urls, f"/api/v1/custody-requests/{rid}/actions/head_dispose", world.tokens["head"],
                             [{"note": f"teruskan {i}"} for i in range(20)]))
    # The losers are told what the head may still do here (nothing: it waits on the division head).
    assert all(b["state"] == "head_disposed" and b["allowed_actions"] == [] for b in losers)
    assert rows(db_url, "SELECT action FROM custody_steps WHERE request_id = :r ORDER BY id", r=rid) == [
        ("submit",), ("head_dispose",)]


def test_ten_reservations_with_different_slots_hold_one_allocation(hosts):
    urls, db_url, world, client = hosts
    rid = flow.submit(client, world, height_u=2)["id"]
    flow.to_assigned(client, world, rid)
    held_before = rows(db_url, "SELECT COUNT(*) FROM rack_units")[0][0]
    bodies = [{"rack_id": world.ids["rack2"], "u_bottom": 1 + 3 * i} for i in range(10)]
    losers = one_winner(race(urls, f"/api/v1/custody-requests/{rid}/actions/reserve_space",
                             world.tokens["officer"], bodies))
    assert all(b["state"] == "space_reserved" and "receive" in b["allowed_actions"] for b in losers)
    sid = rows(db_url, "SELECT server_id FROM custody_requests WHERE id = :r", r=rid)[0][0]
    live = rows(db_url, "SELECT id, u_bottom FROM allocations WHERE server_id = :s AND status != 'released'", s=sid)
    assert len(live) == 1
    # No orphaned U anywhere: the only U held since belong to that one allocation.
    assert rows(db_url, "SELECT COUNT(*) FROM rack_units")[0][0] == held_before + 2
    assert rows(db_url, "SELECT COUNT(*) FROM rack_units WHERE allocation_id = :a", a=live[0][0]) == [(2,)]
    assert rows(db_url, "SELECT COUNT(*) FROM custody_steps WHERE request_id = :r AND action = 'reserve_space'",
                r=rid) == [(1,)]


def test_twenty_triages_of_one_ticket_one_wins(hosts):
    urls, db_url, world, client = hosts
    from tests.support.tickets import catalogue
    service = catalogue(client, world)["SRV-CONFIG"]
    r = client.post("/api/v1/tickets", headers=world.auth("contact_a"),
                    json={"subject": "Server tidak dapat diakses", "description": "Sejak pagi"})
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    losers = one_winner(race(urls, f"/api/v1/tickets/{tid}/actions/triage", world.tokens["helpdesk"],
                             [{"service": service}] * 20))
    assert all("allowed_actions" in b for b in losers)
    assert rows(db_url, "SELECT action FROM ticket_steps WHERE ticket_id = :t ORDER BY id", t=tid) == [
        ("file",), ("triage",)]


def test_twenty_approvals_of_one_maintenance_case_one_wins(hosts):
    urls, db_url, world, client = hosts
    r = client.post("/api/v1/maintenance-cases", headers=world.auth("officer"), json={
        "server_id": world.ids["server_a"], "kind": "repair", "analysis": "Kipas PSU berisik"})
    assert r.status_code == 201, r.text
    mid = r.json()["id"]
    # The Kasi's nota dinas first (SOP 001 Perbaikan 2): twenty at once issue one memo, one number.
    one_winner(race(urls, f"/api/v1/maintenance-cases/{mid}/actions/issue_memo", world.tokens["section_head"],
                    [None] * 20))
    assert rows(db_url, "SELECT COUNT(*) FROM documents WHERE kind = 'nota_dinas'") == [(1,)]
    assert rows(db_url, "SELECT last FROM document_counters WHERE kind = 'nota_dinas'") == [(1,)]
    one_winner(race(urls, f"/api/v1/maintenance-cases/{mid}/actions/approve", world.tokens["division_head"],
                    [None] * 20))
    assert rows(db_url, "SELECT action FROM lifecycle_steps WHERE kind = 'maintenance' AND case_id = :c "
                        "ORDER BY id", c=mid) == [("request",), ("issue_memo",), ("approve",)]


def test_ten_basts_naming_one_asset_one_is_drawn_up(hosts):
    """Ten issuers put one laptop on ten BASTs at once, each with another laptop of its own (the
    overlaps in both orders): the asset goes on one BAST, the others are refused naming it."""
    urls, db_url, world, client = hosts

    def laptop(serial: str) -> int:
        r = client.post("/api/v1/servers", headers=world.auth("officer"), json={
            "unit_code": "DISKES", "brand": "Lenovo", "model": "T14", "serial_number": serial,
            "kind": "end_user_device"})
        assert r.status_code == 201, r.text
        return r.json()["id"]

    shared = laptop("RACE-LAP-0")
    own = [laptop(f"RACE-LAP-{i}") for i in range(1, 11)]
    bodies = [{"server_ids": [shared, o] if i % 2 else [o, shared], "to_unit": "BAPPEDA", "recipient_name": "Siti",
               "bast_number": f"BAST/RACE/{i}"} for i, o in enumerate(own)]
    responses = race(urls, "/api/v1/asset-issues", world.tokens["section_head"], bodies)
    assert sorted(r.status_code for r in responses) == [201] + [409] * 9, [r.text[:200] for r in responses]
    assert all(r.json()["server_id"] == shared for r in responses if r.status_code == 409)
    assert rows(db_url, "SELECT COUNT(*) FROM asset_issue_items WHERE server_id = :s", s=shared) == [(1,)]
    assert rows(db_url, "SELECT COUNT(*) FROM asset_issues WHERE bast_number LIKE 'BAST/RACE/%'") == [(1,)]


def test_twenty_office_signatures_of_one_bast_one_is_kept(hosts):
    urls, db_url, world, client = hosts
    r = client.post("/api/v1/servers", headers=world.auth("officer"), json={
        "unit_code": "DISKES", "brand": "Lenovo", "model": "T14", "serial_number": "RACE-SIGN-1",
        "kind": "end_user_device"})
    assert r.status_code == 201, r.text
    issue = client.post("/api/v1/asset-issues", headers=world.auth("section_head"), json={
        "server_id": r.json()["id"], "to_unit": "BAPPEDA", "recipient_name": "Siti", "bast_number": "BAST/SIGN/1"})
    assert issue.status_code == 201, issue.text
    iid = issue.json()["id"]
    losers = one_winner(race(urls, f"/api/v1/asset-issues/{iid}/actions/sign_as_giver", world.tokens["section_head"],
                             [{"name": "Kasi", "nip": "197001011995031001", "position": "Kepala Seksi"}] * 20))
    assert all(b["state"] == "giver_signed" and b["allowed_actions"] == [] for b in losers)
    assert rows(db_url, "SELECT side FROM asset_issue_signatures WHERE issue_id = :i", i=iid) == [("giver",)]
    assert rows(db_url, "SELECT action FROM procedure_steps WHERE kind = 'asset_issue' AND case_id = :i ORDER BY id",
                i=iid) == [("issue",), ("sign_as_giver",)]


def test_the_database_refuses_a_second_live_allocation_for_a_server(app, db_url, world):
    """Whatever path a future change takes, a server cannot hold two slots (partial unique index)."""
    from sqlalchemy.exc import IntegrityError

    engine = create_engine(db_url)
    sid = world.ids["server_a"]
    with pytest.raises(IntegrityError), engine.begin() as conn:
        for u in (1, 10):
            conn.execute(text("INSERT INTO allocations (rack_id, u_bottom, height_u, server_id, status, "
                              "created_by, created_at) VALUES (:r, :u, 2, :s, 'reserved', 't', "
                              "CURRENT_TIMESTAMP)"), {"r": world.ids["rack2"], "u": u, "s": sid})
    engine.dispose()

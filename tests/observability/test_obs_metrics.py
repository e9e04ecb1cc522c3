"""/metrics against the database it reads, on SQLite and PostgreSQL: values follow the data."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from obs_helpers import heartbeat, inventory, samples, value
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import select, update

from controller.db import unit_of_work
from controller.models import AccessCheck, CustodyRequest, ServerStatus
from controller.models.base import utcnow
from controller.services import custody as custody_service, space
from tests.support import custody
from tests.support.world import enrol_agent as enrol


def scrape(client) -> str:
    r = client.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return r.text


def send(client, agent: dict[str, str], kind: str, payload: dict) -> None:
    r = client.post("/api/v1/agents/reports", headers=agent,
                    json={"report_id": uuid.uuid4().hex, "kind": kind, "payload": payload})
    assert r.status_code == 200, r.text


def test_a_reservation_moves_its_height_from_free_to_reserved_then_occupied(app, client, world) -> None:
    def units(text: str) -> dict[str, float]:
        return {s: value(text, "titip_rack_units", rack="R01", state=s) for s in ("free", "reserved", "occupied")}

    before = scrape(client)
    assert units(before) == {"free": 42, "reserved": 0, "occupied": 0}
    assert value(before, "titip_rack_power_capacity_watts", rack="R01") == 5000
    assert value(before, "titip_rack_power_capacity_watts", rack="R02") is None      # no budget set
    r = client.post(f"/api/v1/racks/{world.ids['rack1']}/reservations", headers=world.auth("officer"),
                    json={"u_bottom": 10, "height_u": 2, "server_id": world.ids["server_a"]})
    assert r.status_code == 201, r.text
    reserved = scrape(client)
    assert units(reserved) == {"free": 40, "reserved": 2, "occupied": 0}
    assert value(reserved, "titip_rack_power_watts", rack="R01", state="reserved") == 750
    assert value(reserved, "titip_server_in_custody", server="SN-A-001") is None      # not arrived yet
    with unit_of_work(app.state.sessions, actor="test") as s:
        space.occupy(s, r.json()["id"])
    placed = scrape(client)
    assert units(placed) == {"free": 40, "reserved": 0, "occupied": 2}
    assert value(placed, "titip_rack_power_watts", rack="R01", state="occupied") == 750
    assert value(placed, "titip_server_in_custody", server="SN-A-001", unit="DISKES", rack="R01") == 1
    client.delete(f"/api/v1/racks/{world.ids['rack1']}/reservations/{r.json()['id']}", headers=world.auth("officer"))
    assert units(scrape(client)) == {"free": 42, "reserved": 0, "occupied": 0}


def test_custody_counts_and_overdue_steps_follow_the_service_times(app, client, world) -> None:
    ids = [custody.submit(client, world)["id"] for _ in range(3)]
    custody.act(client, world, ids[2], "head_dispose", "head", {"note": "lanjut"})
    with app.state.engine.begin() as conn:   # the first letter came in two weeks ago
        conn.execute(update(CustodyRequest.__table__).where(CustodyRequest.__table__.c.id == ids[0])
                     .values(state_since=utcnow() - timedelta(days=14)))
    text = scrape(client)
    assert value(text, "titip_custody_requests", state="submitted") == 2
    assert value(text, "titip_custody_requests", state="head_disposed") == 1
    assert value(text, "titip_custody_requests", state="returned") == 0
    assert value(text, "titip_servers", unit="DISKES", state="submitted") == 2
    assert value(text, "titip_servers", unit="DISKES", state="registered") == 1
    assert value(text, "titip_waitlist_length") == 0
    now = utcnow()
    with app.state.sessions() as s:
        expected: dict[str, int] = {}
        for req in s.scalars(select(CustodyRequest)):
            if (due := custody_service.due(app.state.settings, req)) is not None and now > due:
                expected[req.state] = expected.get(req.state, 0) + 1
    assert expected == {"submitted": 1}
    assert value(text, "titip_custody_overdue", state="submitted") == 1
    assert value(text, "titip_custody_overdue", state="head_disposed") == 0


def test_heartbeat_vitals_while_fresh_and_up_goes_to_zero_when_stale(app, client, world) -> None:
    agent = enrol(client, world)
    beat = heartbeat("srv-a")
    beat["filesystems"] += [{"mountpoint": f"/srv/{i}", "size_bytes": 10, "used_bytes": 1} for i in range(20)]
    send(client, agent, "heartbeat", beat)
    text = scrape(client)
    assert value(text, "titip_server_up", server="SN-A-001", unit="DISKES") == 1
    assert value(text, "titip_server_cpu_usage_ratio", server="SN-A-001") == 0.375
    assert value(text, "titip_server_memory_used_ratio", server="SN-A-001") == 0.625
    assert value(text, "titip_server_filesystem_used_ratio", server="SN-A-001", mountpoint="/var") == 0.92
    assert value(text, "titip_server_temperature_celsius", server="SN-A-001", sensor="coretemp") == 61.0
    assert value(text, "titip_server_temperature_high_celsius", server="SN-A-001", sensor="coretemp") == 84.0
    assert value(text, "titip_server_temperature_high_celsius", server="SN-A-001", sensor="nvme") is None
    mounts = [ls for (n, ls) in samples(text) if n == "titip_server_filesystem_used_ratio"]
    assert len(mounts) == 16                                  # bounded per server
    assert value(text, "titip_server_up", server="SN-B-001") is None   # no agent: not watched
    with app.state.engine.begin() as conn:
        conn.execute(update(ServerStatus.__table__).values(
            last_seen_at=utcnow() - timedelta(seconds=app.state.settings.heartbeat_stale_seconds + 5)))
    stale = scrape(client)
    assert value(stale, "titip_server_up", server="SN-A-001") == 0
    assert value(stale, "titip_server_cpu_usage_ratio", server="SN-A-001") is None
    assert value(stale, "titip_server_last_seen_timestamp_seconds", server="SN-A-001") is not None
    beat["cpu"]["percent"] = 90.0
    send(client, agent, "heartbeat", beat)                    # a new heartbeat replaces the cached one
    again = scrape(client)
    assert value(again, "titip_server_up", server="SN-A-001") == 1
    assert value(again, "titip_server_cpu_usage_ratio", server="SN-A-001") == 0.9


def test_vitals_of_a_heartbeat_stored_before_they_were_kept_at_ingest(app, client, world) -> None:
    """Rows from before migration 0008 have no packed vitals: the scrape reduces the heartbeat."""
    agent = enrol(client, world)
    send(client, agent, "heartbeat", heartbeat("srv-a"))
    with app.state.engine.begin() as conn:
        conn.execute(update(ServerStatus.__table__).values(vitals=None, last_seen_at=utcnow()))
    text = scrape(client)
    assert value(text, "titip_server_cpu_usage_ratio", server="SN-A-001") == 0.375
    assert value(text, "titip_server_filesystem_used_ratio", server="SN-A-001", mountpoint="/var") == 0.92


def test_inventory_time_by_source_and_open_findings(client, world) -> None:
    agent = enrol(client, world)
    send(client, agent, "inventory", inventory("srv-a", "SN-A-001", 64 * 2**30))
    text = scrape(client)
    assert value(text, "titip_inventory_last_timestamp_seconds", server="SN-A-001", source="agent") > 0
    assert value(text, "titip_drift_findings_open", unit="DISKES") == 0
    send(client, agent, "inventory", inventory("srv-a", "SN-A-001", 128 * 2**30))   # the RAM doubled
    text = scrape(client)
    assert value(text, "titip_findings_open", server="SN-A-001", kind="drift") == 1
    assert value(text, "titip_drift_findings_open", unit="DISKES") == 1
    assert value(text, "titip_drift_findings_open", unit="BAPPEDA") == 0


def test_probes_show_the_latest_round_with_bounded_labels(app, client, world) -> None:
    sid = world.ids["server_a"]
    old, new = utcnow() - timedelta(minutes=15), utcnow()
    with unit_of_work(app.state.sessions, actor="test") as s:
        s.add_all([AccessCheck(server_id=sid, kind="ssh", target="10.0.0.5:22", ok=False, checked_at=old),
                   AccessCheck(server_id=sid, kind="tcp", target="10.0.0.5:8080", ok=False, checked_at=old),
                   AccessCheck(server_id=sid, kind="ssh", target="10.0.0.5:22", ok=True, latency_ms=12.5,
                               checked_at=new),
                   AccessCheck(server_id=sid, kind="https", target="https://10.0.0.5/simpus/login", ok=True,
                               latency_ms=80, checked_at=new),
                   AccessCheck(server_id=sid, kind="https", target="https://10.0.0.5/api?id=9", ok=False,
                               checked_at=new)])
    text = scrape(client)
    probes = {dict(ls)["probe"]: v for (n, ls), v in samples(text).items() if n == "titip_access_probe_success"}
    assert probes == {"ssh:22": 1, "https:443": 0}           # no paths, no old round; two URLs: the worse
    assert value(text, "titip_access_probe_latency_seconds", probe="ssh:22") == 0.0125
    assert value(text, "titip_access_probe_last_timestamp_seconds", server="SN-A-001") == pytest.approx(
        new.timestamp(), abs=0.01)
    with unit_of_work(app.state.sessions, actor="test") as s:   # the next round: the web app is back
        s.add(AccessCheck(server_id=sid, kind="https", target="https://10.0.0.5/", ok=True, latency_ms=50,
                          checked_at=new + timedelta(minutes=15)))
    text = scrape(client)
    probes = {dict(ls)["probe"]: v for (n, ls), v in samples(text).items() if n == "titip_access_probe_success"}
    assert probes == {"https:443": 1}


def test_request_metrics_use_route_templates_not_paths(client, world) -> None:
    client.get(f"/api/v1/racks/{world.ids['rack1']}", headers=world.auth("officer"))
    client.get("/api/v1/racks/999999", headers=world.auth("officer"))
    client.get("/no/such/page")
    found = samples(scrape(client))
    routes = {dict(ls)["route"] for (n, ls) in found if n == "titip_http_requests_total"}
    assert "/api/v1/racks/{rack_id}" in routes and "unmatched" in routes
    assert not any(r.rstrip("/").split("/")[-1].isdigit() for r in routes), routes
    codes = {dict(ls)["code"] for (n, ls) in found
             if n == "titip_http_requests_total" and dict(ls)["route"] == "/api/v1/racks/{rack_id}"}
    assert codes == {"200", "404"}
    assert ("titip_http_request_duration_seconds_count",
            frozenset({"method": "GET", "route": "/api/v1/racks/{rack_id}"}.items())) in found


def test_the_fast_writer_says_what_prometheus_client_says(app, client, world) -> None:
    from controller.services import setup

    send(client, enrol(client, world), "heartbeat", heartbeat("srv-a"))
    with unit_of_work(app.state.sessions, actor="test") as s:   # label values that need escaping
        setup.create_rack(s, world.ids["room"], 'Rak "B"\\2\nlama', 42, None)
    collector = app.state.metrics_collector
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    from controller.metrics import render

    ours, theirs = samples(render(collector.collect()).decode()), samples(generate_latest(registry).decode())
    ours.pop(("titip_metrics_collect_seconds", frozenset()))
    theirs.pop(("titip_metrics_collect_seconds", frozenset()))
    assert ours == theirs and len(ours) > 50
    labels = frozenset({"room": "Ruang Server Utama", "rack": 'Rak "B"\\2\nlama'}.items())
    assert ("titip_rack_height_units", labels) in ours


def test_metrics_token_is_required_once_set(settings) -> None:
    from fastapi.testclient import TestClient

    from controller.app import create_app

    app = create_app(settings.model_copy(update={"metrics_token": "s3cret-token"}))
    try:
        with TestClient(app) as c:
            assert c.get("/metrics").status_code == 401
            assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
            ok = c.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
            assert ok.status_code == 200 and "titip_rack_units" in ok.text
            assert "/metrics" not in c.get("/openapi.json").json()["paths"]
    finally:
        app.state.engine.dispose()
        app.state.read_engine.dispose()
        app.state.ingest_engine.dispose()


def test_no_secret_reaches_the_page(client, world) -> None:
    enrol(client, world)
    text = scrape(client)
    for secret in ("titip_agt_", "titip_enr_", "password", "$argon2"):
        assert secret not in text
    assert json.dumps(world.tokens["officer"]) not in text


def test_tickets_by_state_and_overdue(app, client, world) -> None:
    from controller.models import Ticket

    assert value(scrape(client), "titip_tickets", state="submitted") == 0
    for _ in range(2):
        r = client.post("/api/v1/tickets", headers=world.auth("contact_a"),
                        json={"subject": "Lambat", "description": "Aplikasi lambat"})
        assert r.status_code == 201
    with app.state.sessions() as s:   # one of them was filed two weeks ago and nobody took it
        s.execute(update(Ticket).where(Ticket.id == r.json()["id"]).values(state_since=utcnow() - timedelta(days=14)))
        s.commit()
    text = scrape(client)
    assert value(text, "titip_tickets", state="submitted") == 2
    assert value(text, "titip_tickets_overdue", state="submitted") == 1


@pytest.mark.parametrize("open_", [False, True])
def test_metrics_without_a_token_is_closed_unless_opened_explicitly(settings, open_) -> None:
    """Anyone reaching the port would read every server's serial, unit and hostname."""
    from fastapi.testclient import TestClient

    from controller.app import create_app

    app = create_app(settings.model_copy(update={"metrics_token": None, "metrics_open": open_}))
    try:
        with TestClient(app) as c:
            r = c.get("/metrics")
            if open_:
                assert r.status_code == 200 and "titip_rack_units" in r.text
            else:
                assert r.status_code == 401 and "TITIP_METRICS_TOKEN" in r.text
                assert "titip_" not in r.text
    finally:
        app.state.engine.dispose()
        app.state.read_engine.dispose()
        app.state.ingest_engine.dispose()

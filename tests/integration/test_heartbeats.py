"""The live-heartbeat path (one heartbeat, one statement on PostgreSQL), on both databases:
what an agent and an officer see must be what the general ingest gives."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select, text

from controller.domain import vitals
from controller.models import AgentReport, ServerStatus
from tests.support.world import enrol_agent as enrol


def beat(report_id: str | None = None, cpu: float = 42.0, **extra) -> dict:
    return {"report_id": report_id or uuid.uuid4().hex, "kind": "heartbeat", **extra,
            "payload": {"source": "agent", "hostname": "srv-a", "cpu": {"percent": cpu, "load_1": 0.5},
                        "memory": {"total_bytes": 2**34, "used_percent": 25.0},
                        "filesystems": [{"mountpoint": "/", "size_bytes": 1000, "used_bytes": 910}]}}


def test_one_heartbeat_is_stored_once_and_becomes_the_servers_condition(app, client, world) -> None:
    agent = enrol(client, world)
    sid = world.ids["server_a"]
    first = beat("hb-000000000001", cpu=42.0, sent_at="2026-11-24T01:00:00+07:00", dropped_heartbeats=3)
    r = client.post("/api/v1/agents/reports", headers=agent, json=first)
    assert r.status_code == 200 and r.json() == {"stored": True, "inventory_requested": False}
    again = client.post("/api/v1/agents/reports", headers=agent, json={**first, "payload": beat(cpu=99.0)["payload"]})
    assert again.json() == {"stored": False, "inventory_requested": False}      # same id: ignored
    server = client.get(f"/api/v1/servers/{sid}", headers=world.auth("officer")).json()
    assert server["monitoring"]["condition"]["cpu"]["percent"] == 42.0
    assert server["monitoring"]["last_seen_at"] is not None
    stored = client.get(f"/api/v1/servers/{sid}/reports?kind=heartbeat", headers=world.auth("officer")).json()
    assert [i["report_id"] for i in stored["items"]] == ["hb-000000000001"]
    with app.state.sessions() as s:
        report = s.scalar(select(AgentReport))
        status = s.get(ServerStatus, sid)
    assert report.sent_at.isoformat() == "2026-11-23T18:00:00+00:00"          # kept in UTC
    assert report.dropped_heartbeats == 3 and status.dropped_heartbeats == 3
    assert json.loads(report.payload)["cpu"]["percent"] == 42.0
    assert vitals.unpack(status.vitals).filesystems == (("/", 0.91, 1000.0),)   # what the metrics read


def test_the_reply_asks_for_an_inventory_when_an_officer_wants_one(client, world) -> None:
    agent = enrol(client, world)
    assert client.post("/api/v1/agents/reports", headers=agent, json=beat()).json()["inventory_requested"] is False
    r = client.post(f"/api/v1/servers/{world.ids['server_a']}/inventory-request", headers=world.auth("officer"))
    assert r.status_code == 200, r.text
    assert client.post("/api/v1/agents/reports", headers=agent, json=beat()).json()["inventory_requested"] is True


def test_refusals_on_a_single_heartbeat_write_nothing_but_the_audit_event(app, client, world) -> None:
    agent = enrol(client, world)
    for headers, body, status in (
            ({"Authorization": "Bearer titip_agt_not-a-real-credential"}, beat(), 401),
            (agent, beat(server_id=world.ids["server_b"]), 403),
            ({}, beat(), 401)):
        r = client.post("/api/v1/agents/reports", headers=headers, json=body)
        assert r.status_code == status, r.text
    bad = client.post("/api/v1/agents/reports", headers=agent, json=beat(cpu="busy"))
    assert bad.status_code == 422 and bad.json()["field"] == "payload.cpu.percent"
    with app.state.sessions() as s:
        assert s.scalar(select(AgentReport)) is None
        assert s.get(ServerStatus, world.ids["server_a"]) is None
    events = client.get("/api/v1/audit/events?entity=agent", headers=world.auth("admin")).json()["items"]
    reasons = sorted(json.loads(e["after"])["reason"] for e in events if e["action"] == "refused")
    assert reasons == [f"reported for server {world.ids['server_b']}", "unknown credential"]


def test_heartbeats_survive_the_database_dropping_its_connections(app, client, world, db_url) -> None:
    """A PostgreSQL restart or failover closes every pooled connection; the next heartbeat is
    stored anyway (the autocommitted statement is retried once on a fresh connection)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's pooled connections only")
    agent = enrol(client, world)
    assert client.post("/api/v1/agents/reports", headers=agent, json=beat()).json()["stored"] is True
    with app.state.engine.connect() as conn:
        killed = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    assert killed >= 1
    r = client.post("/api/v1/agents/reports", headers=agent, json=beat("hb-after-restart"))
    assert r.status_code == 200 and r.json()["stored"] is True
    stored = client.get(f"/api/v1/servers/{world.ids['server_a']}/reports", headers=world.auth("officer")).json()
    assert stored["items"][-1]["report_id"] == "hb-after-restart"

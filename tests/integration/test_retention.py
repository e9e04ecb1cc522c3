"""Retention: old heartbeats and probe results go, inventories and each server's latest probe
round stay, on SQLite and PostgreSQL, from the service, the nightly job and `titip retention run`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import func, select

from controller import jobs
from controller.db import unit_of_work
from controller.models import AccessCheck, AgentReport
from controller.models.base import utcnow
from controller.services import retention
from tests.support import custody


def _reports(app, reports: list[tuple[int, str, int]], now) -> None:
    """(server, kind, days ago), oldest first, as the controller would have received them."""
    with unit_of_work(app.state.sessions, "test-setup") as s:
        for server_id, kind, days in reports:
            s.add(AgentReport(report_id=f"{server_id}-{kind}-{days}", server_id=server_id, kind=kind,
                              received_at=now - timedelta(days=days), payload="{}"))


def _rounds(app, rounds: list[tuple[int, int, int]], now) -> None:
    """(server, days ago, checks in the round), oldest first: one timestamp per round."""
    with unit_of_work(app.state.sessions, "test-setup") as s:
        for server_id, days, n in rounds:
            for port in range(n):
                s.add(AccessCheck(server_id=server_id, kind="tcp", target=f"10.0.0.1:{22 + port}", ok=True,
                                  checked_at=now - timedelta(days=days)))


def _kept_rounds(app, now) -> dict[int, dict[int, int]]:
    """server -> {days ago: checks left}."""
    out: dict[int, dict[int, int]] = {}
    with app.state.sessions() as s:
        for sid, at, n in s.execute(select(AccessCheck.server_id, AccessCheck.checked_at, func.count())
                                    .group_by(AccessCheck.server_id, AccessCheck.checked_at)):
            out.setdefault(sid, {})[round((now - at) / timedelta(days=1))] = n
    return out


def _prune_events(client, world) -> list[dict]:
    r = client.get("/api/v1/audit/events", params={"entity": "retention"}, headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    return [json.loads(e["after"]) for e in r.json()["items"] if e["action"] == "prune"]


def test_old_heartbeats_go_while_recent_ones_and_every_inventory_stay(app, client, world):
    now, sid, other = utcnow(), world.ids["server_a"], world.ids["server_b"]
    _reports(app, [(sid, "inventory", 400), (sid, "heartbeat", 200), (other, "heartbeat", 120),
                   (sid, "heartbeat", 91), (sid, "heartbeat", 89), (other, "heartbeat", 3),
                   (sid, "inventory", 2), (sid, "heartbeat", 1)], now)

    # a chunk of two rows: the walk takes several transactions and must still find them all
    counts = retention.prune(app.state.sessions, app.state.settings, now, chunk=2)

    assert counts == {"heartbeats": 3, "access_checks": 0}
    left = client.get(f"/api/v1/servers/{sid}/reports", headers=world.auth("officer")).json()["items"]
    assert [r["report_id"] for r in left] == [f"{sid}-inventory-400", f"{sid}-heartbeat-89",
                                              f"{sid}-inventory-2", f"{sid}-heartbeat-1"]
    left = client.get(f"/api/v1/servers/{other}/reports", headers=world.auth("officer")).json()["items"]
    assert [r["report_id"] for r in left] == [f"{other}-heartbeat-3"]
    [event] = _prune_events(client, world)
    assert event["heartbeats"] == 3 and event["access_checks"] == 0 and event["heartbeat_days"] == 90
    assert client.get("/api/v1/audit/verify", headers=world.auth("admin")).json()["ok"] is True

    # nothing left to prune: nothing deleted, no second event
    assert retention.prune(app.state.sessions, app.state.settings, now) == {"heartbeats": 0, "access_checks": 0}
    assert len(_prune_events(client, world)) == 1


def test_each_servers_latest_probe_round_stays_however_old(app, client, world):
    now, a, b = utcnow(), world.ids["server_a"], world.ids["server_b"]
    # b was returned long ago: its last round (250 days old) is all that says how it was reached
    _rounds(app, [(a, 300, 3), (b, 300, 1), (b, 250, 2), (a, 200, 2), (a, 10, 2), (a, 5, 2)], now)
    settings = app.state.settings.model_copy(update={"retention_heartbeat_days": 0})

    counts = retention.prune(app.state.sessions, settings, now, chunk=3)

    assert counts == {"heartbeats": 0, "access_checks": 6}
    assert _kept_rounds(app, now) == {a: {10: 2, 5: 2}, b: {250: 2}}
    [event] = _prune_events(client, world)
    assert event["access_checks"] == 6 and event["access_check_days"] == 90


def test_the_checks_of_the_configure_step_stay_as_evidence(app, client, world):
    """What the configure step verified is the record that access worked before the unit was
    told so: it stays after its 15-minute successors have been pruned."""
    rid = custody.submit(client, world)["id"]
    custody.to_handed_over(client, world, rid)
    custody.act(client, world, rid, "place", "officer")
    custody.act(client, world, rid, "configure", "officer",
                {"management_ip": "127.0.0.1", "access_checks": [{"kind": "tcp", "port": 9}]})
    now = utcnow()
    with app.state.sessions() as s:
        sid = s.scalar(select(AccessCheck.server_id))
    later = now + timedelta(days=200)
    _rounds(app, [(sid, -100, 1), (sid, -199, 1)], now)        # scheduled rounds after it

    counts = retention.prune(app.state.sessions, app.state.settings, later)

    assert counts["access_checks"] == 1                       # the old scheduled round only
    checks = client.get(f"/api/v1/custody-requests/{rid}", headers=world.auth("officer")).json()["access_checks"]
    assert [c["target"] for c in checks] == ["127.0.0.1:9"]   # the configure step's check


def test_zero_keeps_everything_forever(app, client, world):
    now, a = utcnow(), world.ids["server_a"]
    _reports(app, [(a, "heartbeat", 3650), (a, "inventory", 3650)], now)
    _rounds(app, [(a, 3650, 2), (a, 1, 1)], now)
    settings = app.state.settings.model_copy(update={"retention_heartbeat_days": 0,
                                                     "retention_access_check_days": 0})

    assert retention.prune(app.state.sessions, settings, now) == {"heartbeats": 0, "access_checks": 0}

    assert len(client.get(f"/api/v1/servers/{a}/reports", headers=world.auth("officer")).json()["items"]) == 2
    assert _kept_rounds(app, now) == {a: {3650: 2, 1: 1}}
    assert _prune_events(client, world) == []


def test_the_nightly_job_prunes_with_the_configured_days(app, world):
    now, a = utcnow(), world.ids["server_a"]
    _reports(app, [(a, "heartbeat", 40), (a, "heartbeat", 20)], now)
    _rounds(app, [(a, 40, 1), (a, 20, 1), (a, 1, 1)], now)
    settings = app.state.settings.model_copy(update={"retention_heartbeat_days": 30,
                                                     "retention_access_check_days": 10})

    assert jobs.prune_measurements(app.state.sessions, settings) == {"heartbeats": 1, "access_checks": 2}
    assert _kept_rounds(app, now) == {a: {1: 1}}


def _titip(*args: str, db_url: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TITIP_DATABASE_URL": db_url, **extra_env}
    return subprocess.run([sys.executable, "-m", "controller.cli", *args], env=env, check=False,
                          capture_output=True, text=True, timeout=120)


def test_cli_prints_what_it_pruned(app, world, db_url):
    now, a = utcnow(), world.ids["server_a"]
    _reports(app, [(a, "heartbeat", 100), (a, "inventory", 100), (a, "heartbeat", 1)], now)
    _rounds(app, [(a, 100, 1), (a, 1, 1)], now)

    r = _titip("retention", "run", db_url=db_url, TITIP_RETENTION_HEARTBEAT_DAYS="0")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["heartbeats pruned: 0 (retention 0: kept forever)",
                                     "access checks pruned: 1 (older than 90 days)"]

    r = _titip("retention", "run", db_url=db_url)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["heartbeats pruned: 1 (older than 90 days)",
                                     "access checks pruned: 0 (older than 90 days)"]
    with app.state.sessions() as s:
        assert sorted(s.scalars(select(AgentReport.kind))) == ["heartbeat", "inventory"]

    r = _titip("retention", "run", db_url=db_url, TITIP_RETENTION_ACCESS_CHECK_DAYS="-1")
    assert r.returncode != 0 and "TITIP_RETENTION_ACCESS_CHECK_DAYS" in r.stderr   # names the variable to fix

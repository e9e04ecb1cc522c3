"""Retention: old heartbeats and probe results go, inventories and each server's latest probe
round stay, on SQLite and PostgreSQL, from the service, the nightly job and `titip retention run`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

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

    # every check succeeded: each server's first one stays (an edge of its history), the repeats go
    assert counts == {"heartbeats": 0, "access_checks": 4}
    assert _kept_rounds(app, now) == {a: {300: 1, 10: 2, 5: 2}, b: {300: 1, 250: 2}}
    [event] = _prune_events(client, world)
    assert event["access_checks"] == 4 and event["access_check_days"] == 90


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
    # scheduled rounds after it: the first of them differs from the configure step's (port 9 is
    # closed, these succeed), an edge that stays; the second repeats it
    _rounds(app, [(sid, -100, 1), (sid, -101, 1), (sid, -199, 1)], now)

    counts = retention.prune(app.state.sessions, app.state.settings, later)

    assert counts["access_checks"] == 1                       # the old repeating round only
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

    assert jobs.prune_measurements(app.state.sessions, settings) == {"heartbeats": 1, "access_checks": 1}
    assert _kept_rounds(app, now) == {a: {40: 1, 1: 1}}      # the first check stays: an edge


def _titip(*args: str, db_url: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TITIP_DATABASE_URL": db_url, **extra_env}
    return subprocess.run([sys.executable, "-m", "controller.cli", *args], env=env, check=False,
                          capture_output=True, text=True, timeout=120)


def test_cli_prints_what_it_pruned(app, world, db_url):
    now, a = utcnow(), world.ids["server_a"]
    _reports(app, [(a, "heartbeat", 100), (a, "inventory", 100), (a, "heartbeat", 1)], now)
    _rounds(app, [(a, 100, 1), (a, 99, 1), (a, 1, 1)], now)   # 99 repeats 100, the first check

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


def _down_hours(checks: list[tuple[str, bool, datetime]], start: datetime, end: datetime) -> float:
    """Worked out from the seeded checks alone: per kind, down from a failure to the next success;
    the kinds' spells merged, then cut to [start, end)."""
    spells: list[tuple[datetime, datetime]] = []
    for kind in {k for k, _ok, _at in checks}:
        since = None
        for _k, ok, at in sorted((c for c in checks if c[0] == kind), key=lambda c: c[2]):
            if not ok and since is None:
                since = at
            elif ok and since is not None:
                spells.append((since, at))
                since = None
    seconds, reach = 0.0, start
    for s, e in sorted(spells):
        s, e = max(s, reach), min(e, end)
        if e > s:
            seconds += (e - s).total_seconds()
            reach = e
    return round(seconds / 3600, 2)


def test_an_old_down_spell_keeps_its_exact_downtime_after_the_repeats_are_pruned(app, client, world):
    """Hourly ping and ssh checks of a server 200 days ago, with ping down across the start of a
    two-day period and both down (overlapping) inside it: after retention the evaluation of that
    period gives the hours worked out here from the seeds, and the repeated checks are gone."""
    now, sid = utcnow(), world.ids["server_a"]
    day = (now - timedelta(days=200)).date()
    start = datetime.combine(day, time(0), ZoneInfo("Asia/Jakarta")).astimezone(UTC)   # the period's start
    end = start + timedelta(days=2)

    def down(kind: str, at: datetime) -> bool:
        h = (at - start) / timedelta(hours=1)
        return (kind == "ping" and (-8 <= h < 4 or 22 <= h < 27)) or (kind == "ssh" and 24 <= h < 31)

    hours = [start + timedelta(hours=h) for h in range(-48, 96)]
    seeded = [(kind, not down(kind, at), at) for at in hours for kind in ("ping", "ssh")]
    with unit_of_work(app.state.sessions, "test-setup") as s:
        for kind, ok, at in seeded:
            s.add(AccessCheck(server_id=sid, kind=kind, target="10.0.0.1", ok=ok, checked_at=at))
    expected = _down_hours(seeded, start, end)
    assert expected == 4 + (31 - 22)   # the spells above, merged and cut to the period: 00-04 and 22-31 hours

    def downtime() -> float:
        params = {"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()}
        r = client.get("/api/v1/evaluations", params=params, headers=world.auth("head"))
        assert r.status_code == 200, r.text
        return next(d["downtime_hours"] for d in r.json()["downtime"] if d["server_id"] == sid)

    assert downtime() == expected
    counts = retention.prune(app.state.sessions, app.state.settings.model_copy(
        update={"retention_heartbeat_days": 0}), now, chunk=50)

    # kept: the first check of each kind, each change of result, and the latest round (both kinds)
    edges = set()
    for kind in ("ping", "ssh"):
        mine = [c for c in seeded if c[0] == kind]
        edges |= {mine[i] for i in range(len(mine)) if i == 0 or mine[i][1] != mine[i - 1][1]}
    edges |= {c for c in seeded if c[2] == hours[-1]}
    assert counts["access_checks"] == len(seeded) - len(edges) > 200
    with app.state.sessions() as s:
        left = {(k, ok, at) for k, ok, at in s.execute(
            select(AccessCheck.kind, AccessCheck.ok, AccessCheck.checked_at).where(AccessCheck.server_id == sid))}
    assert left == edges
    assert downtime() == expected
    assert retention.prune(app.state.sessions, app.state.settings, now)["access_checks"] == 0   # nothing more

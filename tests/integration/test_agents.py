"""The real agent process against the real controller: enrolment, reports, drift, outages."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest
from sqlalchemy import create_engine, text

from tests.support.controller import start_controller


@pytest.fixture
def live(served):
    world, ctl, env = served
    state = {"ctl": ctl, "env": env}
    with httpx.Client(base_url=ctl.url, timeout=30) as client:
        yield client, world, state
    state["ctl"].stop()  # a test may have restarted it


def agent(*args: str, timeout: float = 60, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agent", *args], capture_output=True, text=True,
                          timeout=timeout, input=stdin)


def enrol(client, world, state_dir: Path) -> str:
    r = client.post(f"/api/v1/servers/{world.ids['server_a']}/enrollment-tokens", headers=world.auth("officer"))
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    out = agent("enroll", "--controller", str(client.base_url), "--token", "-", "--state-dir", str(state_dir),
                stdin=token)
    assert out.returncode == 0, out.stderr
    return token


def fast_retries(state_dir: Path) -> None:
    cfg = state_dir / "config.json"
    data = json.loads(cfg.read_text())
    data.update(backoff_base_seconds=0.2, backoff_max_seconds=1.0)
    cfg.write_text(json.dumps(data))


def test_enrol_once_and_report_what_psutil_sees(live, tmp_path):
    client, world, _ = live
    token = enrol(client, world, tmp_path)
    cred = [p for p in tmp_path.iterdir() if "cred" in p.name]
    assert cred and stat.S_IMODE(cred[0].stat().st_mode) == 0o600
    assert token not in (tmp_path / "config.json").read_text()

    again = agent("enroll", "--controller", str(client.base_url), "--token", "-", "--state-dir",
                  str(tmp_path / "other"), stdin=token)
    assert again.returncode != 0                                  # a token works once
    events = client.get("/api/v1/audit/events?action=refused", headers=world.auth("admin")).json()["items"]
    assert any(e["action"] == "refused" and "replayed" in (e["after"] or "") for e in events)

    out = agent("once", "--state-dir", str(tmp_path))
    assert out.returncode == 0, out.stderr
    server = client.get(f"/api/v1/servers/{world.ids['server_a']}", headers=world.auth("contact_a")).json()
    mon = server["monitoring"]
    assert mon["up"] is True and mon["inventory_source"] == "agent", mon
    assert mon["inventory"]["hostname"] == socket.gethostname()
    assert mon["inventory"]["memory_bytes"] == psutil.virtual_memory().total
    assert mon["inventory"]["cpu"]["threads"] == psutil.cpu_count()
    assert mon["condition"]["memory"]["total_bytes"] == psutil.virtual_memory().total
    reports = client.get(f"/api/v1/servers/{world.ids['server_a']}/reports", headers=world.auth("officer")).json()
    assert [r["kind"] for r in reports["items"]] == ["inventory", "heartbeat"]
    # the other unit's contact person sees none of it
    assert client.get(f"/api/v1/servers/{world.ids['server_a']}/reports",
                      headers=world.auth("contact_b")).status_code == 404


def test_drift_opens_a_finding_the_officer_accepts(live, tmp_path, db_url):
    client, world, _ = live
    enrol(client, world, tmp_path)
    assert agent("once", "--state-dir", str(tmp_path)).returncode == 0
    sid = world.ids["server_a"]
    # The office recorded half the memory this machine really has.
    engine = create_engine(db_url)
    with engine.begin() as conn:
        hw = json.loads(conn.execute(text("SELECT hardware FROM server_status WHERE server_id = :s"), {"s": sid})
                        .scalar_one())
        hw["memory_bytes"] //= 2
        conn.execute(text("UPDATE server_status SET hardware = :h WHERE server_id = :s"),
                     {"h": json.dumps(hw), "s": sid})
    engine.dispose()
    assert agent("once", "--state-dir", str(tmp_path)).returncode == 0
    found = client.get(f"/api/v1/findings?status=open&server_id={sid}", headers=world.auth("officer")).json()
    [f] = [f for f in found["items"] if f["field"] == "memory_bytes"]
    assert f["observed"] == str(psutil.virtual_memory().total)
    assert client.post(f"/api/v1/findings/{f['id']}/accept", headers=world.auth("contact_a")).status_code == 403
    r = client.post(f"/api/v1/findings/{f['id']}/accept", headers=world.auth("officer"),
                    json={"note": "RAM ditambah unit"})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert agent("once", "--state-dir", str(tmp_path)).returncode == 0
    found = client.get(f"/api/v1/findings?status=open&server_id={sid}", headers=world.auth("officer")).json()
    assert not [f for f in found["items"] if f["field"] == "memory_bytes"]


def test_revoked_agent_is_refused_and_audited(live, tmp_path):
    client, world, _ = live
    enrol(client, world, tmp_path)
    assert agent("once", "--state-dir", str(tmp_path)).returncode == 0
    reports = client.get(f"/api/v1/servers/{world.ids['server_a']}/reports", headers=world.auth("officer")).json()
    credential = next(p for p in tmp_path.iterdir() if "cred" in p.name).read_text().strip()
    agent_id = json.loads((tmp_path / "config.json").read_text()).get("agent_id")
    assert client.delete(f"/api/v1/agents/{agent_id}", headers=world.auth("officer")).status_code == 200
    r = client.post("/api/v1/agents/reports", headers={"Authorization": f"Bearer {credential}"}, json={
        "report_id": "0123456789abcdef", "kind": "heartbeat", "payload": {"source": "agent", "hostname": "x"}})
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    events = client.get("/api/v1/audit/events?entity=agent", headers=world.auth("admin")).json()["items"]
    assert events[0]["action"] == "refused" and "revoked" in events[0]["after"]
    assert reports["total"] == 2


def test_reports_validated_and_deduplicated(live, tmp_path):
    client, world, _ = live
    enrol(client, world, tmp_path)
    credential = next(p for p in tmp_path.iterdir() if "cred" in p.name).read_text().strip()
    h = {"Authorization": f"Bearer {credential}"}
    beat = {"report_id": "aaaaaaaa-0001", "kind": "heartbeat", "sent_at": "2026-11-24T01:00:00Z",
            "payload": {"source": "agent", "hostname": "srv", "uptime_seconds": 5}}
    first = client.post("/api/v1/agents/reports", headers=h, json={"reports": [beat]}).json()
    again = client.post("/api/v1/agents/reports", headers=h, json={"reports": [beat]}).json()
    assert first["results"][0]["stored"] is True and again["results"][0]["stored"] is False
    bad = client.post("/api/v1/agents/reports", headers=h, json={"reports": [
        {**beat, "report_id": "aaaaaaaa-0002", "payload": {"source": "agent", "hostname": "s",
                                                           "memory": {"total_bytes": "lots"}}}]})
    assert bad.status_code == 422 and bad.json()["field"].startswith("reports.0.payload.memory")
    other = client.post("/api/v1/agents/reports", headers=h,
                        json={**beat, "report_id": "aaaaaaaa-0003", "server_id": world.ids["server_b"]})
    assert other.status_code == 403
    assert client.post("/api/v1/agents/reports", json=beat).status_code == 401
    reports = client.get(f"/api/v1/servers/{world.ids['server_a']}/reports?kind=heartbeat",
                         headers=world.auth("officer")).json()
    assert [r["report_id"] for r in reports["items"]] == ["aaaaaaaa-0001"]


def test_controller_outage_loses_nothing_and_keeps_order(live, tmp_path, db_url):
    client, world, state = live
    enrol(client, world, tmp_path)
    fast_retries(tmp_path)
    port = int(str(client.base_url).rsplit(":", 1)[1].strip("/"))
    proc = subprocess.Popen([sys.executable, "-m", "agent", "run", "--state-dir", str(tmp_path),
                             "--interval", "0.5", "--once-cycles", "16"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)
        state["ctl"].stop()                       # the controller is away for a while
        time.sleep(3)
        state["ctl"] = start_controller(db_url, state["env"], port=port)
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        stderr = proc.stderr.read()
        proc.stderr.close()                       # an unclosed pipe is a ResourceWarning, an error here
    assert proc.returncode == 0, stderr
    # What was still spooled when it stopped goes out first on its next start.
    again = agent("run", "--state-dir", str(tmp_path), "--interval", "0.5", "--once-cycles", "2")
    assert again.returncode == 0, again.stderr
    spool = tmp_path / "spool"
    assert not spool.exists() or not any(spool.iterdir()), "reports left in the spool"
    reports = client.get(f"/api/v1/servers/{world.ids['server_a']}/reports?limit=500",
                         headers=world.auth("officer")).json()["items"]
    beats = [r for r in reports if r["kind"] == "heartbeat"]
    assert len(beats) == 18
    assert len({r["report_id"] for r in reports}) == len(reports)
    sent = [r["sent_at"] for r in beats]
    assert sent == sorted(sent)                   # replayed in the order they were made
    assert os.path.exists(tmp_path / "config.json")

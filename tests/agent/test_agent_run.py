"""The run loop against a real controller on 127.0.0.1: delivery, outages, refusals, SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from agent_helpers import REPO, FakeController, run_agent, spooled

from agent.config import load_config
from agent.runner import Agent


def _run(state_dir: Path, cycles: int, interval: float = 0.2) -> subprocess.CompletedProcess[str]:
    result = run_agent("run", "--state-dir", str(state_dir), "--interval", str(interval),
                       "--once-cycles", str(cycles))
    assert result.returncode == 0, result.stderr
    return result


def test_run_sends_an_inventory_then_heartbeats(state_dir: Path, controller: FakeController) -> None:
    result = _run(state_dir, cycles=3)

    assert controller.kinds() == ["inventory", "heartbeat", "heartbeat", "heartbeat"]
    (credential,) = controller.credentials
    assert set(controller.auth_headers) == {f"Bearer {credential}"}
    ids = [r["report_id"] for r in controller.stored]
    assert len(set(ids)) == 4 and all(uuid.UUID(i).version == 4 for i in ids)
    inventory, heartbeat = controller.stored[0], controller.stored[1]
    assert inventory["payload"]["memory_bytes"] > 0 and inventory["payload"]["disks"] is not None
    assert heartbeat["payload"]["memory"]["total_bytes"] == inventory["payload"]["memory_bytes"]
    assert all(r["dropped_heartbeats"] == 0 for r in controller.stored)
    assert spooled(state_dir) == []
    assert credential not in result.stderr


def test_inventory_is_resent_when_the_controller_asks(state_dir: Path, controller: FakeController) -> None:
    controller.request_inventory = True
    _run(state_dir, cycles=2)
    assert controller.kinds() == ["inventory", "heartbeat", "inventory", "heartbeat"]


def test_outage_spools_reports_and_replays_them_in_order_once(
        state_dir: Path, controller: FakeController) -> None:
    controller.stop()
    down = _run(state_dir, cycles=3, interval=0.1)
    assert "cannot reach controller" in down.stderr
    waiting = spooled(state_dir)
    assert [r["kind"] for r in waiting] == ["inventory", "heartbeat", "heartbeat", "heartbeat"]

    controller.start()  # back on the same port
    _run(state_dir, cycles=1)

    ids = [r["report_id"] for r in controller.stored]
    assert ids[:4] == [r["report_id"] for r in waiting]  # the backlog first, oldest first
    assert controller.kinds() == ["inventory", "heartbeat", "heartbeat", "heartbeat",
                                  "inventory", "heartbeat"]
    assert len(ids) == len(set(ids))
    times = [r["payload"]["collected_at"] for r in controller.stored]
    assert times == sorted(times)
    assert spooled(state_dir) == []


def test_a_flaky_controller_gets_every_report_stored_once(
        state_dir: Path, controller: FakeController) -> None:
    """503s and a lost reply mid-run: retries keep the report_id, nothing is lost or doubled."""
    controller.forced = [503, 503, "store-then-500", 502]
    config = load_config(state_dir)
    # Room for the four retries (up to 0.55 s of backoff) after the start-up inventory, which
    # a child process collects (~0.2 s on a busy machine).
    config.interval_seconds = 0.6
    agent = Agent(config)
    agent.run(cycles=3)

    ids = [r["report_id"] for r in controller.stored]
    assert controller.kinds() == ["inventory", "heartbeat", "heartbeat", "heartbeat"]
    assert len(ids) == len(set(ids))
    sent = [r["report_id"] for r in controller.received]
    assert set(sent) == set(ids)  # retries reuse the report_id, never mint a new one
    assert sent.count(ids[0]) == 5  # 503, 503, lost reply, 502, then accepted as a repeat
    assert len(agent.spool) == 0


def test_a_report_the_controller_will_never_accept_is_dropped_not_retried(
        state_dir: Path, controller: FakeController) -> None:
    controller.forced = [422]
    result = _run(state_dir, cycles=2)
    assert "dropping inventory report" in result.stderr
    assert controller.kinds() == ["heartbeat", "heartbeat"]
    assert spooled(state_dir) == []


def test_revoked_credential_keeps_spooling_until_reenrolled(
        state_dir: Path, controller: FakeController) -> None:
    (old_credential,) = controller.credentials
    controller.credentials.clear()  # an admin revoked this agent
    refused = _run(state_dir, cycles=2)
    assert controller.stored == []
    assert refused.stderr.count("credential was revoked") == 1
    assert old_credential not in refused.stderr
    assert [r["kind"] for r in spooled(state_dir)] == ["inventory", "heartbeat", "heartbeat"]

    controller.tokens.add("second-token")
    assert run_agent("enroll", "--controller", controller.url, "--token", "second-token",
                     "--state-dir", str(state_dir)).returncode == 0
    _run(state_dir, cycles=1)
    assert controller.kinds() == ["inventory", "heartbeat", "heartbeat", "inventory", "heartbeat"]
    assert spooled(state_dir) == []


def test_sigterm_stops_the_agent_cleanly(state_dir: Path, controller: FakeController) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "agent", "run", "--state-dir", str(state_dir), "--interval", "60"],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 15
        while len(controller.stored) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert controller.kinds() == ["inventory", "heartbeat"]
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert time.monotonic() - started < 5  # not left waiting for the 60 s interval
    assert "titip-agent stopped" in stderr


def test_a_full_inventory_goes_out_daily(state_dir: Path) -> None:
    agent = Agent(load_config(state_dir))
    hour = 3600.0
    for now in (0.0, 1 * hour, 23 * hour, 24 * hour, 25 * hour):
        agent.collect(now)
    kinds = [r.kind for r in agent.spool]
    assert kinds == ["inventory", "heartbeat", "heartbeat", "heartbeat",
                     "inventory", "heartbeat", "heartbeat"]

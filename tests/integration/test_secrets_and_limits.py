"""Issue 13, the controller's edge: the signing key it refuses, and request bodies it will not read.

Each test runs the controller as an operator does (`titip serve`, a real uvicorn process).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from tests.support.controller import stop_process
from tests.support.postgres import free_port

GOOD_KEY = "serve-test-secret-key-0123456789abcdef"


def _serve(db_url: str, *args: str, env: dict[str, str] | None = None,
           wait: float = 20) -> tuple[subprocess.Popen, str]:
    """`titip serve` on a free port; returns once it answers /healthz or has exited."""
    port = free_port()
    full = {k: v for k, v in os.environ.items() if not k.startswith("TITIP_")}
    full.update({"TITIP_DATABASE_URL": db_url, "TITIP_SCHEDULER_ENABLED": "false", **(env or {})})
    proc = subprocess.Popen([sys.executable, "-m", "controller.cli", "serve", "--port", str(port), *args],
                            env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    return proc, url


@pytest.mark.parametrize("key", [None, "titip-insecure-dev-key-change-me", "short-key-31-bytes-0123456789ab"])
def test_serve_refuses_the_development_key_or_a_short_one(db_url, key):
    """The development key is in the source: anyone could mint an admin token with it."""
    proc, _ = _serve(db_url, env={"TITIP_SECRET_KEY": key} if key else {})
    try:
        _, err = proc.communicate(timeout=20)
    finally:
        stop_process(proc)
    assert proc.returncode == 4, err
    assert "refusing to start" in err and "TITIP_SECRET_KEY" in err


@pytest.mark.parametrize("how", ["flag", "env"])
def test_a_demo_may_run_on_the_development_key_and_says_so(db_url, how):
    args, env = (("--demo",), {}) if how == "flag" else ((), {"TITIP_DEMO": "1"})
    proc, url = _serve(db_url, *args, env=env)
    try:
        assert proc.poll() is None
        assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
    finally:
        proc.terminate()                      # then read what it said, which closes its pipes
        _, err = proc.communicate(timeout=15)
    assert "demo run" in err


def test_serve_starts_with_a_long_random_key(db_url):
    proc, url = _serve(db_url, env={"TITIP_SECRET_KEY": GOOD_KEY})
    try:
        assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
    finally:
        stop_process(proc)


# --- request bodies (obs. 2) -------------------------------------------------------------------

MB = 1024 * 1024


@pytest.fixture
def live(served):
    """The world built in-process, then the controller as its own uvicorn process on that database."""
    world, ctl, _ = served
    with httpx.Client(base_url=ctl.url, timeout=60) as client:
        yield client, world, ctl


def _stream(total: int, chunk: int = MB):
    """`total` bytes of JSON-looking junk, made as they are sent (never held whole)."""
    block = b"[{}," * (chunk // 4)
    for _ in range(total // chunk):
        yield block


def test_eight_parallel_100_mb_bodies_are_refused_unread_and_the_controller_stays_small(live):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import psutil

    _, _, ctl = live
    proc = psutil.Process(ctl.proc.pid)
    peak = [proc.memory_info().rss]
    slowest = [0.0]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            t0 = time.monotonic()
            assert httpx.get(f"{ctl.url}/healthz", timeout=5).status_code == 200
            slowest[0] = max(slowest[0], time.monotonic() - t0)
            time.sleep(0.05)

    def send(path: str) -> int:
        with httpx.Client(base_url=ctl.url, timeout=60) as c:
            r = c.post(path, content=_stream(100 * MB), headers={
                "Authorization": "Bearer titip_agt_not-a-real-credential", "Content-Type": "application/json",
                "Content-Length": str(100 * MB)})
            assert "body" in r.json()["detail"]
            return r.status_code

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            paths = ["/api/v1/agents/reports", "/api/v1/agents/enroll"] * 4
            codes = list(pool.map(send, paths))
    finally:
        done.set()
        watcher.join()
    assert codes == [413] * 8
    assert peak[0] < 300 * MB, f"controller RSS peaked at {peak[0] / MB:.0f} MB"
    assert slowest[0] < 1.0, f"/healthz took {slowest[0]:.2f} s during the burst"


def test_a_streamed_body_without_length_is_cut_at_the_routes_limit(live):
    from tests.support.world import enrol_agent

    client, world, _ = live
    agent = enrol_agent(client, world)
    # An enrolled agent's chunked 10 MB body: read up to the 4 MB limit, then 413.
    r = client.post("/api/v1/agents/reports", content=_stream(10 * MB), headers=agent)
    assert r.status_code == 413 and "4 MB" in r.json()["detail"]
    # A stranger's chunked body is not read at all: the credential is refused first.
    r = client.post("/api/v1/agents/reports", content=_stream(10 * MB),
                    headers={"Authorization": "Bearer titip_agt_unknown-credential-0123"})
    assert r.status_code == 401 and "unknown agent credential" in r.json()["detail"]
    r = client.post("/api/v1/agents/reports", content=_stream(10 * MB))
    assert r.status_code == 401
    # Enrolment carries its token in the body: the body may be 16 kB at most.
    r = client.post("/api/v1/agents/enroll", content=_stream(MB, 64 * 1024))
    assert r.status_code == 413 and "16 kB" in r.json()["detail"]
    # Any other API route takes 1 MB of JSON.
    r = client.post("/api/v1/units", content=b'{"code": "' + b"x" * (2 * MB) + b'"}',
                    headers={**world.auth("admin"), "Content-Type": "application/json"})
    assert r.status_code == 413
    # What an agent really sends still goes through.
    r = client.post("/api/v1/agents/reports", headers=agent, json={
        "report_id": "hb-0000000001", "kind": "heartbeat", "payload": {"source": "agent", "hostname": "srv-a"}})
    assert r.status_code == 200, r.text


def test_inventory_shape_is_bounded(live):
    from tests.support.world import enrol_agent

    client, world, _ = live
    agent = enrol_agent(client, world)
    many = [{"name": f"sd{i}", "size_bytes": 1} for i in range(5000)]
    r = client.post("/api/v1/agents/reports", headers=agent, json={
        "report_id": "inv-000000001", "kind": "inventory",
        "payload": {"source": "agent", "hostname": "srv-a", "disks": many}})
    assert r.status_code == 422 and r.json()["field"] == "payload.disks", r.text
    r = client.post("/api/v1/agents/reports", headers=agent, json={
        "report_id": "inv-000000002", "kind": "inventory", "payload": {"source": "agent", "hostname": "h" * 10_000}})
    assert r.status_code == 422 and r.json()["field"] == "payload.hostname", r.text
    r = client.post("/api/v1/agents/reports", headers=agent, content=b"[" * 100_000 + b"]" * 100_000)
    assert r.status_code == 422 and r.json()["field"] == "body"
    big = [{"fstype": "x" * 4000, "mountpoint": "/" + "y" * 4000} for _ in range(300)]
    r = client.post("/api/v1/agents/reports", headers=agent, json={
        "report_id": "hb-0000000002", "kind": "heartbeat",
        "payload": {"source": "agent", "hostname": "srv-a", "filesystems": big}})
    assert r.status_code == 413 and r.json()["field"] == "payload", r.text


# --- refused agent traffic (obs. 5) ------------------------------------------------------------

def test_a_flood_of_bogus_agent_traffic_is_counted_not_written_to_the_audit_trail(app, client, world):
    import secrets

    from prometheus_client.parser import text_string_to_metric_families
    from sqlalchemy import func, select

    from controller.models import AuditEvent

    def refused_events() -> int:
        with app.state.sessions() as s:
            return s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "refused"))

    before = refused_events()
    for _ in range(60):
        r = client.post("/api/v1/agents/reports", json={"report_id": "hb-000000001", "kind": "heartbeat",
                                                        "payload": {"source": "agent", "hostname": "x"}},
                        headers={"Authorization": f"Bearer titip_agt_{secrets.token_urlsafe(32)}"})
        assert r.status_code == 401
        r = client.post("/api/v1/agents/enroll", json={"token": f"titip_enr_{secrets.token_urlsafe(32)}"})
        assert r.status_code == 401
    assert refused_events() - before == 2          # one per burst: unknown credentials, unknown tokens
    page = client.get("/metrics", headers={"Authorization": f"Bearer {app.state.settings.metrics_token}"}
                      if app.state.settings.metrics_token else {}).text
    counts = {s.labels["reason"]: s.value for f in text_string_to_metric_families(page)
              if f.name == "titip_agent_refusals" for s in f.samples if s.name.endswith("_total")}
    assert counts == {"unknown credential": 60, "unknown token": 60}

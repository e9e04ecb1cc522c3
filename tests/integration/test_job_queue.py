"""Jobs once across controllers (PostgreSQL's task queue): two `titip serve` controllers as two
hosts plus a `titip worker`, one database. Each pending e-mail reaches a real SMTP server once,
each probe round is written once, the monthly run completes once, and when the process holding
a job is killed the next tick runs on another."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import psutil
import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text

from controller.app import create_app
from controller.db import unit_of_work
from controller.models import AccessCheck, InventoryRun, Notification
from controller.models.base import utcnow
from tests.support import custody as flow
from tests.support.controller import start_serve, stop_process
from tests.support.postgres import free_port
from tests.support.world import build_world

SECRET = "job-queue-test-secret-key-0123456789abcdef"


@pytest.fixture
def pg_url(db_url: str) -> str:
    if not db_url.startswith("postgresql"):
        pytest.skip("the job queue is PostgreSQL's; SQLite runs its jobs in the one controller")
    return db_url


class Inbox:
    """A real SMTP server's message handler; `stall` holds the next message (the sender waits)
    until released, then refuses it for now (451), as a server does when its client is gone."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.stall = threading.Event()
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.stall.is_set():
            self.stall.clear()
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.1)
            return "451 try again later"
        body = envelope.content.decode("utf-8", "replace")
        self.ids += [line.split(":", 1)[1].strip() for line in body.splitlines() if line.startswith("X-Test-Id:")]
        return "250 OK"


def _notes(sessions, user_id: int, n: int, tag: str) -> None:
    with unit_of_work(sessions, "test") as s:
        for i in range(n):
            s.add(Notification(user_id=user_id, kind="test", subject=f"Uji {tag}-{i}",
                               body=f"X-Test-Id: {tag}-{i}\n", email_to="cp@diskes.example.go.id",
                               email_status="pending"))


def _wait(what: str, check, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _holder_of(port: int, procs: dict[str, subprocess.Popen]) -> str | None:
    """Which of our processes (or whose child) has a connection open to the SMTP port."""
    for conn in psutil.net_connections("tcp"):
        if conn.raddr and conn.raddr.port == port and conn.pid:
            try:
                p = psutil.Process(conn.pid)
                chain = {p.pid} | {a.pid for a in p.parents()}
            except psutil.Error:
                continue
            for name, proc in procs.items():
                if proc.pid in chain:
                    return name
    return None


def _rounds(engine) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(select(AccessCheck.checked_at, func.count()).where(
            AccessCheck.origin == "schedule").group_by(AccessCheck.checked_at)).all())


@pytest.mark.slow
def test_jobs_run_once_across_two_controllers_and_a_worker_and_survive_a_killed_holder(pg_url, settings, tmp_path):
    smtp_port = free_port()
    app = create_app(settings)
    world = build_world(app)
    # Three servers whose probes reach a listener, one that refuses: every round, 4 rows.
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    threading.Thread(target=lambda: [listener.accept()[0].close() for _ in iter(int, 1)], daemon=True).start()
    with TestClient(app) as client:
        for i in range(3):
            rid = flow.submit(client, world, serial=f"JOBQ-{i}")["id"]
            flow.to_handed_over(client, world, rid)
            flow.act(client, world, rid, "place", "officer")
            flow.act(client, world, rid, "configure", "officer", {
                "management_ip": "127.0.0.1",
                "access_checks": [{"kind": "tcp", "port": listener.getsockname()[1]}]
                + ([{"kind": "tcp", "port": 9}] if i == 0 else [])})
    sessions = app.state.sessions
    with sessions() as s:
        s.execute(text("UPDATE notifications SET email_status = 'none'"))  # the flow's own mail aside
        s.commit()
    _notes(sessions, world.ids["contact_a"], 6, "a")
    period = None

    handler = Inbox()
    smtp = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    env = {"TITIP_SECRET_KEY": SECRET, "TITIP_SCHEDULER_ENABLED": "true", "TITIP_SMTP_HOST": "127.0.0.1",
           "TITIP_SMTP_PORT": str(smtp_port), "TITIP_BACKUP_ENABLED": "false",
           "TITIP_WORKER_HEARTBEAT_SECONDS": "1", "TITIP_WORKER_STALLED_SECONDS": "4",
           "TITIP_JOB_SCHEDULE": json.dumps({
               "deliver_mail": "* * * * * */2", "probe_access": "* * * * * */3",
               "monthly_inventory": "* * * * * */5", "retry_stalled": "* * * * * */2",
               "lapse_reservations": "* * * * * */10"})}
    procs: dict[str, subprocess.Popen] = {}
    try:
        for name in ("host_a", "host_b"):
            home = tmp_path / name
            running = start_serve(pg_url, home, {**env, "TITIP_DATA_DIR": str(home / "var")}, workers=2)
            procs[name] = running.proc
        (tmp_path / "w").mkdir()
        with open(tmp_path / "w" / "worker.log", "wb") as log:
            procs["worker"] = subprocess.Popen(
                [str(Path(sys.executable).parent / "titip"), "worker"], cwd=tmp_path / "w", stdout=log,
                stderr=log, env={**os.environ, **env, "TITIP_DATABASE_URL": pg_url,
                                 "TMPDIR": str(tmp_path / "w")})
        engine = create_engine(pg_url)

        # Mail: six pending messages, each arrives once, however many ticks and workers saw it.
        _wait("six messages", lambda: len(handler.ids) >= 6, timeout=90)
        _notes(sessions, world.ids["contact_a"], 4, "b")
        _wait("four more", lambda: len(handler.ids) >= 10)
        # Probe rounds: several ticks, each round's rows written once (4 per round).
        _wait("three probe rounds", lambda: len(_rounds(engine)) >= 3)
        # The monthly inventory: ticked every 5 s on three workers, one run for the month.
        def completed() -> bool:
            with engine.connect() as conn:
                return conn.scalar(select(InventoryRun.status)) == "completed"

        _wait("the monthly run", completed, timeout=90)
        time.sleep(6)                                       # a tick or two more
        with engine.connect() as conn:
            runs = conn.execute(select(InventoryRun.period, InventoryRun.status, InventoryRun.resumed)).all()
        assert len(runs) == 1 and runs[0].status == "completed" and runs[0].resumed == 0, runs
        period = runs[0].period

        # Kill the process holding the mail job: the SMTP server holds its next message; whichever
        # process is talking to it is stopped by its PID.
        handler.stall.set()
        _notes(sessions, world.ids["contact_a"], 1, "c")
        assert handler.holding.wait(60), "no worker delivered the message"
        holder = None
        for _ in range(20):
            if (holder := _holder_of(smtp_port, procs)) is not None:
                break
            time.sleep(0.2)
        assert holder is not None, "no process of ours holds the SMTP connection"
        rounds_before = _rounds(engine)
        stop_process(procs[holder])
        handler.release.set()
        killed_at = utcnow()
        _notes(sessions, world.ids["contact_a"], 2, "d")
        # The next ticks run on the survivors: the held message and the later two arrive, and
        # probe rounds go on.
        _wait("mail after the kill", lambda: {"c-0", "d-0", "d-1"} <= set(handler.ids), timeout=90)
        _wait("a probe round after the kill",
              lambda: any(at > killed_at for at in set(_rounds(engine)) - set(rounds_before)), timeout=60)

        counts = Counter(handler.ids)
        assert sorted(counts) == sorted([f"a-{i}" for i in range(6)] + [f"b-{i}" for i in range(4)]
                                        + ["c-0", "d-0", "d-1"])
        assert set(counts.values()) == {1}, counts          # each message exactly once
        rounds = _rounds(engine)
        assert len(rounds) >= 4 and set(rounds.values()) == {4}, rounds   # each round written once
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Notification).where(
                Notification.email_status == "pending")) == 0
            assert conn.scalar(select(func.count()).select_from(InventoryRun)) == 1
        engine.dispose()
    finally:
        for proc in procs.values():
            stop_process(proc)
        for log in sorted(tmp_path.glob("*/*.log")):       # shown by pytest when the test fails
            print(f"--- {log}\n" + log.read_text(errors="replace")[-3000:])
        smtp.stop()
        listener.close()
        app.state.engine.dispose()
        app.state.read_engine.dispose()
        app.state.ingest_engine.dispose()
    assert period is not None


def _configured(client, world, serial: str, port: int) -> int:
    rid = flow.submit(client, world, serial=serial)["id"]
    flow.to_handed_over(client, world, rid)
    flow.act(client, world, rid, "place", "officer")
    flow.act(client, world, rid, "configure", "officer", {
        "management_ip": "127.0.0.1", "access_checks": [{"kind": "tcp", "port": port}]})
    return rid


def test_the_office_tags_servers_and_targets_with_a_site(app, client, world):
    sid = world.ids["server_a"]
    r = client.patch(f"/api/v1/servers/{sid}", headers=world.auth("officer"), json={"site": "kecamatan-utara"})
    assert r.status_code == 200 and r.json()["site"] == "kecamatan-utara"
    assert client.get(f"/api/v1/servers/{sid}", headers=world.auth("officer")).json()["site"] == "kecamatan-utara"
    r = client.patch(f"/api/v1/servers/{sid}", headers=world.auth("officer"), json={"site": "ruang utara"})
    assert r.status_code == 422 and r.json()["field"] == "site"
    r = client.patch(f"/api/v1/servers/{sid}", headers=world.auth("contact_a"), json={"site": ""})
    assert r.status_code == 403 and r.json()["field"] == "site"
    r = client.patch(f"/api/v1/servers/{sid}", headers=world.auth("officer"), json={"site": None})
    assert r.status_code == 200 and r.json()["site"] == ""
    r = client.post(f"/api/v1/servers/{sid}/targets", headers=world.auth("officer"), json={
        "kind": "snmp", "address": "127.0.0.1", "community": "public", "site": "kecamatan-utara"})
    assert r.status_code == 201 and r.json()["site"] == "kecamatan-utara"


@pytest.mark.slow
def test_a_sites_probes_wait_for_a_worker_of_that_site(pg_url, settings, tmp_path):
    """A remote room's servers are probed only by `titip worker --site` near them; the plain
    worker probes the rest of the round."""
    from controller import jobqueue

    app = create_app(settings)
    world = build_world(app)
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    threading.Thread(target=lambda: [listener.accept()[0].close() for _ in iter(int, 1)], daemon=True).start()
    port = listener.getsockname()[1]
    with TestClient(app) as client:
        here = _configured(client, world, "SITE-HQ", port)
        there = _configured(client, world, "SITE-UTARA", port)
        with app.state.sessions() as s:
            far_server = s.scalar(text(f"SELECT server_id FROM custody_requests WHERE id = {there}"))
        r = client.patch(f"/api/v1/servers/{far_server}", headers=world.auth("officer"), json={"site": "utara"})
        assert r.status_code == 200
    env = {**os.environ, "TITIP_DATABASE_URL": pg_url, "TMPDIR": str(tmp_path),
           "TITIP_JOB_SCHEDULE": json.dumps({k: "0 0 1 1 *" for k in jobqueue.PERIODIC})}
    titip = str(Path(sys.executable).parent / "titip")
    engine = create_engine(pg_url)
    procs = []

    def rows(rid: int) -> int:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(AccessCheck).where(
                AccessCheck.request_id == rid, AccessCheck.origin == "schedule"))

    try:
        procs.append(subprocess.Popen([titip, "worker"], env=env, cwd=tmp_path))
        queue = jobqueue.build(settings)
        with queue.open():
            queue.tasks["titip.probe_access"].defer(timestamp=int(time.time()))
        _wait("the office's own server probed", lambda: rows(here) == 1)
        time.sleep(3)
        assert rows(there) == 0                              # no plain worker takes the remote room's
        assert jobqueue.pending(settings, ["titip.probe_batch"]) == {"todo": 1}
        procs.append(subprocess.Popen([titip, "worker", "--site", "utara"], env=env, cwd=tmp_path))
        _wait("the remote room's server probed by its site's worker", lambda: rows(there) == 1)
        assert rows(here) == 1
        r = subprocess.run([titip, "worker", "--site", " "], env=env, cwd=tmp_path, capture_output=True, text=True)
        assert r.returncode == 2 and "--site" in r.stderr
    finally:
        for proc in procs:
            stop_process(proc)
        engine.dispose()
        listener.close()
        app.state.engine.dispose()
        app.state.read_engine.dispose()
        app.state.ingest_engine.dispose()


def test_titip_worker_on_sqlite_says_serve_runs_the_jobs(tmp_path):
    env = {**os.environ, "TITIP_DATABASE_URL": f"sqlite:///{tmp_path / 'titip.db'}"}
    r = subprocess.run([str(Path(sys.executable).parent / "titip"), "worker"], env=env, cwd=tmp_path,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "titip serve" in r.stderr


@pytest.mark.slow
def test_the_monthly_collection_is_spread_over_workers_and_sites(pg_url, settings, tmp_path):
    """The monthly run's servers are queued one task each: plain workers take the office's, a
    remote room's target waits for its site's worker; the run completes once, with every item."""
    from controller import jobqueue

    app = create_app(settings)
    world = build_world(app)
    with TestClient(app) as client:
        rids = [_configured(client, world, f"INV-{i}", 9) for i in range(4)]
        with app.state.sessions() as s:
            far = s.scalar(text(f"SELECT server_id FROM custody_requests WHERE id = {rids[0]}"))
        closed = free_port()
        r = client.post(f"/api/v1/servers/{far}/targets", headers=world.auth("officer"), json={
            "kind": "snmp", "address": "127.0.0.1", "port": closed, "community": "public", "site": "utara"})
        assert r.status_code == 201, r.text
    env = {**os.environ, "TITIP_DATABASE_URL": pg_url, "TMPDIR": str(tmp_path),
           "TITIP_JOB_SCHEDULE": json.dumps({k: "0 0 1 1 *" for k in jobqueue.PERIODIC})}
    titip = str(Path(sys.executable).parent / "titip")
    engine = create_engine(pg_url)
    procs = []

    def run_state():
        with engine.connect() as conn:
            run = conn.execute(select(InventoryRun.id, InventoryRun.status)).first()
            if run is None:
                return None, 0
            return run.status, conn.scalar(text(f"SELECT count(*) FROM inventory_items WHERE run_id = {run.id}"))

    try:
        procs += [subprocess.Popen([titip, "worker"], env=env, cwd=tmp_path) for _ in range(2)]
        queue = jobqueue.build(settings.model_copy(update={"job_schedule": {"monthly_inventory": "0 0 1 1 *"}}))
        with queue.open():
            queue.tasks["titip.monthly_inventory"].defer(timestamp=int(time.time()))
        _wait("the office's three servers collected", lambda: run_state() == ("running", 3))
        time.sleep(3)
        assert run_state() == ("running", 3)              # the remote room's server waits for its worker
        assert jobqueue.pending(settings, ["titip.inventory_server"]) == {"todo": 1}
        procs.append(subprocess.Popen([titip, "worker", "--site", "utara"], env=env, cwd=tmp_path))
        _wait("the run completed", lambda: run_state() == ("completed", 4), timeout=90)
        with engine.connect() as conn:
            errors = conn.scalar(text(f"SELECT errors FROM inventory_items WHERE server_id = {far}"))
            assert conn.scalar(select(func.count()).select_from(InventoryRun)) == 1
        assert "snmp" in errors
    finally:
        for proc in procs:
            stop_process(proc)
        engine.dispose()
        app.state.engine.dispose()
        app.state.read_engine.dispose()
        app.state.ingest_engine.dispose()

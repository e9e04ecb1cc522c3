"""Backups as an operator runs them: taken while the controller works, restored into a fresh
database that a controller then serves, and an older one found out by the anchor."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from tests.integration.test_audit_keyed import _titip
from tests.integration.test_heartbeats import beat
from tests.support.controller import start_controller
from tests.support.world import PASSWORD, enrol_agent


def _fresh_database(db_url: str, tmp_path: Path, request) -> str:
    """An empty database of the same kind (not even migrated), as on a rebuilt machine."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path}/restored-{uuid.uuid4().hex[:6]}.db"
    pg = request.getfixturevalue("postgres")
    name = f"r_{uuid.uuid4().hex[:12]}"
    engine = create_engine(pg.url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return pg.url(name)


def _writer(url: str, world, agent: dict[str, str], stop: threading.Event, done: list[int]) -> None:
    """Writes over the API until told to stop: heartbeats and audited server changes."""
    with httpx.Client(base_url=url, timeout=30) as http:
        i = 0
        while not stop.is_set():
            i += 1
            r = http.post("/api/v1/agents/reports", headers=agent, json=beat(cpu=float(i % 100)))
            assert r.status_code == 200, r.text
            r = http.patch(f"/api/v1/servers/{world.ids['server_a']}", headers=world.auth("officer"),
                           json={"hostname": f"simpus-{i}"})
            assert r.status_code == 200, r.text
            done.append(i)


def test_backup_under_load_restores_and_an_older_one_shows_as_behind(app, client, world, db_url, settings,
                                                                     tmp_path, request):
    agent = enrol_agent(client, world)
    app.state.engine.dispose()
    env = {"TITIP_SECRET_KEY": settings.secret_key, "TITIP_SCHEDULER_ENABLED": "false"}
    live = start_controller(db_url, env)
    stop, done = threading.Event(), []
    thread = threading.Thread(target=_writer, args=(live.url, world, agent, stop, done))
    thread.start()
    try:
        while len(done) < 3:
            thread.join(0.1)
            assert thread.is_alive(), "the writer stopped"
        r = _titip(db_url, "backup", "create", "--out", str(tmp_path / "b1"))
        assert r.returncode == 0, r.stderr
        after = len(done) + 2
        while len(done) < after:  # the office goes on writing after the backup too
            thread.join(0.1)
            assert thread.is_alive(), "the writer stopped"
    finally:
        stop.set()
        thread.join(30)
        live.stop()
    assert len(done) >= 3
    [dump] = [p for p in (tmp_path / "b1").iterdir() if p.suffix in (".sqlite3", ".pgdump")]
    manifest = json.loads(Path(str(dump) + ".manifest.json").read_text())
    assert manifest["engine"] == ("sqlite" if db_url.startswith("sqlite") else "postgresql")
    assert manifest["schema_revision"] and manifest["audit_head"]["seq"] > 0 and len(manifest["sha256"]) == 64
    assert any("TITIP_AUDIT_KEY" in k for k in manifest["keys_needed"])
    assert "keep these keys apart" in r.stdout

    r = _titip(db_url, "backup", "verify", str(dump))
    assert r.returncode == 0 and "backup verified" in r.stdout and "audit trail intact" in r.stdout, r.stderr

    fresh = _fresh_database(db_url, tmp_path, request)
    r = _titip(fresh, "backup", "restore", str(dump))
    assert r.returncode == 0, r.stderr
    assert "TITIP_AUDIT_KEY" in r.stdout and "audit trail intact" in r.stdout
    r = _titip(fresh, "audit", "verify", "--anchor", str(dump) + ".manifest.json")
    assert r.returncode == 0, r.stderr
    restored = start_controller(fresh, env)
    try:
        assert httpx.get(f"{restored.url}/healthz", timeout=10).status_code == 200
        r = httpx.post(f"{restored.url}/api/v1/auth/token", data={"username": "officer", "password": PASSWORD},
                       timeout=30)
        assert r.status_code == 200 and r.json()["access_token"], r.text
        token = {"Authorization": f"Bearer {r.json()['access_token']}"}
        server = httpx.get(f"{restored.url}/api/v1/servers/{world.ids['server_a']}", headers=token, timeout=10)
        assert server.status_code == 200 and server.json()["hostname"].startswith("simpus-")
    finally:
        restored.stop()

    # The office goes on, anchors its head; then someone restores the older backup.
    anchors = tmp_path / "anchors.jsonl"
    client.patch(f"/api/v1/servers/{world.ids['server_b']}", headers=world.auth("officer"), json={"hostname": "later"})
    assert _titip(db_url, "audit", "anchor", "--out", str(anchors)).returncode == 0
    r = _titip(fresh, "backup", "restore", str(dump))
    assert r.returncode == 1 and "holds data" in r.stderr and "--force" in r.stderr  # not without --force
    r = _titip(fresh, "backup", "restore", "--force", str(dump))
    assert r.returncode == 0, r.stderr
    assert _titip(fresh, "audit", "verify").returncode == 0  # the chain alone cannot tell...
    r = _titip(fresh, "audit", "verify", "--anchor", str(anchors))
    assert r.returncode == 1 and "BEHIND" in r.stderr, r.stderr  # ...the anchor can


def test_an_altered_backup_fails_its_check(client, world, db_url, tmp_path):
    client.patch(f"/api/v1/servers/{world.ids['server_a']}", headers=world.auth("officer"), json={"hostname": "x"})
    r = _titip(db_url, "backup", "create", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    [dump] = [p for p in tmp_path.iterdir() if p.suffix in (".sqlite3", ".pgdump")]
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    r = _titip(db_url, "backup", "verify", str(dump))
    assert r.returncode == 1 and "sha256" in r.stderr and "altered" in r.stderr
    Path(str(dump) + ".manifest.json").unlink()
    r = _titip(db_url, "backup", "verify", str(dump))
    assert r.returncode == 1 and "manifest" in r.stderr


def test_the_nightly_backup_keeps_the_newest(app, client, world, settings, tmp_path):
    from controller import jobs, scheduler

    settings = settings.model_copy(update={"backup_dir": str(tmp_path / "nightly"), "backup_keep": 2})
    assert "backup_nightly" in {job.id for job in scheduler.build(app.state.sessions, settings).get_jobs()}
    made = [jobs.backup_nightly(app.state.sessions, settings) for _ in range(3)]
    left = sorted(p.name for p in (tmp_path / "nightly").iterdir())
    assert len(left) == 4 and Path(made[0]).name not in left  # two dumps and their manifests
    assert Path(made[2]).name in left


def test_a_backup_of_an_unreachable_database_is_a_clear_error(tmp_path):
    r = _titip("postgresql+psycopg://nobody@127.0.0.1:1/none", "backup", "create", "--out", str(tmp_path))
    assert r.returncode == 1 and r.stderr.startswith("error:") and "Traceback" not in r.stderr

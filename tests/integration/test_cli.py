"""The `titip` command as an operator uses it on a fresh machine."""

from __future__ import annotations

import os
import subprocess
import sys


def _titip(*args: str, db_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TITIP_DATABASE_URL": db_url}
    return subprocess.run([sys.executable, "-m", "controller.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_serve_refuses_an_unmigrated_database(tmp_path):
    r = _titip("serve", "--port", "1", db_url=f"sqlite:///{tmp_path}/empty.db")
    assert r.returncode == 3
    assert "titip db upgrade" in r.stderr


def test_upgrade_then_create_user_then_login(tmp_path):
    url = f"sqlite:///{tmp_path}/new.db"
    assert _titip("db", "upgrade", db_url=url).returncode == 0
    current = _titip("db", "current", db_url=url).stdout.split()
    assert current[1] == current[3] != "(none)"  # "current: X  head: X"
    r = _titip("user", "create", "--username", "kepala", "--password", "sangat-rahasia", "--role", "head",
               db_url=url)
    assert r.returncode == 0, r.stderr
    r = _titip("user", "create", "--username", "cp.diskes", "--password", "sangat-rahasia", "--role", "unit_contact",
               db_url=url)
    assert r.returncode == 1 and "unit_code" in r.stderr
    r = _titip("user", "create", "--username", "x", "--password", "pendek", "--role", "nobody", db_url=url)
    assert r.returncode == 2
    assert "sangat-rahasia" not in _titip("audit", "verify", db_url=url).stdout


def test_verify_on_each_database(db_url):
    r = _titip("audit", "verify", db_url=db_url)
    assert r.returncode == 0 and "0 events verified" in r.stdout


def test_serve_with_two_workers_runs_the_scheduler_once(db_url, tmp_path):
    """`titip serve --workers 2` uses both cores of the server room's machine; the jobs (probe
    rounds, mail, the monthly inventory) must still run once, not once per worker."""
    import signal
    import time

    import httpx

    from tests.support.postgres import free_port

    port, log = free_port(), tmp_path / "serve.log"
    env = {**os.environ, "TITIP_DATABASE_URL": db_url, "TITIP_SCHEDULER_ENABLED": "true", "TMPDIR": str(tmp_path),
           "TITIP_SECRET_KEY": "cli-test-secret-key-0123456789abcdef", "TITIP_METRICS_TOKEN": "cli-metrics-token"}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "controller.cli", "serve", "--port", str(port),
                                 "--workers", "2"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and log.read_text().count("scheduler: ") < 2:
            time.sleep(0.2)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
        text = log.read_text()
        assert text.count("scheduler: this worker") == 1, text
        assert text.count("scheduler: another worker") == 1, text
        # Request counts are the controller's, whichever worker a scrape reaches (each request on
        # its own connection, so both workers answer some).
        base = f"http://127.0.0.1:{port}"
        for _ in range(30):
            assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
        seen = []
        for _ in range(8):
            page = httpx.get(f"{base}/metrics", timeout=10,
                             headers={"Authorization": "Bearer cli-metrics-token"}).text
            [line] = [ln for ln in page.splitlines()
                      if ln.startswith("titip_http_requests_total{") and 'route="/healthz"' in ln]
            seen.append(float(line.rsplit(" ", 1)[1]))
        assert seen[0] >= 31 and seen == sorted(seen), seen
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def test_inventory_run_refuses_a_period_outside_the_window(db_url):
    for period in ("0000-01", "9999-12"):
        r = _titip("inventory", "run", "--period", period, db_url=db_url)
        assert r.returncode == 2 and "2000-01" in r.stderr, r.stderr

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

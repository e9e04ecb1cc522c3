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
        out, err = proc.communicate(timeout=20)
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
        stop_process(proc)
    assert "demo run" in proc.stderr.read()


def test_serve_starts_with_a_long_random_key(db_url):
    proc, url = _serve(db_url, env={"TITIP_SECRET_KEY": GOOD_KEY})
    try:
        assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
    finally:
        stop_process(proc)

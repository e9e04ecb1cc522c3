"""The controller as a real uvicorn process on a loopback port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

import httpx

from .postgres import free_port


@dataclass
class RunningController:
    url: str
    proc: subprocess.Popen

    def stop(self) -> None:
        stop_process(self.proc)


def stop_process(proc: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM by PID, then SIGKILL if it has not gone after `timeout` seconds."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
    for pipe in (proc.stdin, proc.stdout, proc.stderr):  # else each is a ResourceWarning later
        if pipe is not None:
            pipe.close()


def start_controller(database_url: str, extra_env: dict[str, str] | None = None,
                     port: int | None = None) -> RunningController:
    port = port or free_port()
    env = {**os.environ, "TITIP_DATABASE_URL": database_url, **(extra_env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "controller.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"controller exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return RunningController(url, proc)
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("controller did not start in 30 s")


def start_serve(database_url: str, home, extra_env: dict[str, str] | None = None, workers: int = 2,
                port: int | None = None, timeout: float = 60) -> RunningController:
    """`titip serve --workers N` as a deployment runs it, from its own directory and TMPDIR: two of
    these on one database stand for two controller hosts (nothing file-based is shared)."""
    from pathlib import Path

    port = port or free_port()
    home = Path(home)
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TITIP_DATABASE_URL": database_url, "TMPDIR": str(home / "tmp"), **(extra_env or {})}
    titip = Path(sys.executable).parent / "titip"
    with open(home / "serve.log", "ab") as log:
        proc = subprocess.Popen([str(titip), "serve", "--host", "127.0.0.1", "--port", str(port),
                                 "--workers", str(workers)], env=env, cwd=home, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"titip serve exited with {proc.returncode}: {(home / 'serve.log').read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return RunningController(url, proc)
        except httpx.HTTPError:
            time.sleep(0.2)
    stop_process(proc)
    raise RuntimeError(f"titip serve did not start in {timeout:.0f} s")

"""Debian's Prometheus server, run as our own process on loopback, stopped by its PID.

It scrapes the given targets every second from a private config and storage folder, loads
the given rule files, and answers PromQL over its HTTP API (`query`).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from .postgres import free_port

PROMETHEUS = os.environ.get("TITIP_PROMETHEUS", "/usr/bin/prometheus")


@dataclass
class RunningPrometheus:
    url: str
    proc: subprocess.Popen
    root: Path

    def query(self, expr: str) -> list[dict]:
        """An instant query now; raises with Prometheus' own error text on a bad expression."""
        r = httpx.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=30)
        body = r.json()
        if body.get("status") != "success":
            raise AssertionError(f"{expr!r}: {body.get('errorType')}: {body.get('error')}")
        return body["data"]["result"]

    def wait_for(self, expr: str, timeout: float = 30) -> list[dict]:
        """Poll until `expr` has a result (a scrape or a rule evaluation came in)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if result := self.query(expr):
                return result
            time.sleep(0.25)
        log = (self.root / "log").read_text(errors="replace")[-3000:]
        raise AssertionError(f"no result for {expr!r} within {timeout} s; Prometheus log:\n{log}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def start_prometheus(targets: list[str], token: str | None = None, rule_files: tuple[Path, ...] = (),
                     interval: str = "1s") -> RunningPrometheus:
    """Scrape `targets` (host:port, path /metrics) every `interval`, with a bearer `token`."""
    if not Path(PROMETHEUS).exists():
        raise RuntimeError(f"{PROMETHEUS} not found: apt-get install prometheus")
    root = Path(tempfile.mkdtemp(prefix="titip-prometheus-"))
    job: dict = {"job_name": "titip", "metrics_path": "/metrics", "scrape_interval": interval,
                 "scrape_timeout": interval, "static_configs": [{"targets": targets}]}
    if token:
        job["authorization"] = {"type": "Bearer", "credentials": token}
    config = {"global": {"scrape_interval": interval, "evaluation_interval": interval},
              "rule_files": [str(p) for p in rule_files], "scrape_configs": [job]}
    (root / "prometheus.yml").write_text(json.dumps(config))  # JSON is YAML
    port = free_port()
    with open(root / "log", "w") as log:
        proc = subprocess.Popen(
            [PROMETHEUS, f"--config.file={root / 'prometheus.yml'}", f"--storage.tsdb.path={root / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    running = RunningPrometheus(f"http://127.0.0.1:{port}", proc, root)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log_text = (root / "log").read_text(errors="replace")
            shutil.rmtree(root, ignore_errors=True)
            raise RuntimeError(f"prometheus exited with {proc.returncode}: {log_text[-3000:]}")
        try:
            if httpx.get(f"{running.url}/-/ready", timeout=1).status_code == 200:
                return running
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    running.stop()
    raise RuntimeError("prometheus did not become ready within 30 s")

"""Helpers for the agent tests: a real HTTP controller on 127.0.0.1 and a CLI runner.

`FakeController` speaks the agent HTTP contract documented in `agent/client.py`
over a real socket; it stores each report_id once, like the real controller must.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
ENROLL_TOKEN = "enroll-token-7f3a9c"


class FakeController:
    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        self.tls = tls                             # (certificate, key) to serve https
        self.tokens = {ENROLL_TOKEN}
        self.credentials: set[str] = set()
        self.received: list[dict[str, Any]] = []   # every report POST, repeats included
        self.stored: list[dict[str, Any]] = []     # each report_id once, in arrival order
        self.auth_headers: list[str] = []
        self.forced: list[int | str] = []          # statuses to answer next, front first
        self.request_inventory = False             # answer the next heartbeat with it, once
        self.lock = threading.Lock()
        self.port = 0
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Listen on 127.0.0.1; on a restart, on the same port as before."""
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self))
        self.port = self._server.server_address[1]
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def kinds(self) -> list[str]:
        return [r["kind"] for r in self.stored]

    def enroll(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if body.get("token") not in self.tokens:
            return 401, {"detail": "unknown or used token"}
        self.tokens.discard(body["token"])  # one-time
        credential = f"cred-{uuid.uuid4().hex}"
        self.credentials.add(credential)
        return 200, {"agent_id": f"agent-{len(self.credentials)}", "credential": credential}

    def report(self, auth: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.auth_headers.append(auth)
        self.received.append(body)
        if not auth.startswith("Bearer ") or auth[7:] not in self.credentials:
            return 401, {"detail": "credential revoked"}
        forced = self.forced.pop(0) if self.forced else None
        if isinstance(forced, int):
            return forced, {"detail": f"forced {forced}"}
        new = body["report_id"] not in {r["report_id"] for r in self.stored}
        if new:
            self.stored.append(body)
        if forced == "store-then-500":  # stored, but the agent never hears so
            return 500, {"detail": "lost reply"}
        requested = body["kind"] == "heartbeat" and self.request_inventory
        if requested:
            self.request_inventory = False
        return 201 if new else 200, {"stored": new, "inventory_requested": requested}


def _handler_for(controller: FakeController) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server naming)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with controller.lock:
                if self.path == "/api/v1/agents/enroll":
                    status, reply = controller.enroll(body)
                elif self.path == "/api/v1/agents/reports":
                    status, reply = controller.report(self.headers.get("Authorization", ""), body)
                else:
                    status, reply = 404, {"detail": "not found"}
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 made with the openssl CLI."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=30)
    return cert, key


def run_agent(*args: str, timeout: float = 30, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `titip-agent` (as `python -m agent`) the way a user would, with debug logging."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "agent", "--log-level", "DEBUG", *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout,
                          input=stdin)


def tune(state_dir: Path, **knobs: Any) -> None:
    """Edit config.json the way an admin would."""
    path = state_dir / "config.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **knobs}))


def spooled(state_dir: Path) -> list[dict[str, Any]]:
    files = sorted(p for p in (state_dir / "spool").iterdir() if p.name.endswith(".json"))
    return [json.loads(p.read_text()) for p in files]

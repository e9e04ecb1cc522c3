"""The agent stays light: what its resident process imports, and the small HTTP client that
replaced urllib (redirects not followed, proxies ignored, replies parsed however framed)."""

from __future__ import annotations

import io
import ipaddress
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from agent_helpers import REPO, FakeController, run_agent, spooled

from agent import facts, runner
from agent.client import Backoff, InsecureURL, is_loopback, read_response, split_url
from collectors.record import SCHEMA_VERSION, ConditionRecord, InventoryRecord

# What made the agent 26 MB: none of it may come back into the process that stays resident.
HEAVY = {"urllib.request", "http.client", "email", "ssl", "_ssl", "dataclasses", "typing",
         "collectors.record", "uuid", "platform", "shutil", "encodings.idna", "inspect", "logging",
         "random", "pathlib"}

# Runs `titip-agent run` in this interpreter and prints the modules it imported (those the
# interpreter's own start-up brought, e.g. a dev venv's editable-install hook, are left out).
_RUN_AND_LIST = """
import json, sys
before = set(sys.modules)
from agent.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "imported": sorted(set(sys.modules) - before),
                  "all": sorted(sys.modules)}))
"""


def _run_listing_modules(state_dir: Path, cycles: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", _RUN_AND_LIST, "--log-level", "WARNING", "run",
         "--state-dir", str(state_dir), "--interval", "0.1", "--once-cycles", str(cycles)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_the_running_agent_imports_neither_urllib_nor_what_only_an_inventory_needs(
        state_dir: Path, controller: FakeController) -> None:
    listing = _run_listing_modules(state_dir, cycles=3)

    assert listing["code"] == 0
    assert controller.kinds() == ["inventory", "heartbeat", "heartbeat", "heartbeat"]
    assert "urllib.request" not in listing["all"] and "http.client" not in listing["all"]
    assert HEAVY.isdisjoint(listing["imported"]), HEAVY & set(listing["imported"])
    # the inventory was collected all the same, in a child process
    inventory = controller.stored[0]["payload"]
    assert InventoryRecord.from_dict(inventory).to_dict() == inventory


def test_over_https_the_agent_loads_ssl_but_still_not_urllib(
        tmp_path: Path, tls_controller: FakeController) -> None:
    assert tls_controller.tls is not None
    state = tmp_path / "state"
    enrolled = run_agent("enroll", "--controller", tls_controller.url, "--token", "enroll-token-7f3a9c",
                         "--state-dir", str(state), "--ca-file", str(tls_controller.tls[0]))
    assert enrolled.returncode == 0, enrolled.stderr

    listing = _run_listing_modules(state, cycles=2)

    assert tls_controller.kinds() == ["inventory", "heartbeat", "heartbeat"]
    assert "ssl" in listing["all"]
    assert "urllib.request" not in listing["all"] and "http.client" not in listing["all"]
    assert (HEAVY - {"ssl", "_ssl"}).isdisjoint(listing["imported"])


def test_a_heartbeat_is_exactly_what_the_condition_record_would_send() -> None:
    payload = facts.condition_payload()
    # from_dict ignores unknown keys and to_dict fills missing ones: equality means same shape
    assert ConditionRecord.from_dict(payload).to_dict() == payload
    assert json.loads(json.dumps(payload)) == payload
    assert facts.SCHEMA_VERSION == SCHEMA_VERSION
    assert payload["collected_at"].endswith("Z") and len(payload["collected_at"]) == 20


def test_inventory_falls_back_to_this_process_when_the_child_cannot_run(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "executable", "/bin/false")
    payload = runner.collect_inventory_payload()
    assert "WARNING agent.runner: inventory child process failed" in capsys.readouterr().err
    assert payload["source"] == "agent" and payload["memory_bytes"] > 0
    assert InventoryRecord.from_dict(payload).to_dict() == payload


@pytest.fixture
def redirector(controller: FakeController) -> Iterator[dict[str, Any]]:
    """A loopback server that answers every POST with a 307 to the real controller."""
    seen: dict[str, Any] = {"posts": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server naming)
            self.rfile.read(int(self.headers["Content-Length"]))
            seen["posts"] += 1
            self.send_response(307)
            self.send_header("Location", controller.url + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    seen["url"] = f"http://127.0.0.1:{server.server_address[1]}"
    yield seen
    server.shutdown()
    server.server_close()


def test_a_redirect_is_not_followed_and_the_report_stays_spooled(
        state_dir: Path, controller: FakeController, redirector: dict[str, Any]) -> None:
    config = json.loads((state_dir / "config.json").read_text())
    (state_dir / "config.json").write_text(json.dumps({**config, "controller_url": redirector["url"]}))

    result = run_agent("once", "--state-dir", str(state_dir))

    assert result.returncode == 1
    assert "controller answered 307" in result.stderr
    assert redirector["posts"] >= 1 and controller.received == []  # never went where it pointed
    assert [r["kind"] for r in spooled(state_dir)] == ["inventory", "heartbeat"]


def test_proxy_variables_are_ignored(state_dir: Path, controller: FakeController,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = FakeController()  # would record anything sent through it
    proxy.start()
    try:
        for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        result = run_agent("once", "--state-dir", str(state_dir))
    finally:
        proxy.stop()
    assert result.returncode == 0, result.stderr
    assert controller.kinds() == ["inventory", "heartbeat"]
    assert proxy.received == []


@pytest.mark.parametrize(("raw", "status", "body"), [
    (b"HTTP/1.1 201 Created\r\nContent-Length: 15\r\n\r\n{\"stored\":true}", 201, b'{"stored":true}'),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n",
     200, b'{"a":1}'),
    (b"HTTP/1.0 503 Service Unavailable\r\nRetry-After: 7\r\n\r\nbusy", 503, b"busy"),
    (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 204, b""),
])
def test_replies_are_read_however_they_are_framed(raw: bytes, status: int, body: bytes) -> None:
    got_status, headers, got_body = read_response(io.BytesIO(raw))
    assert (got_status, got_body) == (status, body)
    if status == 503:
        assert headers["retry-after"] == "7"


@pytest.mark.parametrize("raw", [
    b"", b"SSH-2.0-OpenSSH_9.2\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
    b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
])
def test_a_broken_reply_is_an_oserror_so_the_report_is_retried(raw: bytes) -> None:
    with pytest.raises(OSError):
        read_response(io.BytesIO(raw))


@pytest.mark.parametrize("url", [
    "https://titip.example.go.id", "https://Titip.Example.go.id:8443/base/", "http://127.0.0.1:8000",
    "http://[::1]:8000/", "https://[2001:db8::5]", "http://localhost", "https://u:p@host.example:443/x?q=1#f",
])
def test_urls_split_as_urllib_splits_them(url: str) -> None:
    ours, theirs = split_url(url), urlsplit(url)
    assert (ours.scheme, ours.host) == (theirs.scheme, theirs.hostname)
    assert ours.port == (theirs.port or (443 if theirs.scheme == "https" else 80))
    assert ours.path == theirs.path.rstrip("/")


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "https://", "https://host:99999", "https://host:x",
                                 "https://[::1", "titip.example.go.id", "https://ho st/"])
def test_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(InsecureURL):
        split_url(url)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "0:0:0:0:0:0:0:1", "localhost",
                                  "128.0.0.1", "127.1", "::ffff:127.0.0.1", "10.0.0.1", "example.org"])
def test_loopback_is_what_ipaddress_says_it_is(host: str) -> None:
    try:
        expected = ipaddress.ip_address(host).is_loopback
    except ValueError:
        expected = host == "localhost"
    assert is_loopback(host) == expected


def test_default_backoff_jitter_stays_within_equal_jitter_bounds() -> None:
    backoff = Backoff(base=1.0, cap=8.0)  # os.urandom jitter, not the random module
    delays = [backoff.next_delay() for _ in range(6)]
    for delay, ceiling in zip(delays, [1, 2, 4, 8, 8, 8]):
        assert ceiling / 2 <= delay <= ceiling
    assert len(set(delays)) == len(delays)

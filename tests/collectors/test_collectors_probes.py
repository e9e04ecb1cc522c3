"""Access probes against real listeners on loopback: what the contact person would see."""

from __future__ import annotations

from pathlib import Path

import pytest
from collector_helpers import FullBacklogPort, SilentPort, WebServer, closed_port, self_signed

from collectors.probes import ProbeResult, http_probe, run_checks, ssh_banner_probe, tcp_probe


@pytest.fixture
def web() -> WebServer:
    server = WebServer()
    yield server
    server.stop()


@pytest.fixture
def tls_web(tmp_path: Path) -> tuple[WebServer, Path]:
    cert, key = self_signed(tmp_path, days=20)
    server = WebServer(tls=(cert, key))
    yield server, cert
    server.stop()


def test_tcp_open_port_reports_latency(web: WebServer) -> None:
    result = tcp_probe("127.0.0.1", web.port, timeout=2)
    assert result.ok and result.kind == "tcp" and result.target == f"127.0.0.1:{web.port}"
    assert result.latency_ms is not None and 0 <= result.latency_ms < 2000


def test_tcp_closed_port_is_refused_not_raised() -> None:
    result = tcp_probe("127.0.0.1", closed_port(), timeout=2)
    assert not result.ok and "refused" in result.error


def test_tcp_no_answer_times_out_within_the_limit() -> None:
    port = FullBacklogPort()
    try:
        result = tcp_probe("127.0.0.1", port.port, timeout=0.4)
    finally:
        port.stop()
    assert not result.ok and result.error == "timed out"


def test_ssh_banner_from_real_sshd(loopback_sshd) -> None:
    result = ssh_banner_probe(loopback_sshd.address, loopback_sshd.port, timeout=3)
    assert result.ok and result.detail.startswith("SSH-2.0-OpenSSH")
    assert result.latency_ms is not None


def test_ssh_banner_on_a_web_port_is_not_ssh(web: WebServer) -> None:
    silent = SilentPort()
    try:
        assert ssh_banner_probe("127.0.0.1", silent.port, timeout=0.3).error == "timed out"
    finally:
        silent.stop()
    result = ssh_banner_probe("127.0.0.1", closed_port(), timeout=1)
    assert not result.ok and "refused" in result.error


def test_http_expected_and_unexpected_status(web: WebServer) -> None:
    good = http_probe(web.url("/health"), 200, timeout=2)
    assert good.ok and good.status_code == 200 and good.detail == "HTTP 200 OK"
    assert good.cert_expires_at is None
    missing = http_probe(web.url("/nope"), 200, timeout=2)
    assert not missing.ok and missing.status_code == 404 and "expected HTTP 200, got 404" in missing.error


def test_http_that_never_answers_times_out() -> None:
    silent = SilentPort()
    try:
        result = http_probe(f"http://127.0.0.1:{silent.port}/", 200, timeout=0.3)
    finally:
        silent.stop()
    assert not result.ok and result.error == "timed out"


def test_https_trusted_with_ca_file_reports_certificate_expiry(tls_web) -> None:
    server, cert = tls_web
    result = http_probe(server.url(), 200, timeout=3, ca_file=str(cert))
    assert result.ok and result.kind == "https" and result.status_code == 200
    assert result.cert_days_left in (19, 20) and result.cert_expires_at.endswith("Z")


def test_https_untrusted_certificate_fails_but_still_shows_expiry(tls_web) -> None:
    server, _ = tls_web
    result = http_probe(server.url(), 200, timeout=3)
    assert not result.ok and result.error.startswith("certificate not trusted")
    assert result.cert_days_left in (19, 20)
    unverified = http_probe(server.url(), 200, timeout=3, verify=False)
    assert unverified.ok and unverified.cert_days_left in (19, 20)


def test_https_expired_certificate(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path, days=-3)
    server = WebServer(tls=(cert, key))
    try:
        result = http_probe(server.url(), 200, timeout=3, ca_file=str(cert))
    finally:
        server.stop()
    assert not result.ok and "expired" in result.error
    assert result.cert_days_left is not None and result.cert_days_left < 0


def test_run_checks_mixes_kinds_and_never_raises(web: WebServer, tls_web, loopback_sshd) -> None:
    server, cert = tls_web
    checks = [
        {"kind": "tcp", "port": web.port},
        {"kind": "ssh", "port": loopback_sshd.port},
        {"kind": "http", "port": web.port, "path": "health"},
        {"kind": "https", "url": server.url(), "expect_status": 200, "ca_file": str(cert)},
        {"kind": "tcp", "port": closed_port()},
        {"kind": "gopher", "port": 70},
        {"kind": "tcp"},
    ]
    results = run_checks("127.0.0.1", checks, timeout=2)
    assert [r.ok for r in results] == [True, True, True, True, False, False, False]
    assert results[2].target == f"http://127.0.0.1:{web.port}/health"
    assert "unknown check kind" in results[5].error and "needs a port" in results[6].error
    assert all(isinstance(r, ProbeResult) and r.to_dict()["checked_at"] for r in results)

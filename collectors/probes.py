"""Access probes: can a server be reached the way its unit expects?

Used by the workflow's `configure` step (the SOP's "contact person tries to reach
it") and on a schedule for every active server. Standard library only and
synchronous, so a probe is cheap to run from a request handler, a thread pool or
the scheduler. A probe never raises for a network failure: the failure *is* the
result, written in `error` for the officer to read.
"""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from collectors.record import utc_now_iso

KINDS = ("tcp", "ssh", "http", "https")


@dataclass
class ProbeResult:
    """One probe's outcome, as shown to the contact person and the officer."""

    kind: str                       # tcp | ssh | http | https
    target: str                     # "host:port" or the URL
    ok: bool
    latency_ms: float | None = None  # connect (tcp), banner (ssh), response headers (http)
    detail: str | None = None       # banner or status line when it worked
    error: str | None = None        # why it did not, in words
    status_code: int | None = None
    cert_expires_at: str | None = None   # ISO 8601 UTC, https only
    cert_days_left: int | None = None
    checked_at: str = field(default_factory=utc_now_iso)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _elapsed_ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)


def _describe(exc: BaseException) -> str:
    """Words an officer can act on, not a traceback."""
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (nothing listening)"
    if isinstance(exc, socket.gaierror):
        return f"name not resolved: {exc.strerror or exc}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate not trusted: {exc.verify_message or exc}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def tcp_probe(host: str, port: int, timeout: float = 3.0) -> ProbeResult:
    """TCP connect only: is anything listening there, and how far is it?"""
    target = _hostport(host, port)
    start = time.perf_counter()
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return ProbeResult("tcp", target, True, _elapsed_ms(start), detail="connected")
    except OSError as exc:
        return ProbeResult("tcp", target, False, error=_describe(exc))


def ssh_banner_probe(host: str, port: int = 22, timeout: float = 3.0) -> ProbeResult:
    """Connect and read the SSH identification line (RFC 4253 4.2), sending nothing.

    A port that accepts but is not SSH (or is an SSH server too busy to greet)
    is reported as a failure, which a bare TCP probe would miss.
    """
    target = _hostport(host, port)
    start = time.perf_counter()
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(max(0.01, timeout - (time.perf_counter() - start)))
            buffer = b""
            # Servers may send other lines before the identification line.
            while len(buffer) < 8192:
                chunk = sock.recv(1024)
                if not chunk:
                    break
                buffer += chunk
                for line in buffer.split(b"\n")[:-1]:
                    if line.startswith(b"SSH-"):
                        banner = line.rstrip(b"\r").decode("ascii", "replace")
                        return ProbeResult("ssh", target, True, _elapsed_ms(start), detail=banner)
            return ProbeResult("ssh", target, False, error="no SSH banner: "
                               + (repr(buffer[:60]) if buffer else "connection closed"))
    except OSError as exc:
        return ProbeResult("ssh", target, False, error=_describe(exc))


def _not_after_from_der(der: bytes) -> datetime | None:
    """The certificate's notAfter, also when the chain was not verified."""
    try:
        from cryptography import x509  # paramiko brings it; optional here
        return x509.load_der_x509_certificate(der).not_valid_after_utc
    except ImportError:
        pass
    # Fallback: CPython's own decoder wants a PEM file.
    with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as handle:
        handle.write(ssl.DER_cert_to_PEM_cert(der))
    try:
        decoded = ssl._ssl._test_decode_cert(handle.name)  # type: ignore[attr-defined]
        return datetime.fromtimestamp(ssl.cert_time_to_seconds(decoded["notAfter"]), UTC)
    except (ValueError, KeyError, ssl.SSLError):
        return None
    finally:
        os.unlink(handle.name)


def _fill_cert(result: ProbeResult, sock: Any) -> None:
    der = sock.getpeercert(binary_form=True) if sock is not None else None
    not_after = _not_after_from_der(der) if der else None
    if not_after is not None:
        result.cert_expires_at = not_after.isoformat().replace("+00:00", "Z")
        result.cert_days_left = int((not_after - datetime.now(UTC)).total_seconds() // 86400)


def _peek_certificate(host: str, port: int, server_name: str, timeout: float, result: ProbeResult) -> None:
    """After a verification failure, read the certificate anyway to say when it expires."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (socket.create_connection((host, port), timeout=timeout) as raw,
              context.wrap_socket(raw, server_hostname=server_name) as tls):
            _fill_cert(result, tls)
    except OSError:
        pass


def http_probe(url: str, expect_status: int = 200, timeout: float = 5.0,
               ca_file: str | None = None, verify: bool = True) -> ProbeResult:
    """GET `url`; ok when the status is `expect_status`. For https, report the certificate expiry.

    `verify=False` still reports the expiry: self-signed certificates are common on
    BMCs and appliances, and an expiring one is still worth a warning.
    """
    parts = urlsplit(url)
    kind = parts.scheme.lower()
    if kind not in ("http", "https") or not parts.hostname:
        return ProbeResult(kind or "http", url, False, error="not an http(s) URL")
    host = parts.hostname
    port = parts.port or (443 if kind == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    result = ProbeResult(kind, url, False)
    if kind == "https":
        context = ssl.create_default_context(cafile=ca_file)
        if not verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(host, port, timeout=timeout,
                                                                       context=context)
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    start = time.perf_counter()
    try:
        conn.request("GET", path, headers={"User-Agent": "titip-probe/1", "Connection": "close"})
        if kind == "https":
            _fill_cert(result, conn.sock)
        response = conn.getresponse()
        result.latency_ms = _elapsed_ms(start)
        result.status_code = response.status
        result.detail = f"HTTP {response.status} {response.reason}".strip()
        response.read(65536)
        result.ok = response.status == expect_status
        if not result.ok:
            result.error = f"expected HTTP {expect_status}, got {response.status}"
    except ssl.SSLCertVerificationError as exc:
        result.error = _describe(exc)
        _peek_certificate(host, port, host, timeout, result)
    except (OSError, http.client.HTTPException) as exc:
        result.error = _describe(exc)
    finally:
        conn.close()
    return result


def run_checks(management_ip: str, checks: list[dict[str, Any]], timeout: float = 3.0) -> list[ProbeResult]:
    """Run a server's declared access checks against its management address, in order.

    A check is ``{"kind": "tcp"|"ssh", "port": 22}`` or
    ``{"kind": "http"|"https", "url": ..., "expect_status": 200}``; an http(s) check
    without a URL probes ``/`` on `management_ip` (with an optional ``port``/``path``).
    Optional keys: ``timeout``, and for https ``verify`` and ``ca_file``. A malformed
    check is reported as a failed result, never raised, so one typo does not hide
    the other checks.
    """
    results: list[ProbeResult] = []
    for check in checks:
        kind = str(check.get("kind", "")).lower()
        limit = float(check.get("timeout", timeout))
        try:
            if kind in ("tcp", "ssh"):
                port = int(check.get("port", 22 if kind == "ssh" else 0))
                if not 0 < port < 65536:
                    raise ValueError(f"a {kind} check needs a port")
                probe = tcp_probe if kind == "tcp" else ssh_banner_probe
                results.append(probe(management_ip, port, limit))
            elif kind in ("http", "https"):
                url = check.get("url") or _default_url(kind, management_ip, check)
                results.append(http_probe(url, int(check.get("expect_status", 200)), limit,
                                          ca_file=check.get("ca_file"),
                                          verify=bool(check.get("verify", True))))
            else:
                raise ValueError(f"unknown check kind {kind!r}; one of {KINDS}")
        except (TypeError, ValueError) as exc:
            results.append(ProbeResult(kind or "?", management_ip, False, error=f"bad check: {exc}"))
    return results


def _default_url(kind: str, host: str, check: dict[str, Any]) -> str:
    netloc = f"[{host}]" if ":" in host else host
    if check.get("port"):
        netloc += f":{int(check['port'])}"
    path = str(check.get("path", "/"))
    return f"{kind}://{netloc}{path if path.startswith('/') else '/' + path}"

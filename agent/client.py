"""HTTP client for the controller's agent API (a small HTTP/1.1 client on the standard library).

HTTP contract, version 1 (JSON bodies, UTF-8)
---------------------------------------------

Enroll, once per server, with a one-time token an admin issued::

    POST {controller}/api/v1/agents/enroll
    {"token": "<one-time token>", "hostname": "db01", "agent_version": "0.1.0"}
    -> 200 {"agent_id": "<id>", "credential": "<bearer secret>"}
    -> 401 (or 403) token unknown, expired or already used; other 4xx: bad request

Report, for every inventory and heartbeat::

    POST {controller}/api/v1/agents/reports
    Authorization: Bearer <credential>
    {"report_id": "<uuid4>", "kind": "inventory" | "heartbeat",
     "sent_at": "<ISO 8601 UTC>", "payload": {<InventoryRecord | ConditionRecord>},
     "dropped_heartbeats": <int>}
    -> 200/201 {"stored": bool, "inventory_requested": bool}

`report_id` is fixed when the report is made and kept on every resend; the
controller stores a report once however often it arrives (`stored: false` for
a repeat, still 2xx). `payload` is `collectors.record` `to_dict()` output.
`dropped_heartbeats` counts heartbeats the agent evicted from a full spool since
the last count it delivered; it rides on the next heartbeat (0 on inventories).

How the agent treats answers:

* 2xx: delivered; removed from the spool.
* 401: the credential was revoked. The agent logs it, keeps spooling (nothing is
  lost if an admin restores access or the server is re-enrolled with
  `titip-agent enroll`, which the running agent picks up), and retries at the
  slowest backoff.
* 408, 429, 5xx, redirects, connection errors, timeouts, undecodable replies:
  transient. The report stays spooled; the agent backs off exponentially with
  jitter (429/503 `Retry-After` in seconds is honoured).
* any other 4xx (403 included): the controller will never accept this report;
  it is dropped with a log line so one bad report cannot block the queue.

Transport rules: HTTPS with certificate and hostname verification (system CAs,
or only `--ca-file` when given). Plain http is refused before any connection
unless the host is a loopback address or `allow_insecure_http` is set.
Environment proxy variables are ignored and redirects are not followed, so
reports go only where the configuration says. Secrets are never logged.

Why not urllib.request or http.client: the agent is the one resident process on
every server, and those two import `ssl` (OpenSSL, ~4 MB of RSS here) and the
`email` package whether or not the controller is on https. This client sends one
POST per connection (`Connection: close`) and imports `ssl` only for an https URL.
"""

from __future__ import annotations

import json
import os
import socket

TYPE_CHECKING = False
if TYPE_CHECKING:  # the typing module costs ~0.4 MB of RSS; annotations are strings anyway
    import random
    from ssl import SSLContext
    from typing import Any, BinaryIO

ENROLL_PATH = "/api/v1/agents/enroll"
REPORTS_PATH = "/api/v1/agents/reports"
MAX_REPLY_BYTES = 1 << 20  # replies are a few bytes of JSON; never buffer more than this
_MAX_LINE, _MAX_HEADERS = 8192, 100


class ClientError(Exception):
    """Base for what the controller or the network told us."""


class InsecureURL(ClientError, ValueError):
    """A controller URL the agent refuses to talk to."""


class Transient(ClientError):
    """Try again later; `retry_after` is the controller's hint in seconds, if any."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unauthorized(ClientError):
    """401: the token or credential is not (or no longer) accepted."""


class Rejected(ClientError):
    """A 4xx the controller will answer the same way however often we retry."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Enrollment:
    __slots__ = ("agent_id", "credential")

    def __init__(self, agent_id: str, credential: str) -> None:
        self.agent_id, self.credential = agent_id, credential


class _URL:
    """The parts of a controller URL the client needs."""

    __slots__ = ("host", "path", "port", "scheme")

    def __init__(self, scheme: str, host: str, port: int, path: str) -> None:
        self.scheme, self.host, self.port, self.path = scheme, host, port, path

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def split_url(url: str) -> _URL:
    """`scheme://host[:port][/path]` without urllib.parse (which brings ipaddress along)."""
    bad = InsecureURL(f"controller URL must be https://host[:port], got {url!r}")
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in ("https", "http"):
        raise bad
    rest = rest.split("#", 1)[0].split("?", 1)[0]
    netloc, slash, path = rest.partition("/")
    netloc = netloc.rpartition("@")[2]  # user:password@ is never sent
    if netloc.startswith("["):
        host, bracket, after = netloc[1:].partition("]")
        if not bracket or (after and not after.startswith(":")):
            raise bad
        port_text = after[1:]
    else:
        host, _, port_text = netloc.partition(":")
    if not host or any(c in host for c in " \t\r\n/\\"):
        raise bad
    try:
        port = int(port_text) if port_text else (443 if scheme == "https" else 80)
    except ValueError:
        raise bad from None
    if not 0 < port < 65536:
        raise bad
    return _URL(scheme, host.lower(), port, (slash + path).rstrip("/"))


def check_url(url: str, allow_insecure_http: bool = False) -> str:
    """Validate a controller URL without touching the network; return it without trailing /."""
    parts = split_url(url)
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(parts.host):
        raise InsecureURL(
            f"refusing plain http to {parts.host}: the credential would cross the network "
            "unencrypted; use https (with --ca-file for a private CA) or --allow-insecure-http")
    return url.rstrip("/")


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost (what `ipaddress.ip_address(host).is_loopback` says)."""
    if host == "localhost":
        return True
    try:
        return socket.inet_pton(socket.AF_INET, host)[0] == 127
    except OSError:
        pass
    try:
        return socket.inet_pton(socket.AF_INET6, host) == bytes(15) + b"\x01"
    except OSError:
        return False


def tls_context(ca_file: str | None) -> SSLContext:
    """Verify the certificate chain and the host name, against `ca_file` or the system CAs.

    The system CAs are looked up one by one in the hashed certificate directory when there is
    one, rather than all ~150 parsed into memory up front (~2 MB of RSS).
    """
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED and check_hostname
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
        return context
    paths = ssl.get_default_verify_paths()
    if paths.capath and not os.environ.get(paths.openssl_cafile_env) and _has_hash_links(paths.capath):
        context.load_verify_locations(capath=paths.capath)
    else:
        context.load_default_certs()
    return context


def _has_hash_links(directory: str) -> bool:
    """OpenSSL finds a CA in a directory only through `<subject hash>.<n>` names."""
    try:
        with os.scandir(directory) as entries:
            return any(len(e.name) == 10 and e.name[8] == "." and e.name[9].isdigit()
                       for e in entries)
    except OSError:
        return False


def split_urls(value: str) -> list[str]:
    """`URL[,URL...]`: the controllers an agent may report to, in order of preference."""
    return [u for u in (p.strip() for p in value.split(",")) if u]


def check_urls(value: str, allow_insecure_http: bool = False) -> str:
    """Each URL of a comma-separated list checked; the list back, normalised."""
    urls = split_urls(value)
    if not urls:
        raise InsecureURL("no controller URL given")
    return ",".join(check_url(u, allow_insecure_http) for u in urls)


class ControllerClient:
    """Posts to the controller; given several URLs (`https://a,https://b`: two controllers on one
    database, or a standby), it moves to the next when one cannot be reached or answers 5xx, and
    stays with the one that answered. A report is stored once by its id whichever one takes it."""

    def __init__(self, base_url: str, *, ca_file: str | None = None,
                 allow_insecure_http: bool = False, timeout: float = 10.0) -> None:
        self.base_urls = check_urls(base_url, allow_insecure_http).split(",")
        self.timeout = timeout
        self._urls = [split_url(u) for u in self.base_urls]
        self._current = 0
        self._ca_file = ca_file
        self._context: SSLContext | None = None  # made at the first https request

    @property
    def base_url(self) -> str:
        return self.base_urls[self._current]

    @property
    def _url(self) -> _URL:
        return self._urls[self._current]

    def enroll(self, token: str, hostname: str, agent_version: str) -> Enrollment:
        reply = self._post(ENROLL_PATH, {"token": token, "hostname": hostname,
                                         "agent_version": agent_version}, headers={})
        try:
            return Enrollment(str(reply["agent_id"]), str(reply["credential"]))
        except KeyError as exc:
            raise ClientError(f"enroll reply lacks {exc.args[0]!r}") from None

    def send_report(self, credential: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST one report; returns the reply (`stored`, `inventory_requested`)."""
        return self._post(REPORTS_PATH, body, headers={"Authorization": f"Bearer {credential}"})

    def _post(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        data = json.dumps(body).encode("utf-8")
        first = self._current
        failure: ClientError | None = None
        for step in range(len(self._urls)):
            self._current = (first + step) % len(self._urls)
            try:
                status, reply_headers, raw = self._exchange(path, data, headers)
            except OSError as exc:  # refused, DNS, TLS, timeout, reset: try the next controller
                failure = Transient(f"cannot reach controller {self.base_url}: {exc}")
                continue
            if status >= 500:      # this controller is broken or going away; another may not be
                failure = _classify(status, reply_headers, raw)
                continue
            break
        else:
            self._current = first
            assert failure is not None
            raise failure
        if not 200 <= status < 300:
            raise _classify(status, reply_headers, raw)
        if not raw.strip():
            return {}
        try:
            reply = json.loads(raw)
        except ValueError:
            raise Transient("controller reply is not JSON") from None
        return reply if isinstance(reply, dict) else {}

    def _exchange(self, path: str, data: bytes,
                  headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """One POST on a fresh connection; (status, lower-cased headers, body)."""
        url = self._url
        lines = [f"POST {url.path}{path} HTTP/1.1", f"Host: {url.host_header}",
                 "Content-Type: application/json", "Accept: application/json",
                 "User-Agent: titip-agent", f"Content-Length: {len(data)}", "Connection: close"]
        for name, value in headers.items():
            if "\r" in value or "\n" in value:
                raise ClientError(f"invalid {name} header value")  # never echo it: a secret
            lines.append(f"{name}: {value}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        # Host names as bytes: a str makes socket and ssl import the idna codec (with
        # unicodedata), ~0.3 MB, for names that are ASCII anyway.
        host = url.host.encode("ascii") if url.host.isascii() else url.host.encode("idna")
        sock = socket.create_connection((host, url.port), timeout=self.timeout)  # type: ignore[arg-type]
        try:
            if url.scheme == "https":
                if self._context is None:
                    self._context = tls_context(self._ca_file)
                sock = self._context.wrap_socket(sock, server_hostname=host)
            sock.sendall(head + data)
            with sock.makefile("rb") as reply:
                return read_response(reply)
        finally:
            sock.close()


def read_response(reply: BinaryIO) -> tuple[int, dict[str, str], bytes]:
    """Parse an HTTP/1.x response: Content-Length, chunked, or the body up to the close.

    Raises OSError for anything that is not a well-formed reply (a transient failure).
    """
    while True:
        line = reply.readline(_MAX_LINE)
        if not line:
            raise OSError("the connection closed before a reply")
        parts = line.decode("latin-1").split(None, 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise OSError(f"not an HTTP reply: {line[:60]!r}")
        status = int(parts[1])
        headers = _read_headers(reply)
        if not 100 <= status < 200:  # skip interim replies (100 Continue)
            break
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return status, headers, _read_chunked(reply)
    if "content-length" in headers:
        try:
            length = int(headers["content-length"])
        except ValueError:
            raise OSError("bad Content-Length in the reply") from None
        body = reply.read(min(length, MAX_REPLY_BYTES))
        if len(body) < min(length, MAX_REPLY_BYTES):
            raise OSError("the reply was cut short")
        return status, headers, body
    return status, headers, reply.read(MAX_REPLY_BYTES)


def _read_headers(reply: BinaryIO) -> dict[str, str]:
    headers: dict[str, str] = {}
    for _ in range(_MAX_HEADERS):
        line = reply.readline(_MAX_LINE)
        if line in (b"\r\n", b"\n", b""):
            return headers
        name, sep, value = line.decode("latin-1").partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    raise OSError("too many header lines in the reply")


def _read_chunked(reply: BinaryIO) -> bytes:
    body = bytearray()
    while True:
        size_line = reply.readline(_MAX_LINE).split(b";", 1)[0].strip()
        try:
            size = int(size_line, 16)
        except ValueError:
            raise OSError("bad chunk size in the reply") from None
        if size == 0:
            _read_headers(reply)  # trailers
            return bytes(body)
        if len(body) + size > MAX_REPLY_BYTES:
            raise OSError("the reply is larger than an agent reply can be")
        chunk = reply.read(size)
        if len(chunk) < size:
            raise OSError("the reply was cut short")
        body += chunk
        reply.readline(_MAX_LINE)  # the CRLF after each chunk


def _classify(status: int, headers: dict[str, str], raw: bytes) -> ClientError:
    detail = " ".join(raw[:300].decode("utf-8", "replace").split())
    message = f"controller answered {status}{': ' + detail if detail else ''}"
    if status == 401:
        return Unauthorized(message)
    if status in (408, 429) or status >= 500 or status < 400:  # 1xx/3xx: redirects are not followed
        return Transient(message, _retry_after(headers))
    return Rejected(status, message)


def _retry_after(headers: dict[str, str]) -> float | None:
    try:
        return max(0.0, float(headers.get("retry-after", "")))
    except ValueError:
        return None


class Backoff:
    """Exponential backoff with "equal jitter": never zero, never in lockstep.

    A room full of agents restarting after a controller outage should not all
    knock at the same second.
    """

    def __init__(self, base: float, cap: float, rng: random.Random | _Jitter | None = None) -> None:
        self.base, self.cap = base, cap
        self.attempts = 0
        self._rng = rng or _Jitter()

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * 2 ** min(self.attempts, 30))
        self.attempts += 1
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.attempts = 0


class _Jitter:
    """`random.Random().uniform` from os.urandom: the random module is ~0.2 MB of RSS."""

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * int.from_bytes(os.urandom(7), "big") / (1 << 56)

"""HTTP client for the controller's agent API (urllib, standard library only).

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
"""

from __future__ import annotations

import ipaddress
import json
import random
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

ENROLL_PATH = "/api/v1/agents/enroll"
REPORTS_PATH = "/api/v1/agents/reports"


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


@dataclass(frozen=True)
class Enrollment:
    agent_id: str
    credential: str


def check_url(url: str, allow_insecure_http: bool = False) -> str:
    """Validate a controller URL without touching the network; return it without trailing /."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InsecureURL(f"controller URL must be https://host[:port], got {url!r}")
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(parts.hostname):
        raise InsecureURL(
            f"refusing plain http to {parts.hostname}: the credential would cross the network "
            "unencrypted; use https (with --ca-file for a private CA) or --allow-insecure-http")
    return url.rstrip("/")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect could lead to plain http elsewhere; surface it as an error instead."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class ControllerClient:
    def __init__(self, base_url: str, *, ca_file: str | None = None,
                 allow_insecure_http: bool = False, timeout: float = 10.0) -> None:
        self.base_url = check_url(base_url, allow_insecure_http)
        self.timeout = timeout
        context = ssl.create_default_context(cafile=ca_file)  # verifies cert and hostname
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), _NoRedirect(),
            urllib.request.HTTPSHandler(context=context))

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
        request = urllib.request.Request(
            self.base_url + path, data=json.dumps(body).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json",
                     "User-Agent": "titip-agent", **headers})
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise _classify(exc) from None
        except (urllib.error.URLError, OSError) as exc:  # refused, DNS, TLS, timeout
            reason = getattr(exc, "reason", exc)
            raise Transient(f"cannot reach controller {self.base_url}: {reason}") from None
        if not raw.strip():
            return {}
        try:
            reply = json.loads(raw)
        except ValueError:
            raise Transient("controller reply is not JSON") from None
        return reply if isinstance(reply, dict) else {}


def _classify(exc: urllib.error.HTTPError) -> ClientError:
    status = exc.code
    detail = _detail(exc)
    if status == 401:
        return Unauthorized(f"controller answered {status}{detail}")
    if status in (408, 429) or status >= 500 or 300 <= status < 400:
        return Transient(f"controller answered {status}{detail}", _retry_after(exc))
    return Rejected(status, f"controller answered {status}{detail}")


def _detail(exc: urllib.error.HTTPError) -> str:
    """A short, single-line excerpt of the error body for the log."""
    try:
        text = exc.read(300).decode("utf-8", "replace")
    except OSError:
        return ""
    text = " ".join(text.split())
    return f": {text}" if text else ""


def _retry_after(exc: urllib.error.HTTPError) -> float | None:
    try:
        return max(0.0, float(exc.headers.get("Retry-After", "")))
    except (TypeError, ValueError):
        return None


class Backoff:
    """Exponential backoff with "equal jitter": never zero, never in lockstep.

    A room full of agents restarting after a controller outage should not all
    knock at the same second.
    """

    def __init__(self, base: float, cap: float, rng: random.Random | None = None) -> None:
        self.base, self.cap = base, cap
        self.attempts = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * 2 ** min(self.attempts, 30))
        self.attempts += 1
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.attempts = 0

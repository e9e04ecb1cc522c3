"""Access probe labels: `kind:port` (ssh:22, https:443), bounded by what was configured.

The host is the server's own management address and a URL path is free text typed by an
officer, so neither becomes a label value. Two checks of a round that share a label (two
paths on one web server) are reported as the worse of the two. A round's lines are rendered
once and kept (`cache.RowCache`) until the server's next round.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from .exposition import line, pair

KINDS = ("tcp", "ssh", "http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ssh": 22}


@dataclass(slots=True)
class Probe:
    kind: str
    target: str
    ok: bool
    latency_ms: float | None


class ProbeLike(Protocol):
    kind: str
    target: str
    ok: bool
    latency_ms: float | None


def _port(kind: str, target: str) -> str:
    try:
        if kind in ("http", "https"):
            port = urlsplit(target).port or _DEFAULT_PORTS[kind]
        else:
            port = int(target.rsplit(":", 1)[1]) if ":" in target else _DEFAULT_PORTS.get(kind, 0)
    except (ValueError, IndexError):
        return "unknown"
    return str(port) if 0 < port < 65536 else "unknown"


def probe_label(probes: Iterable[ProbeLike]) -> dict[str, tuple[bool, float | None]]:
    """label -> (reachable, latency in seconds) for one round of probes."""
    out: dict[str, tuple[bool, float | None]] = {}
    for p in probes:
        kind = p.kind if p.kind in KINDS else "other"
        label = f"{kind}:{_port(kind, p.target)}"
        latency = round(p.latency_ms / 1000.0, 6) if p.latency_ms is not None else None
        if label in out:
            ok0, lat0 = out[label]
            latency = max((x for x in (lat0, latency) if x is not None), default=None)
            out[label] = (ok0 and p.ok, latency)
        else:
            out[label] = (p.ok, latency)
    return out


# (name, help, labels) of the families a probe round feeds, in the order `rendered` fills them.
FAMILIES = (
    ("titip_access_probe_success", "Latest access probe result (1 reachable, 0 not)", ("server", "probe")),
    ("titip_access_probe_latency_seconds", "Latest access probe latency", ("server", "probe")),
    ("titip_access_probe_last_timestamp_seconds", "When the server was last probed", ("server",)),
)
Rows = tuple[str, str, str]


def rendered(server: str, at: float, probes: Iterable[ProbeLike]) -> Rows:
    """The sample lines of each family in FAMILIES (one string per family, maybe empty);
    `server` is the rendered `server="..."` pair."""
    ok_name, latency_name, at_name = (name for name, _, _ in FAMILIES)
    success: list[str] = []
    latency: list[str] = []
    for label, (ok, seconds) in probe_label(probes).items():
        labels = f"{server},{pair('probe', label)}"
        success.append(line(ok_name, labels, 1 if ok else 0))
        if seconds is not None:
            latency.append(line(latency_name, labels, seconds))
    return "".join(success), "".join(latency), line(at_name, server, at)

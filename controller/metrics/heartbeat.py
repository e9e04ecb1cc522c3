"""A server's latest vitals (`domain.vitals`, reduced from its heartbeat at ingest) as metric lines.

`snapshot.py` renders a server's lines once and keeps them in a `cache.RowCache` until the
server's `last_seen_at` moves.
"""

from __future__ import annotations

from ..domain.vitals import Vitals
from .exposition import line, pair

# (name, help, labels) of the families a heartbeat feeds, in the order `rendered` fills them.
FAMILIES = (
    ("titip_server_cpu_usage_ratio", "CPU busy share (0-1) from the latest heartbeat", ("server",)),
    ("titip_server_load1", "1-minute load average from the latest heartbeat", ("server",)),
    ("titip_server_memory_used_ratio", "Memory in use (0-1) from the latest heartbeat", ("server",)),
    ("titip_server_memory_total_bytes", "Memory size from the latest heartbeat", ("server",)),
    ("titip_server_filesystem_used_ratio", "Filesystem use (0-1) per mount point", ("server", "mountpoint")),
    ("titip_server_filesystem_size_bytes", "Filesystem size per mount point", ("server", "mountpoint")),
    ("titip_server_temperature_celsius", "Hottest reading of each sensor chip", ("server", "sensor")),
    ("titip_server_temperature_high_celsius", "The chip's own 'high' threshold", ("server", "sensor")),
)
Rows = tuple[str, ...]


def rendered(server: str, vit: Vitals) -> Rows:
    """The sample lines of each family in FAMILIES (one string per family, maybe empty);
    `server` is the rendered `server="..."` pair."""
    cpu, load, mem, mem_total, fs_used, fs_size, temp, temp_high = (name for name, _, _ in FAMILIES)
    out: tuple[list[str], ...] = tuple([] for _ in FAMILIES)
    for rows, name, value in zip(out, (cpu, load, mem, mem_total),
                                 (vit.cpu_ratio, vit.load1, vit.memory_ratio, vit.memory_bytes)):
        if value is not None:
            rows.append(line(name, server, value))
    for mount, ratio, size in vit.filesystems:
        labels = f"{server},{pair('mountpoint', mount)}"
        if ratio is not None:
            out[4].append(line(fs_used, labels, ratio))
        if size is not None:
            out[5].append(line(fs_size, labels, size))
    for sensor, celsius, high in vit.temperatures:
        labels = f"{server},{pair('sensor', sensor)}"
        out[6].append(line(temp, labels, celsius))
        if high is not None:
            out[7].append(line(temp_high, labels, high))
    return tuple("".join(lines) for lines in out)

"""The few numbers the metrics need from a server's latest heartbeat, as metric lines.

A heartbeat (`collectors.record.ConditionRecord` as JSON) is a kilobyte or two; decoding
10,000 of them on every scrape would take most of the time budget, so `snapshot.py` decodes
a heartbeat once, renders its lines here, and keeps them in a `cache.RowCache` until the
server's `last_seen_at` moves. Anything malformed in a heartbeat reads as "not known".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .exposition import line, pair

# Label values must stay bounded: a server gets at most this many mount points and sensor
# chips on the metrics (the agent already leaves out kernel and container filesystems).
MAX_FILESYSTEMS = 16
MAX_SENSORS = 16


@dataclass(frozen=True, slots=True)
class Vitals:
    cpu_ratio: float | None = None
    load1: float | None = None
    memory_ratio: float | None = None
    memory_bytes: float | None = None
    # (mount point, used ratio, size in bytes)
    filesystems: tuple[tuple[str, float | None, float | None], ...] = ()
    # (sensor chip, hottest reading, lowest "high" threshold the chip reports)
    temperatures: tuple[tuple[str, float, float | None], ...] = ()


def _num(value: Any) -> float | None:
    """A finite number, or None (bools too): the exposition writer relies on finite values.

    Called ~25 times a heartbeat, so exact type tests: `x - x` is 0 only for finite x."""
    kind = type(value)
    if kind is float:
        return value if value - value == 0.0 else None
    if kind is int:
        return float(value)
    return None


def _ratio(percent: Any) -> float | None:
    value = _num(percent)
    return None if value is None else round(value / 100.0, 4)


def vitals(payload: str | None) -> Vitals:
    """Reduce a heartbeat to what the metrics show; anything malformed counts as unknown."""
    try:
        data = json.loads(payload) if payload else {}
    except ValueError:
        return Vitals()
    if not isinstance(data, dict):
        return Vitals()
    cpu = data.get("cpu") if isinstance(data.get("cpu"), dict) else {}
    memory = data.get("memory") if isinstance(data.get("memory"), dict) else {}
    filesystems: dict[str, tuple[str, float | None, float | None]] = {}
    for fs in data.get("filesystems") or ():
        if not isinstance(fs, dict) or not isinstance(fs.get("mountpoint"), str):
            continue
        if len(filesystems) >= MAX_FILESYSTEMS or fs["mountpoint"] in filesystems:
            continue
        size, used = _num(fs.get("size_bytes")), _num(fs.get("used_bytes"))
        ratio = _ratio(fs.get("used_percent"))
        if ratio is None and size and used is not None:
            ratio = round(used / size, 4)
        filesystems[fs["mountpoint"]] = (fs["mountpoint"], ratio, size)
    chips: dict[str, tuple[float, float | None]] = {}
    for t in data.get("temperatures") or ():
        if not isinstance(t, dict) or not isinstance(t.get("sensor"), str):
            continue
        celsius, high = _num(t.get("celsius")), _num(t.get("high_celsius"))
        celsius = None if celsius is None else round(celsius, 1)
        if celsius is None or (t["sensor"] not in chips and len(chips) >= MAX_SENSORS):
            continue
        hottest, lowest_high = chips.get(t["sensor"], (celsius, None))
        if high is not None and high > 0:
            lowest_high = high if lowest_high is None else min(lowest_high, high)
        chips[t["sensor"]] = (max(hottest, celsius), lowest_high)
    return Vitals(
        cpu_ratio=_ratio(cpu.get("percent")), load1=_num(cpu.get("load_1")),
        memory_ratio=_ratio(memory.get("used_percent")), memory_bytes=_num(memory.get("total_bytes")),
        filesystems=tuple(filesystems.values()),
        temperatures=tuple((name, hot, high) for name, (hot, high) in chips.items()))


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

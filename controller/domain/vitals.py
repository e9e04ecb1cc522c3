"""The few numbers a heartbeat is watched for, reduced once when it arrives.

A heartbeat (`collectors.record.ConditionRecord`) is a kilobyte or two of JSON. The server-room
screen and the alerts need only a handful of its numbers, for every server, every 15 seconds.
Ingest reduces each heartbeat to `Vitals` and stores them packed (~150 bytes) beside it, so a
scrape decodes a short list instead of the whole heartbeat. Anything malformed reads as
"not known", never as an error: an agent's report must not break the server-room screen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

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


def reduce(data: Any) -> Vitals:
    """What the metrics show of a heartbeat (the decoded record); malformed parts are unknown."""
    if not isinstance(data, dict):
        return Vitals()
    cpu = data["cpu"] if isinstance(data.get("cpu"), dict) else {}
    memory = data["memory"] if isinstance(data.get("memory"), dict) else {}
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


def of_json(payload: str | None) -> Vitals:
    """`reduce` of a stored heartbeat (rows written before vitals were kept at ingest)."""
    try:
        return reduce(json.loads(payload)) if payload else Vitals()
    except ValueError:
        return Vitals()


def pack(v: Vitals) -> str:
    """Vitals as a short JSON list, stored at ingest: `[cpu, load1, mem, mem_bytes, [fs...], [temp...]]`."""
    return json.dumps([v.cpu_ratio, v.load1, v.memory_ratio, v.memory_bytes, v.filesystems, v.temperatures],
                      separators=(",", ":"))


def unpack(packed: str) -> Vitals:
    """The inverse of `pack`; a value that is not one (an older or damaged row) is unknown."""
    try:
        cpu, load1, mem, mem_bytes, filesystems, temperatures = json.loads(packed)
        return Vitals(cpu, load1, mem, mem_bytes, tuple((m, r, s) for m, r, s in filesystems),
                      tuple((n, h, hi) for n, h, hi in temperatures))
    except (ValueError, TypeError):
        return Vitals()

"""The one versioned record shape that every fact source fills.

The agent, the SNMP collector and the SSH collector all produce an
`InventoryRecord` (what the server is) and, where they can, a `ConditionRecord`
(how it is doing now). The controller then never branches on where a fact came
from except to rank freshness. Standard library only, so the agent can ship it.

`None` means "not known"; a field the source tried and failed to read for lack
of permission is also named in `unreadable` (e.g. ``"dmi.serial"``), so the
controller does not mistake a missing serial for hardware drift.

Bump `SCHEMA_VERSION` only for changes an older reader would misread; adding an
optional field is not one (readers ignore keys they do not know).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

SCHEMA_VERSION = 1
SOURCES = ("agent", "snmp", "ssh")
Source = Literal["agent", "snmp", "ssh"]

T = TypeVar("T")

# Values vendors leave in DMI fields. One list for the agent, the SSH collector and the drift
# check: a placeholder reported as a serial would fake a match (or a mismatch).
PLACEHOLDERS = frozenset({
    "", "default string", "to be filled by o.e.m.", "to be filled by oem", "system serial number",
    "system product name", "chassis serial number", "not specified", "not applicable", "none", "n/a",
    "na", "unknown", "invalid", "serial number", "0123456789", "123456789", "1234567890", "oem", "o.e.m.",
})


def is_placeholder(value: str | None) -> bool:
    """A DMI value that says nothing (any field)."""
    return value is None or value.strip().lower() in PLACEHOLDERS


def is_placeholder_serial(serial: str | None) -> bool:
    """A placeholder, or a serial of one repeated character ("0000000", "--------")."""
    return is_placeholder(serial) or len(set(serial.strip().lower().replace("-", ""))) <= 1  # type: ignore[union-attr]


class UnsupportedSchema(ValueError):
    """A record from a newer writer whose meaning this reader cannot know."""


def check_schema_version(data: dict[str, Any]) -> None:
    """Refuse a record of a version this reader does not know (none says: the current one)."""
    version = data.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version > SCHEMA_VERSION:
        raise UnsupportedSchema(f"schema_version {version!r} is newer than {SCHEMA_VERSION}, the newest this "
                                "reader knows")


def utc_now_iso() -> str:
    """ISO 8601 UTC with a `Z`, the one timestamp format in records."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class OsInfo:
    name: str | None = None
    version: str | None = None
    kernel: str | None = None


@dataclass
class DmiInfo:
    vendor: str | None = None
    product: str | None = None
    serial: str | None = None
    bios_version: str | None = None
    bios_date: str | None = None


@dataclass
class CpuInfo:
    model: str | None = None
    sockets: int | None = None
    cores: int | None = None
    threads: int | None = None


@dataclass
class Disk:
    name: str
    model: str | None = None
    serial: str | None = None
    size_bytes: int | None = None
    rotational: bool | None = None


@dataclass
class Filesystem:
    mountpoint: str
    fstype: str | None = None
    size_bytes: int | None = None
    used_bytes: int | None = None


@dataclass
class Nic:
    name: str
    mac: str | None = None
    addresses: list[str] = field(default_factory=list)
    speed_mbps: int | None = None
    is_up: bool | None = None


@dataclass
class _Record:
    """Shared helpers; subclasses are plain dataclasses."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        check_schema_version(data)
        source = data.get("source")
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
        return _build(cls, data)


@dataclass
class InventoryRecord(_Record):
    """What a server is: compared month to month to spot hardware drift."""

    source: Source
    hostname: str
    schema_version: int = SCHEMA_VERSION
    collected_at: str = field(default_factory=utc_now_iso)
    fqdn: str | None = None
    os: OsInfo = field(default_factory=OsInfo)
    dmi: DmiInfo = field(default_factory=DmiInfo)
    cpu: CpuInfo = field(default_factory=CpuInfo)
    memory_bytes: int | None = None
    disks: list[Disk] = field(default_factory=list)
    filesystems: list[Filesystem] = field(default_factory=list)
    nics: list[Nic] = field(default_factory=list)
    agent_version: str | None = None
    unreadable: list[str] = field(default_factory=list)


@dataclass
class CpuLoad:
    percent: float | None = None
    load_1: float | None = None
    load_5: float | None = None
    load_15: float | None = None


@dataclass
class MemoryUse:
    total_bytes: int | None = None
    available_bytes: int | None = None
    used_percent: float | None = None
    swap_total_bytes: int | None = None
    swap_used_bytes: int | None = None


@dataclass
class FilesystemUse:
    mountpoint: str
    fstype: str | None = None
    size_bytes: int | None = None
    used_bytes: int | None = None
    used_percent: float | None = None
    inodes_used_percent: float | None = None


@dataclass
class Temperature:
    sensor: str
    label: str | None = None
    celsius: float | None = None
    high_celsius: float | None = None
    critical_celsius: float | None = None


@dataclass
class Fan:
    sensor: str
    label: str | None = None
    rpm: int | None = None


@dataclass
class NicCondition:
    name: str
    is_up: bool | None = None
    speed_mbps: int | None = None
    errors_in: int | None = None
    errors_out: int | None = None
    drops_in: int | None = None
    drops_out: int | None = None


@dataclass
class ConditionRecord(_Record):
    """How a server is doing now: the heartbeat payload the condition rules read."""

    source: Source
    hostname: str
    schema_version: int = SCHEMA_VERSION
    collected_at: str = field(default_factory=utc_now_iso)
    uptime_seconds: int | None = None
    cpu: CpuLoad = field(default_factory=CpuLoad)
    memory: MemoryUse = field(default_factory=MemoryUse)
    filesystems: list[FilesystemUse] = field(default_factory=list)
    temperatures: list[Temperature] = field(default_factory=list)
    fans: list[Fan] = field(default_factory=list)
    nics: list[NicCondition] = field(default_factory=list)
    agent_version: str | None = None
    unreadable: list[str] = field(default_factory=list)


def _build(cls: type[T], data: dict[str, Any]) -> T:
    """Build a dataclass from a dict, recursing into nested records.

    Unknown keys are ignored so that an older reader accepts a newer writer's
    additive changes.
    """
    hints = typing.get_type_hints(cls)
    kwargs = {f.name: _convert(hints[f.name], data[f.name])
              for f in dataclasses.fields(cls) if f.name in data}  # type: ignore[arg-type]
    return cls(**kwargs)


def _convert(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _convert(inner[0], value) if len(inner) == 1 else value
    if origin is list:
        (item,) = typing.get_args(tp)
        return [_convert(item, v) for v in value]
    if dataclasses.is_dataclass(tp):
        return _build(tp, value)  # type: ignore[arg-type]
    return value

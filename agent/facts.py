"""Facts about this server, read from psutil, /sys, /proc and /etc.

The agent runs as an unprivileged user, so some files are root-only (on most
distributions /sys/class/dmi/id/product_serial, and disk VPD pages). Those are
named in the record's `unreadable` list rather than silently left empty, so the
controller can tell "serial unknown to the agent" from "serial changed".

Nothing here touches the network: the FQDN comes from /etc/hosts, not DNS,
because a DNS lookup can hang for seconds when the room's resolver is down.

A heartbeat is built as the plain dict `ConditionRecord.to_dict()` gives (the tests hold
the two equal): the resident agent then never imports `collectors.record`, `dataclasses`
and `typing` (~2 MB of RSS). What only an inventory needs is imported inside
`collect_inventory`, which the run loop calls in a short-lived child process.
"""

from __future__ import annotations

import os
import socket
import time

import psutil

from agent import __version__
from collectors.linux_text import DMI_FILES, PSEUDO_FS, VIRTUAL_DISK_PREFIXES, cpuinfo, fqdn_alias, os_release

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from typing import Any

    from collectors.record import ConditionRecord, CpuInfo, Disk, DmiInfo, InventoryRecord, Nic, OsInfo

SCHEMA_VERSION = 1  # collectors.record.SCHEMA_VERSION, which a test holds this to



class Roots:
    """Where to read from; tests point these at a fake tree."""

    def __init__(self, sys: str | os.PathLike[str] = "/sys", proc: str | os.PathLike[str] = "/proc",
                 etc: str | os.PathLike[str] = "/etc") -> None:
        from pathlib import Path

        self.sys, self.proc, self.etc = Path(sys), Path(proc), Path(etc)


class _Reader:
    """Reads small text files and remembers which ones permission kept from us."""

    def __init__(self) -> None:
        self.unreadable: list[str] = []

    def text(self, path: Path, field: str) -> str | None:
        try:
            value = path.read_text(encoding="utf-8", errors="replace").strip()
        except PermissionError:
            self.unreadable.append(field)
            return None
        except OSError:  # absent on this hardware or kernel
            return None
        return value or None

    def integer(self, path: Path, field: str) -> int | None:
        value = self.text(path, field)
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None


def collect_inventory(roots: Roots | None = None) -> InventoryRecord:
    from collectors.record import Filesystem, InventoryRecord

    roots = roots or Roots()
    reader = _Reader()
    hostname = socket.gethostname()
    record = InventoryRecord(
        source="agent", hostname=hostname, fqdn=_fqdn(hostname, roots.etc / "hosts"),
        os=_os_info(roots), dmi=_dmi(reader, roots), cpu=_cpu(roots),
        memory_bytes=psutil.virtual_memory().total, disks=list(_disks(reader, roots)),
        filesystems=[], nics=_nics(), agent_version=__version__)
    for part in _real_partitions():
        try:
            usage = psutil.disk_usage(part.mountpoint)
        except PermissionError:
            reader.unreadable.append(f"filesystems[{part.mountpoint}]")
            continue
        except OSError:
            continue
        record.filesystems.append(Filesystem(part.mountpoint, part.fstype, usage.total, usage.used))
    record.unreadable = reader.unreadable
    return record


def collect_condition() -> ConditionRecord:
    """A heartbeat's facts as a record. CPU percent is since the previous call: prime it once."""
    from collectors.record import ConditionRecord

    return ConditionRecord.from_dict(condition_payload())


def condition_payload() -> dict[str, Any]:
    """A heartbeat's facts, exactly `ConditionRecord(...).to_dict()`, built without the record."""
    load = os.getloadavg()
    memory, swap = psutil.virtual_memory(), psutil.swap_memory()
    filesystems, unreadable = [], []
    for part in _real_partitions():
        try:
            usage = psutil.disk_usage(part.mountpoint)
            vfs = os.statvfs(part.mountpoint)
        except PermissionError:
            unreadable.append(f"filesystems[{part.mountpoint}]")
            continue
        except OSError:
            continue
        inodes = round(100 * (vfs.f_files - vfs.f_ffree) / vfs.f_files, 1) if vfs.f_files else None
        filesystems.append({"mountpoint": part.mountpoint, "fstype": part.fstype,
                            "size_bytes": usage.total, "used_bytes": usage.used,
                            "used_percent": usage.percent, "inodes_used_percent": inodes})
    return {
        "source": "agent", "hostname": socket.gethostname(), "schema_version": SCHEMA_VERSION,
        "collected_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "uptime_seconds": int(time.time() - psutil.boot_time()),
        "cpu": {"percent": psutil.cpu_percent(interval=None), "load_1": round(load[0], 2),
                "load_5": round(load[1], 2), "load_15": round(load[2], 2)},
        "memory": {"total_bytes": memory.total, "available_bytes": memory.available,
                   "used_percent": memory.percent, "swap_total_bytes": swap.total,
                   "swap_used_bytes": swap.used},
        "filesystems": filesystems, "temperatures": _temperatures(), "fans": _fans(),
        "nics": _nic_condition(), "agent_version": __version__, "unreadable": unreadable,
    }


def _fqdn(hostname: str, hosts_file: Path) -> str:
    try:
        lines = hosts_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    return fqdn_alias(hostname, lines) or hostname


def _os_info(roots: Roots) -> OsInfo:
    import platform
    from pathlib import Path

    from collectors.record import OsInfo

    name = version = None
    for path in (roots.etc / "os-release", Path("/usr/lib/os-release")):
        try:
            name, version = os_release(path.read_text(encoding="utf-8").splitlines())
        except OSError:
            continue
        break
    return OsInfo(name=name, version=version, kernel=platform.release())


def _dmi(reader: _Reader, roots: Roots) -> DmiInfo:
    from collectors.record import DmiInfo, is_placeholder

    base = roots.sys / "class" / "dmi" / "id"
    values = {}
    for field, filename in DMI_FILES.items():
        value = reader.text(base / filename, f"dmi.{field}")
        values[field] = None if is_placeholder(value) else value
    return DmiInfo(**values)


def _cpu(roots: Roots) -> CpuInfo:
    from collectors.record import CpuInfo

    try:
        lines = (roots.proc / "cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    model, sockets, _ = cpuinfo(lines)
    return CpuInfo(model=model, sockets=sockets,
                   cores=psutil.cpu_count(logical=False), threads=psutil.cpu_count(logical=True))


def _disks(reader: _Reader, roots: Roots) -> Iterator[Disk]:
    from collectors.record import Disk

    try:
        names = sorted(p.name for p in (roots.sys / "block").iterdir())
    except OSError:
        return
    for name in names:
        if name.startswith(VIRTUAL_DISK_PREFIXES):
            continue
        base = roots.sys / "block" / name
        sectors = reader.integer(base / "size", f"disks[{name}].size_bytes")
        rotational = reader.integer(base / "queue" / "rotational", f"disks[{name}].rotational")
        serial = (reader.text(base / "device" / "serial", f"disks[{name}].serial")
                  or reader.text(base / "serial", f"disks[{name}].serial"))
        yield Disk(name=name, model=reader.text(base / "device" / "model", f"disks[{name}].model"),
                   serial=serial,
                   size_bytes=sectors * 512 if sectors is not None else None,  # always 512-byte units
                   rotational=bool(rotational) if rotational is not None else None)


def _real_partitions() -> Iterator[Any]:
    """Mounted real filesystems, once per mount point (bind mounts repeat them)."""
    seen: set[str] = set()
    for part in psutil.disk_partitions(all=False):
        if part.fstype in PSEUDO_FS or part.mountpoint in seen:
            continue
        seen.add(part.mountpoint)
        yield part


def _nics() -> list[Nic]:
    from collectors.record import Nic

    stats = psutil.net_if_stats()
    nics = []
    for name, addrs in sorted(psutil.net_if_addrs().items()):
        stat = stats.get(name)
        if name == "lo" or (stat is not None and "loopback" in stat.flags.split(",")):
            continue
        mac = next((a.address for a in addrs if a.family == psutil.AF_LINK), None)
        addresses = [_cidr(a.address, a.netmask) for a in addrs
                     if a.family in (socket.AF_INET, socket.AF_INET6)]
        nics.append(Nic(name=name, mac=mac, addresses=addresses,
                        speed_mbps=(stat.speed or None) if stat else None,
                        is_up=stat.isup if stat else None))
    return nics


def _cidr(address: str, netmask: str | None) -> str:
    import ipaddress

    address = address.split("%", 1)[0]  # drop the IPv6 scope suffix
    try:
        return str(ipaddress.ip_interface(f"{address}/{netmask}")) if netmask else address
    except ValueError:
        return address


def _nic_condition() -> list[dict[str, Any]]:
    stats = psutil.net_if_stats()
    counters = psutil.net_io_counters(pernic=True)
    result = []
    for name, stat in sorted(stats.items()):
        if name == "lo" or "loopback" in stat.flags.split(","):
            continue
        io = counters.get(name)
        result.append({"name": name, "is_up": stat.isup, "speed_mbps": stat.speed or None,
                       "errors_in": io.errin if io else None, "errors_out": io.errout if io else None,
                       "drops_in": io.dropin if io else None, "drops_out": io.dropout if io else None})
    return result


def _temperatures() -> list[dict[str, Any]]:
    sensors: dict[str, list[Any]] = getattr(psutil, "sensors_temperatures", dict)()
    return [{"sensor": sensor, "label": t.label or None, "celsius": t.current,
             "high_celsius": t.high, "critical_celsius": t.critical}
            for sensor, entries in sorted(sensors.items()) for t in entries]


def _fans() -> list[dict[str, Any]]:
    sensors: dict[str, list[Any]] = getattr(psutil, "sensors_fans", dict)()
    return [{"sensor": sensor, "label": f.label or None, "rpm": int(f.current)}
            for sensor, entries in sorted(sensors.items()) for f in entries]

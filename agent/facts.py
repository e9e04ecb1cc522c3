"""Facts about this server, read from psutil, /sys, /proc and /etc.

The agent runs as an unprivileged user, so some files are root-only (on most
distributions /sys/class/dmi/id/product_serial, and disk VPD pages). Those are
named in the record's `unreadable` list rather than silently left empty, so the
controller can tell "serial unknown to the agent" from "serial changed".

Nothing here touches the network: the FQDN comes from /etc/hosts, not DNS,
because a DNS lookup can hang for seconds when the room's resolver is down.
"""

from __future__ import annotations

import ipaddress
import os
import platform
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import psutil

from agent import __version__
from collectors.record import (is_placeholder, 
    ConditionRecord, CpuInfo, CpuLoad, Disk, DmiInfo, Fan, Filesystem, FilesystemUse,
    InventoryRecord, MemoryUse, Nic, NicCondition, OsInfo, Temperature,
)

# Kernel and container filesystems: their "usage" says nothing about the server's disks.
PSEUDO_FS = frozenset({
    "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts",
    "devtmpfs", "efivarfs", "fusectl", "fuse.lxcfs", "fuse.gvfsd-fuse", "fuse.portal",
    "hugetlbfs", "mqueue", "nsfs", "overlay", "proc", "pstore", "ramfs", "rpc_pipefs",
    "securityfs", "selinuxfs", "squashfs", "sysfs", "tmpfs", "tracefs", "nfsd",
})
# Block devices that are not hardware: loop files, RAM disks, device-mapper views.
VIRTUAL_DISK_PREFIXES = ("loop", "ram", "zram", "dm-", "nbd", "fd")
DMI_FILES = {"vendor": "sys_vendor", "product": "product_name", "serial": "product_serial",
             "bios_version": "bios_version", "bios_date": "bios_date"}


@dataclass(frozen=True)
class Roots:
    """Where to read from; tests point these at a fake tree."""

    sys: Path = Path("/sys")
    proc: Path = Path("/proc")
    etc: Path = Path("/etc")


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


def collect_inventory(roots: Roots = Roots()) -> InventoryRecord:
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
    """A heartbeat's facts. CPU percent is since the previous call: prime it once at start."""
    load = os.getloadavg()
    memory, swap = psutil.virtual_memory(), psutil.swap_memory()
    record = ConditionRecord(
        source="agent", hostname=socket.gethostname(),
        uptime_seconds=int(time.time() - psutil.boot_time()),
        cpu=CpuLoad(psutil.cpu_percent(interval=None), *(round(x, 2) for x in load)),
        memory=MemoryUse(memory.total, memory.available, memory.percent, swap.total, swap.used),
        temperatures=_temperatures(), fans=_fans(), nics=_nic_condition(),
        agent_version=__version__)
    for part in _real_partitions():
        try:
            usage = psutil.disk_usage(part.mountpoint)
            vfs = os.statvfs(part.mountpoint)
        except PermissionError:
            record.unreadable.append(f"filesystems[{part.mountpoint}]")
            continue
        except OSError:
            continue
        inodes = round(100 * (vfs.f_files - vfs.f_ffree) / vfs.f_files, 1) if vfs.f_files else None
        record.filesystems.append(FilesystemUse(part.mountpoint, part.fstype, usage.total,
                                                usage.used, usage.percent, inodes))
    return record


def _fqdn(hostname: str, hosts_file: Path) -> str:
    if "." in hostname:
        return hostname
    try:
        lines = hosts_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return hostname
    for line in lines:
        names = line.split("#", 1)[0].split()[1:]
        if hostname in names:
            return next((n for n in names if n.startswith(hostname + ".")), hostname)
    return hostname


def _os_info(roots: Roots) -> OsInfo:
    fields: dict[str, str] = {}
    for path in (roots.etc / "os-release", Path("/usr/lib/os-release")):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for line in lines:
            key, sep, value = line.partition("=")
            if sep:
                fields[key.strip()] = value.strip().strip('"').strip("'")
        break
    return OsInfo(name=fields.get("NAME"), version=fields.get("VERSION_ID") or fields.get("VERSION"),
                  kernel=platform.release())


def _dmi(reader: _Reader, roots: Roots) -> DmiInfo:
    base = roots.sys / "class" / "dmi" / "id"
    values = {}
    for field, filename in DMI_FILES.items():
        value = reader.text(base / filename, f"dmi.{field}")
        values[field] = None if is_placeholder(value) else value
    return DmiInfo(**values)


def _cpu(roots: Roots) -> CpuInfo:
    model, sockets = None, set()
    try:
        lines = (roots.proc / "cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    for line in lines:
        key, _, value = (part.strip() for part in line.partition(":"))
        if key in ("model name", "Processor", "Hardware", "cpu model") and model is None:
            model = value or None
        elif key == "physical id":
            sockets.add(value)
    return CpuInfo(model=model, sockets=len(sockets) or 1,
                   cores=psutil.cpu_count(logical=False), threads=psutil.cpu_count(logical=True))


def _disks(reader: _Reader, roots: Roots) -> Iterator[Disk]:
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
    address = address.split("%", 1)[0]  # drop the IPv6 scope suffix
    try:
        return str(ipaddress.ip_interface(f"{address}/{netmask}")) if netmask else address
    except ValueError:
        return address


def _nic_condition() -> list[NicCondition]:
    stats = psutil.net_if_stats()
    counters = psutil.net_io_counters(pernic=True)
    result = []
    for name, stat in sorted(stats.items()):
        if name == "lo" or "loopback" in stat.flags.split(","):
            continue
        io = counters.get(name)
        result.append(NicCondition(
            name=name, is_up=stat.isup, speed_mbps=stat.speed or None,
            errors_in=io.errin if io else None, errors_out=io.errout if io else None,
            drops_in=io.dropin if io else None, drops_out=io.dropout if io else None))
    return result


def _temperatures() -> list[Temperature]:
    sensors = getattr(psutil, "sensors_temperatures", lambda: {})()
    return [Temperature(sensor, t.label or None, t.current, t.high, t.critical)
            for sensor, entries in sorted(sensors.items()) for t in entries]


def _fans() -> list[Fan]:
    sensors = getattr(psutil, "sensors_fans", lambda: {})()
    return [Fan(sensor, f.label or None, int(f.current))
            for sensor, entries in sorted(sensors.items()) for f in entries]

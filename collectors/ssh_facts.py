"""What the SSH collector runs on a Linux server, and how its output becomes the shared records.

One POSIX sh script, one exec channel, sections marked ``@@@name``: a server is
read in one round trip with standard tools only (cat, lsblk, ip, df). Parsing is
plain functions of text, tested without a server.
"""

from __future__ import annotations

import json
from typing import Any

from collectors.linux_text import DMI_FILES, PSEUDO_FS, VIRTUAL_DISK_PREFIXES, cpuinfo, fqdn_alias, os_release
from collectors.record import (
    ConditionRecord,
    CpuInfo,
    CpuLoad,
    Disk,
    DmiInfo,
    Filesystem,
    FilesystemUse,
    InventoryRecord,
    MemoryUse,
    Nic,
    NicCondition,
    OsInfo,
    is_placeholder,
)

FILES = ["/proc/sys/kernel/hostname", "/proc/sys/kernel/osrelease", "/etc/os-release",
         "/usr/lib/os-release", "/etc/hosts", "/proc/meminfo", "/proc/loadavg", "/proc/uptime",
         *(f"/sys/class/dmi/id/{name}" for name in DMI_FILES.values()),
         *(f"/sys/class/net/*/{name}" for name in ("speed", "operstate", "statistics/rx_errors",
                                                   "statistics/tx_errors", "statistics/rx_dropped",
                                                   "statistics/tx_dropped"))]

# Few processes on purpose: one grep reads every small file ("path:line", errors inline).
SCRIPT = r"""
export LC_ALL=C PATH="$PATH:/usr/sbin:/sbin"
echo @@@files; grep -H '' FILES 2>&1
[ -r /sys/class/dmi/id/product_serial ] || { echo @@@dmidecode; sudo -n dmidecode -s system-serial-number 2>/dev/null; }
echo @@@cpuinfo; grep -E '^(model name|physical id|core id|processor|Hardware|Processor|cpu model)' /proc/cpuinfo
echo @@@lscpu; grep -q '^model name' /proc/cpuinfo || lscpu -J 2>/dev/null
echo @@@lsblk; lsblk -J -b -d -o NAME,MODEL,SERIAL,SIZE,ROTA,TYPE 2>/dev/null
echo @@@ipaddr; ip -j addr 2>/dev/null
echo @@@df; df -P -B1 -T 2>/dev/null
echo @@@end
""".replace("FILES", " ".join(FILES))


def sections(output: str) -> dict[str, list[str]]:
    parts: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in output.splitlines():
        if line.startswith("@@@"):
            current = parts.setdefault(line[3:].strip(), [])
        elif current is not None:
            current.append(line)
    return parts


def files(lines: list[str]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """grep -H output: (path -> lines, path -> read error such as "Permission denied")."""
    content: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for line in lines:
        if line.startswith("grep: "):
            path, _, message = line[6:].rpartition(": ")
            errors[path] = message
        else:
            path, sep, value = line.partition(":")
            if sep:
                content.setdefault(path, []).append(value)
    return content, errors


def _json(lines: list[str]) -> Any:
    try:
        return json.loads("\n".join(lines)) if lines else None
    except ValueError:
        return None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text not in (None, "", "-") else None
    except ValueError:
        return None


def _normalise(parts: dict[str, list[str]]) -> dict[str, list[str]]:
    """Turn the one grep's output into per-topic sections like the other commands'."""
    content, errors = files(parts.get("files", []))
    for name, path in (("hostname", "/proc/sys/kernel/hostname"), ("kernel", "/proc/sys/kernel/osrelease"),
                       ("meminfo", "/proc/meminfo"), ("loadavg", "/proc/loadavg"),
                       ("uptime", "/proc/uptime"), ("hosts", "/etc/hosts")):
        parts[name] = content.get(path, [])
    parts["os"] = content.get("/etc/os-release") or content.get("/usr/lib/os-release", [])
    dmi = []
    for name in DMI_FILES.values():
        path = f"/sys/class/dmi/id/{name}"
        if path in content:
            dmi.append(f"{name}={content[path][0] if content[path] else ''}")
        elif "denied" in errors.get(path, ""):
            dmi.append(f"{name}!")
    dmi += [f"product_serial={line}" for line in parts.get("dmidecode", []) if line.strip()]
    parts["dmi"] = dmi
    netsys: dict[str, list[str]] = {}
    keys = ("speed", "operstate", "statistics/rx_errors", "statistics/tx_errors",
            "statistics/rx_dropped", "statistics/tx_dropped")
    for path, lines in content.items():
        if path.startswith("/sys/class/net/"):
            nic, _, key = path[len("/sys/class/net/"):].partition("/")
            if key in keys:
                netsys.setdefault(nic, ["-"] * len(keys))[keys.index(key)] = (lines or ["-"])[0] or "-"
    parts["netsys"] = [" ".join([nic, *values]) for nic, values in netsys.items()]
    parts["nproc"] = [str(sum(line.startswith("processor") for line in parts.get("cpuinfo", [])) or "")]
    return parts


def build(output: str, address: str) -> tuple[InventoryRecord, ConditionRecord]:
    """The records for one server's script output. Missing tools leave fields empty."""
    parts = sections(output)
    if "end" not in parts:
        raise ValueError("the inventory script did not run to its end")
    parts = _normalise(parts)
    hostname = next((n.strip() for n in parts["hostname"] if n.strip()), address)
    unreadable: list[str] = []
    memory = _meminfo(parts)
    inventory = InventoryRecord(
        source="ssh", hostname=hostname.split(".")[0], fqdn=fqdn_alias(hostname, parts["hosts"]) or hostname,
        os=_os(parts), dmi=_dmi(parts["dmi"], unreadable), cpu=_cpu(parts),
        memory_bytes=memory.get("MemTotal"), disks=_disks(parts),
        filesystems=[Filesystem(m, t, s, u) for m, t, s, u, _ in _df(parts)],
        nics=_nics(parts), unreadable=unreadable)
    total, available = memory.get("MemTotal"), memory.get("MemAvailable")
    load = (parts["loadavg"] or [""])[0].split()
    uptime = (parts["uptime"] or [""])[0].split()
    condition = ConditionRecord(
        source="ssh", hostname=inventory.hostname, collected_at=inventory.collected_at,
        uptime_seconds=int(float(uptime[0])) if uptime else None,
        cpu=CpuLoad(None, *(float(x) for x in load[:3])) if len(load) >= 3 else CpuLoad(),
        memory=MemoryUse(total, available,
                         round(100 * (total - available) / total, 1) if total and available is not None else None,
                         memory.get("SwapTotal"),
                         memory["SwapTotal"] - memory["SwapFree"] if "SwapFree" in memory else None),
        filesystems=[FilesystemUse(m, t, s, u, p) for m, t, s, u, p in _df(parts)],
        nics=[NicCondition(n.name, n.is_up, n.speed_mbps, *_errors(parts, n.name)) for n in inventory.nics])
    return inventory, condition


def _os(parts: dict[str, list[str]]) -> OsInfo:
    name, version = os_release(parts.get("os", []))
    return OsInfo(name, version, next(iter(parts.get("kernel") or []), None))


def _dmi(lines: list[str], unreadable: list[str]) -> DmiInfo:
    raw: dict[str, str | None] = {}
    for line in lines:
        if line.endswith("!"):
            raw.setdefault(line[:-1], None)
        elif "=" in line:
            key, value = line.split("=", 1)
            if value.strip() or key not in raw:
                raw[key] = value.strip()
    values: dict[str, str | None] = {}
    for field, name in DMI_FILES.items():
        seen = raw.get(name)
        if name in raw and seen is None:
            unreadable.append(f"dmi.{field}")  # root-only on most systems: not a drift
        values[field] = None if is_placeholder(seen) else seen
    return DmiInfo(**values)


def _cpu(parts: dict[str, list[str]]) -> CpuInfo:
    model, sockets, cores = cpuinfo(parts.get("cpuinfo", []))
    threads = _int(next(iter(parts.get("nproc") or []), None))
    lscpu = _json(parts.get("lscpu", []))
    if isinstance(lscpu, dict):
        fields = {e.get("field", "").rstrip(":"): e.get("data") for e in lscpu.get("lscpu", [])}
        model = model or fields.get("Model name")
        threads = threads or _int(fields.get("CPU(s)"))
    return CpuInfo(model=model, sockets=sockets, cores=cores, threads=threads)


def _meminfo(parts: dict[str, list[str]]) -> dict[str, int]:
    values = {}
    for line in parts.get("meminfo", []):
        key, _, rest = line.partition(":")
        amount = rest.split()
        if amount and amount[0].isdigit():
            values[key] = int(amount[0]) * (1024 if amount[1:] == ["kB"] else 1)
    return values


def _disks(parts: dict[str, list[str]]) -> list[Disk]:
    data = _json(parts.get("lsblk", [])) or {}
    disks = []
    for dev in data.get("blockdevices", []):
        if dev.get("type") != "disk" or str(dev.get("name", "")).startswith(VIRTUAL_DISK_PREFIXES):
            continue
        rota = dev.get("rota")
        disks.append(Disk(dev["name"], (dev.get("model") or "").strip() or None,
                          (dev.get("serial") or "").strip() or None, _int(str(dev.get("size") or "")),
                          bool(int(rota)) if rota is not None and str(rota).isdigit() else rota))
    return disks


def _netsys(parts: dict[str, list[str]]) -> dict[str, list[str]]:
    return {fields[0]: fields[1:] for fields in (line.split() for line in parts.get("netsys", [])) if fields}


def _nics(parts: dict[str, list[str]]) -> list[Nic]:
    sysfs = _netsys(parts)
    nics = []
    for link in _json(parts.get("ipaddr", [])) or []:
        name = link.get("ifname")
        if not name or "LOOPBACK" in link.get("flags", []):
            continue
        speed = _int((sysfs.get(name) or ["-"])[0])
        addresses = [f"{a['local']}/{a['prefixlen']}" for a in link.get("addr_info", []) if "local" in a]
        nics.append(Nic(name, link.get("address"), addresses, speed if speed and speed > 0 else None,
                        link.get("operstate") == "UP" or "UP" in link.get("flags", []) and
                        link.get("operstate") == "UNKNOWN"))
    return nics


def _errors(parts: dict[str, list[str]], name: str) -> list[int | None]:
    fields = _netsys(parts).get(name, [])
    return [_int(v) for v in (fields[2:6] + [None] * 4)[:4]]


def _df(parts: dict[str, list[str]]) -> list[tuple[str, str, int | None, int | None, float | None]]:
    rows, seen = [], set()
    for line in parts.get("df", [])[1:]:
        fields = line.split()
        if len(fields) < 7 or fields[1] in PSEUDO_FS or fields[6] in seen:
            continue
        seen.add(fields[6])
        size, used = _int(fields[2]), _int(fields[3])
        ratio = round(100 * used / size, 1) if size and used is not None else None
        rows.append((fields[6], fields[1], size, used, ratio))
    return rows

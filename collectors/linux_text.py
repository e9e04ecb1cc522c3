"""How a Linux server's text files read, for the agent (reading them locally) and the SSH collector
(reading the same files through one remote script): one copy, so both sources agree on a server.

Plain functions of lines; no imports beyond the standard library's smallest modules, because the
resident agent loads this module (its RSS is measured against node_exporter's).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

# Kernel and container filesystems: their "usage" says nothing about the server's disks.
PSEUDO_FS = frozenset({
    "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts",
    "devtmpfs", "efivarfs", "fusectl", "fuse.lxcfs", "fuse.gvfsd-fuse", "fuse.portal",
    "hugetlbfs", "mqueue", "nsfs", "overlay", "proc", "pstore", "ramfs", "rpc_pipefs",
    "securityfs", "selinuxfs", "squashfs", "sysfs", "tmpfs", "tracefs", "nfsd",
})
# Block devices that are not hardware: loop files, RAM disks, device-mapper views.
VIRTUAL_DISK_PREFIXES = ("loop", "ram", "zram", "dm-", "nbd", "fd")
# Record field -> file under /sys/class/dmi/id.
DMI_FILES = {"vendor": "sys_vendor", "product": "product_name", "serial": "product_serial",
             "bios_version": "bios_version", "bios_date": "bios_date"}
# /proc/cpuinfo keys that name the CPU model on x86, ARM and MIPS kernels.
CPU_MODEL_KEYS = ("model name", "Processor", "Hardware", "cpu model")


def os_release(lines: Iterable[str]) -> tuple[str | None, str | None]:
    """(NAME, VERSION_ID or VERSION) from os-release lines; quotes stripped."""
    fields: dict[str, str] = {}
    for line in lines:
        key, sep, value = line.partition("=")
        if sep:
            fields[key.strip()] = value.strip().strip('"').strip("'")
    return fields.get("NAME"), fields.get("VERSION_ID") or fields.get("VERSION")


def cpuinfo(lines: Iterable[str]) -> tuple[str | None, int, int | None]:
    """(model, sockets, physical cores) from /proc/cpuinfo; cores None when the kernel lists no core ids."""
    model, sockets, cores = None, set(), set()
    physical = None
    for line in lines:
        key, _, value = (part.strip() for part in line.partition(":"))
        if key in CPU_MODEL_KEYS and model is None:
            model = value or None
        elif key == "physical id":
            physical = value
            sockets.add(value)
        elif key == "core id":
            cores.add((physical, value))
    return model, len(sockets) or 1, len(cores) or None


def fqdn_alias(hostname: str, hosts: Iterable[str]) -> str | None:
    """The hostname itself if dotted, else its dotted alias in /etc/hosts lines, else None.

    /etc/hosts and not DNS: a lookup can hang for seconds when the room's resolver is down.
    """
    if "." in hostname:
        return hostname
    for line in hosts:
        names = line.split("#", 1)[0].split()[1:]
        if hostname in names:
            return next((n for n in names if n.startswith(hostname + ".")), None)
    return None

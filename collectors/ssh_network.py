"""Network devices over SSH with netmiko, by `device_type`: a `show version`-style read.

Vendors differ in commands and wording, so this keeps the raw outputs (stored
with the run for the officer) and pulls out only what most of them print the
same way: hostname (the prompt), model, serial, software version. netmiko's
paramiko client is strict: it trusts only the key written to a private
known_hosts file, the one pinned (or just recorded on first contact).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any, cast

from collectors.record import DmiInfo, InventoryRecord, OsInfo

if TYPE_CHECKING:
    from collectors.hostkeys import HostKeyInfo
    from collectors.ssh import SshTarget

COMMANDS: dict[str, list[str]] = {
    "cisco_ios": ["show version", "show inventory"],
    "cisco_xe": ["show version", "show inventory"],
    "cisco_nxos": ["show version", "show inventory"],
    "arista_eos": ["show version", "show inventory"],
    "juniper_junos": ["show version", "show chassis hardware"],
    "mikrotik_routeros": ["/system resource print", "/system routerboard print"],
    "hp_procurve": ["show system", "show version"],
    "huawei": ["display version", "display device manufacture-info"],
    "fortinet": ["get system status"],
    "linux": ["uname -a", "cat /etc/os-release", "cat /sys/class/dmi/id/product_name 2>/dev/null"],
}
DEFAULT_COMMANDS = ["show version"]

_SERIAL = re.compile(r"(?im)(?:serial[ _-]?(?:number|num|no\.?)?|processor board id|\bSN)"
                     r"\s*[:=#]?\s*\"?([A-Z0-9][\w-]{3,})")
_MODEL = re.compile(r"(?im)(?:^model(?:[ _-]?(?:number|name))?|\bPID|product[ _-]?name|board-name)"
                    r"\s*[:=]?\s*\"?([\w][\w .+/-]{1,60}?)\"?\s*(?:,|$)")
_VERSION = re.compile(r"(?im)(?:software.*?version|^version|junos:|\bversion:)\s*[:]?\s*([\w.()\-]+)")


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(1).strip() if match else None


def parse_outputs(prompt: str, device_type: str, outputs: dict[str, str]) -> InventoryRecord:
    """Best-effort identity from the outputs; what is not found stays None."""
    text = "\n".join(output.strip() for output in outputs.values())
    hostname = re.sub(r"[#>$\]\s]+$", "", prompt.strip()).split("@")[-1].split(":")[0] or "unknown"
    hostname = hostname.strip("[<( ") or "unknown"
    os_name = device_type.split("_")[0]
    if device_type == "linux":
        pretty = re.search(r'(?m)^PRETTY_NAME="?([^"\n]+)', text)
        os_info = OsInfo(pretty.group(1) if pretty else "Linux", None,
                         text.split()[2] if text.startswith("Linux ") and len(text.split()) > 2 else None)
    else:
        os_info = OsInfo(os_name, _first(_VERSION, text))
    return InventoryRecord(source="ssh", hostname=hostname, os=os_info,
                           dmi=DmiInfo(product=_first(_MODEL, text), serial=_first(_SERIAL, text)))


def collect_network(target: SshTarget, host_key: HostKeyInfo) -> tuple[dict[str, str], InventoryRecord]:
    """Log in with netmiko, pinned to `host_key`, and run the device type's commands."""
    from netmiko import ConnectHandler

    from collectors.ssh import load_private_key, pinned_known_hosts

    device_type = target.device_type or "linux"
    known_hosts = pinned_known_hosts(target, host_key)
    options: dict[str, Any] = dict(
        device_type=device_type, host=target.address, port=target.port, username=target.username,
        allow_agent=False, ssh_strict=True, system_host_keys=False, alt_host_keys=True,
        alt_key_file=known_hosts, conn_timeout=target.timeout, auth_timeout=target.timeout,
        banner_timeout=target.timeout, timeout=target.timeout)
    if target.private_key:
        # use_keys would make netmiko look for key files; the key object alone is enough.
        options.update(use_keys=False, pkey=load_private_key(target.private_key, target.passphrase))
    if target.password is not None:
        options["password"] = target.password
    try:
        with ConnectHandler(**options) as connection:
            prompt = connection.find_prompt()
            # Text: without use_textfsm/ttp/genie send_command returns the device's output as it is.
            outputs = {command: cast(str, connection.send_command(command, read_timeout=target.timeout))
                       for command in COMMANDS.get(device_type, DEFAULT_COMMANDS)}
    finally:
        os.unlink(known_hosts)
    return outputs, parse_outputs(prompt, device_type, outputs)

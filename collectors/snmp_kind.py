"""Which kind of asset an SNMP agent is, from what every agent tells: sysObjectID, sysDescr and
whether it answers the UPS-MIB, BRIDGE-MIB or HOST-RESOURCES-MIB.

The kinds are the register's (controller/domain/asset_kinds.py), named here as plain strings: the
collectors import nothing from the controller. None means "cannot tell"; the register keeps what
it has then.
"""

from __future__ import annotations

import re

SERVER, NETWORK, POWER = "server", "network_device", "ups_pdu"

# Enterprise numbers (1.3.6.1.4.1.<n>) of vendors whose SNMP agents are, in a server room, almost
# always the one kind: power gear, or network gear.
POWER_VENDORS = {318: "APC", 534: "Eaton/Powerware", 476: "Liebert/Vertiv", 13742: "Raritan",
                 705: "Socomec", 935: "Emerson", 1248: "Tripp Lite"}
NETWORK_VENDORS = {9: "Cisco", 2636: "Juniper", 3955: "Linksys", 14988: "MikroTik", 41112: "Ubiquiti",
                   12356: "Fortinet", 25461: "Palo Alto", 30065: "Arista", 4526: "Netgear", 171: "D-Link",
                   11863: "TP-Link", 25506: "H3C", 1916: "Extreme", 6486: "Alcatel-Lucent", 890: "Zyxel"}
NET_SNMP = 8072   # net-snmp's own agent: a Linux or BSD host
_POWER_WORDS = re.compile(r"\b(ups|pdu|uninterruptible|smart-ups|powerware)\b", re.IGNORECASE)
_NETWORK_WORDS = re.compile(r"\b(switch|router|ios|junos|routeros|firewall|fortigate)\b", re.IGNORECASE)


def enterprise(object_id: str | None) -> int | None:
    """The vendor's enterprise number in a sysObjectID like 1.3.6.1.4.1.318.1.3.27."""
    parts = (object_id or "").strip(".").split(".")
    if parts[:6] == ["1", "3", "6", "1", "4", "1"] and len(parts) > 6 and parts[6].isdigit():
        return int(parts[6])
    return None


def classify(object_id: str | None, descr: str | None, *, ups_mib: bool = False, bridge_ports: int | None = None,
             host_resources: bool = False) -> str | None:
    """The asset kind, standard MIBs first (a UPS-MIB answer is a UPS, a bridge with ports a
    switch), then the vendor, then the words of sysDescr."""
    if ups_mib:
        return POWER
    if bridge_ports:
        return NETWORK
    vendor = enterprise(object_id)
    if vendor in POWER_VENDORS:
        return POWER
    if vendor in NETWORK_VENDORS:
        return NETWORK
    if vendor == NET_SNMP or host_resources:
        return SERVER
    if descr and _POWER_WORDS.search(descr):
        return POWER
    if descr and _NETWORK_WORDS.search(descr):
        return NETWORK
    return None

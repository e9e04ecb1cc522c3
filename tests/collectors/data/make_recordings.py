"""Regenerate the snmpsim recordings here: five devices, one file (= community) each.

    python tests/collectors/data/make_recordings.py

`server.snmpwalk` starts from a real snmpd walk (`snmpwalk -ObentU`, only the
subtrees the collector reads), renamed and given an ENTITY-MIB chassis with a
serial; `switch.snmpwalk` (28 ports, ENTITY-MIB parts) and `ups.snmpwalk`
(ENTITY-SENSOR-MIB temperatures, fans, volts, watts), `router.snmpwalk` (a Linksys
with BRIDGE-MIB) and `eaton.snmpwalk` (an Eaton UPS with UPS-MIB) are written in the same
format. Values are made up; OIDs are the standard numeric ones.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUBTREES = ["1.3.6.1.2.1.1.1", "1.3.6.1.2.1.1.2", "1.3.6.1.2.1.1.3", "1.3.6.1.2.1.1.4", "1.3.6.1.2.1.1.5",
            "1.3.6.1.2.1.1.6", "1.3.6.1.2.1.2", "1.3.6.1.2.1.31.1.1", "1.3.6.1.2.1.4.20",
            "1.3.6.1.2.1.25.1.1", "1.3.6.1.2.1.25.2", "1.3.6.1.2.1.25.3.2", "1.3.6.1.2.1.25.3.3"]


def key(line: str) -> tuple[int, ...]:
    return tuple(int(p) for p in line.split(" = ", 1)[0].strip(".").split("."))


def write(name: str, lines: list[str]) -> None:
    unique = {line.split(" = ", 1)[0]: line for line in lines}
    (HERE / f"{name}.snmpwalk").write_text("\n".join(sorted(unique.values(), key=key)) + "\n")


def system(descr: str, object_id: str, name: str, location: str) -> list[str]:
    return [f'.1.3.6.1.2.1.1.1.0 = STRING: "{descr}"', f".1.3.6.1.2.1.1.2.0 = OID: .{object_id}",
            ".1.3.6.1.2.1.1.3.0 = 8640000", '.1.3.6.1.2.1.1.4.0 = STRING: "noc@kominfo.example"',
            f'.1.3.6.1.2.1.1.5.0 = STRING: "{name}"', f'.1.3.6.1.2.1.1.6.0 = STRING: "{location}"']


def entity(index: int, cls: int, name: str, model: str = "", serial: str = "", firmware: str = "",
           vendor: str = "", contained_in: int = 0) -> list[str]:
    base = ".1.3.6.1.2.1.47.1.1.1.1"
    return [f'{base}.2.{index} = STRING: "{name}"', f"{base}.4.{index} = INTEGER: {contained_in}",
            f"{base}.5.{index} = INTEGER: {cls}", f'{base}.7.{index} = STRING: "{name}"',
            f'{base}.8.{index} = STRING: ""', f'{base}.9.{index} = STRING: "{firmware}"',
            f'{base}.10.{index} = STRING: "{firmware}"', f'{base}.11.{index} = STRING: "{serial}"',
            f'{base}.12.{index} = STRING: "{vendor}"', f'{base}.13.{index} = STRING: "{model}"']


def sensor(index: int, unit: int, scale: int, precision: int, value: int, status: int = 1) -> list[str]:
    base = ".1.3.6.1.2.1.99.1.1.1"
    return [f"{base}.1.{index} = INTEGER: {unit}", f"{base}.2.{index} = INTEGER: {scale}",
            f"{base}.3.{index} = INTEGER: {precision}", f"{base}.4.{index} = INTEGER: {value}",
            f"{base}.5.{index} = INTEGER: {status}"]


def interface(index: int, name: str, kind: int, speed_mbps: int, mac: str, up: bool) -> list[str]:
    i, x = ".1.3.6.1.2.1.2.2.1", ".1.3.6.1.2.1.31.1.1.1"
    octets = index * 1_000_003
    return [f"{i}.1.{index} = INTEGER: {index}", f'{i}.2.{index} = STRING: "{name}"',
            f"{i}.3.{index} = INTEGER: {kind}", f"{i}.5.{index} = Gauge32: {min(speed_mbps * 10**6, 4294967295)}",
            f"{i}.6.{index} = Hex-STRING: {mac}", f"{i}.8.{index} = INTEGER: {1 if up else 2}",
            f"{i}.13.{index} = Counter32: 0", f"{i}.14.{index} = Counter32: {index % 3}",
            f"{i}.19.{index} = Counter32: 0", f"{i}.20.{index} = Counter32: 0",
            f'{x}.1.{index} = STRING: "{name}"', f"{x}.6.{index} = Counter64: {octets}",
            f"{x}.10.{index} = Counter64: {octets // 2}", f"{x}.15.{index} = Gauge32: {speed_mbps}",
            f'{x}.18.{index} = STRING: "{"uplink" if speed_mbps >= 10000 else ""}"']


def switch() -> list[str]:
    lines = system("Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E3",
                   "1.3.6.1.4.1.9.1.1208", "sw-core-01.kominfo.example", "Ruang Server, Rak B U42")
    lines.append(".1.3.6.1.2.1.2.1.0 = INTEGER: 28")
    for port in range(1, 29):
        uplink = port > 24
        name = f"Te1/0/{port - 24}" if uplink else f"Gi1/0/{port}"
        lines += interface(port, name, 6, 10000 if uplink else 1000, f"00 1A 2B 3C 4D {port:02X}",
                           up=port % 4 != 0)
    lines += entity(1, 3, "WS-C2960X-24TD-L", "WS-C2960X-24TD-L", "FOC2231X0K7", "15.2(7)E3", "Cisco")
    lines += entity(2, 6, "Switch 1 - Power Supply 0", "PWR-C2-250WAC", "LIT2233A1BC", vendor="Cisco",
                    contained_in=1)
    lines += entity(3, 7, "Switch 1 - FAN 1", vendor="Cisco", contained_in=1)
    lines += entity(4, 8, "Switch 1 - Inlet Temp", vendor="Cisco", contained_in=1)
    lines += sensor(4, 8, 9, 0, 34)
    return lines


def ups() -> list[str]:
    lines = system("APC Web/SNMP Management Card (MB:v4.1.0 PF:v6.9.6 AN1:apc_hw05_aos_696.bin)",
                   "1.3.6.1.4.1.318.1.3.27", "ups-rak-a", "Ruang Server, Rak A bawah")
    lines += interface(1, "eth0", 6, 100, "28 29 86 11 22 33", up=True)
    lines += [".1.3.6.1.2.1.2.1.0 = INTEGER: 1", ".1.3.6.1.2.1.4.20.1.2.10.20.0.15 = INTEGER: 1",
              ".1.3.6.1.2.1.4.20.1.3.10.20.0.15 = IpAddress: 255.255.255.0"]
    lines += entity(1, 3, "Smart-UPS SRT 3000", "SRT3KXLI", "AS1934123456", "UPS 15.5", "APC")
    parts = [(10, "Battery Temperature", 8, 9, 1, 275, 1), (11, "Input Voltage", 3, 9, 0, 229, 1),
             (12, "Output Power", 6, 9, 0, 845, 1), (13, "Fan 1", 10, 9, 0, 2400, 1),
             (14, "Fan 2", 10, 9, 0, 0, 3), (15, "Output Current", 5, 8, 0, 3700, 1)]
    for index, name, unit, scale, precision, value, status in parts:
        lines += entity(index, 8, name, vendor="APC", contained_in=1)
        lines += sensor(index, unit, scale, precision, value, status)
    return lines


def router() -> list[str]:
    """A Linksys small-office router/switch: BRIDGE-MIB with its ports, no ENTITY-MIB."""
    lines = system("Linksys LGS308 8-Port Smart Gigabit Switch", "1.3.6.1.4.1.3955.6.1.308",
                   "rtr-lantai2", "Ruang Server, Rak B U40")
    lines.append(".1.3.6.1.2.1.2.1.0 = INTEGER: 8")
    for port in range(1, 9):
        lines += interface(port, f"port{port}", 6, 1000, f"C0 56 27 00 00 {port:02X}", up=port <= 5)
    lines += [".1.3.6.1.2.1.4.20.1.2.10.20.0.2 = INTEGER: 1",
              ".1.3.6.1.2.1.4.20.1.3.10.20.0.2 = IpAddress: 255.255.255.0",
              ".1.3.6.1.2.1.17.1.1.0 = Hex-STRING: C0 56 27 00 00 00", ".1.3.6.1.2.1.17.1.2.0 = INTEGER: 8"]
    return lines


def eaton() -> list[str]:
    """An Eaton UPS network card: UPS-MIB (RFC 1628) identity and battery, no ENTITY-MIB."""
    lines = system("Eaton 5PX 3000 UPS Network Management Card", "1.3.6.1.4.1.534.1",
                   "ups-rak-b", "Ruang Server, Rak B bawah")
    lines += interface(1, "eth0", 6, 100, "00 20 85 AA BB CC", up=True)
    lines += [".1.3.6.1.2.1.2.1.0 = INTEGER: 1", ".1.3.6.1.2.1.4.20.1.2.10.20.0.16 = INTEGER: 1",
              ".1.3.6.1.2.1.4.20.1.3.10.20.0.16 = IpAddress: 255.255.255.0",
              '.1.3.6.1.2.1.33.1.1.1.0 = STRING: "EATON"', '.1.3.6.1.2.1.33.1.1.2.0 = STRING: "Eaton 5PX 3000"',
              '.1.3.6.1.2.1.33.1.1.3.0 = STRING: "INV: 1.20"', ".1.3.6.1.2.1.33.1.2.1.0 = INTEGER: 2",
              ".1.3.6.1.2.1.33.1.2.4.0 = INTEGER: 100", ".1.3.6.1.2.1.33.1.9.5.0 = INTEGER: 3000"]
    return lines


def server(port: int) -> list[str]:
    """Walk a real snmpd on 127.0.0.1:`port`, then make it look like a rack server."""
    lines: list[str] = []
    for subtree in SUBTREES:
        out = subprocess.run(["snmpwalk", "-v2c", "-c", "public", "-ObentU", f"127.0.0.1:{port}", subtree],
                             check=True, capture_output=True, text=True).stdout
        lines += [line for line in out.splitlines() if " = " in line and "No Such" not in line]
    kept = [line for line in lines if not line.startswith(".1.3.6.1.2.1.1.") or line.split(" = ")[0] in
            {f".1.3.6.1.2.1.1.{n}.0" for n in (2, 3, 4, 6)}]
    kept = [line for line in kept if "sandboxing" not in line]
    kept += ['.1.3.6.1.2.1.1.1.0 = STRING: "Linux srv-kepegawaian-01 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 x86_64"',
             '.1.3.6.1.2.1.1.5.0 = STRING: "srv-kepegawaian-01"',
             ".1.3.6.1.2.1.25.3.3.1.2.196608 = INTEGER: 12", ".1.3.6.1.2.1.25.3.3.1.2.196609 = INTEGER: 30"]
    kept += entity(1, 3, "PowerEdge R740", "PowerEdge R740", "7XK9Q53", "2.19.1", "Dell Inc.")
    return kept


if __name__ == "__main__":
    write("switch", switch())
    write("ups", ups())
    write("router", router())
    write("eaton", eaton())
    if len(sys.argv) > 1:  # the port of a running snmpd to record the server from
        write("server", server(int(sys.argv[1])))

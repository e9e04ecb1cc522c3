"""Pure parsing, no I/O: the v2c codec, the SSH script's output, network device outputs."""

from __future__ import annotations

import pytest

from collectors.hostkeys import parse_pinned
from collectors.snmp_wire import END_OF_MIB, SnmpError, _integer, _tlv, decode_response, encode_oid, encode_request
from collectors.ssh_facts import SCRIPT, build
from collectors.ssh_network import parse_outputs


def response(request_id: int, varbinds: bytes, status: int = 0) -> bytes:
    pdu = _integer(request_id) + _integer(status) + _integer(0) + _tlv(0x30, varbinds)
    return _tlv(0x30, _integer(1) + _tlv(0x04, b"public") + _tlv(0xA2, pdu))


def test_v2c_codec_round_trip_of_the_types_agents_send() -> None:
    vb = lambda oid, tag, raw: _tlv(0x30, encode_oid(oid) + _tlv(tag, raw))  # noqa: E731
    data = response(77, vb((1, 3, 6, 1, 2, 1, 1, 5, 0), 0x04, b"sw-01")
                    + vb((1, 3, 6, 1, 2, 1, 2, 2, 1, 5, 300), 0x42, (4_000_000_000).to_bytes(5, "big"))
                    + vb((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6, 1), 0x46, (2**40).to_bytes(6, "big"))
                    + vb((1, 3, 6, 1, 2, 1, 4, 20, 1, 3, 10, 0, 0, 1), 0x40, bytes([255, 255, 255, 0]))
                    + vb((1, 3, 6, 1, 2, 1, 1, 2, 0), 0x06, encode_oid((1, 3, 6, 1, 4, 1, 9))[2:])
                    + vb((1, 3, 6, 1, 2, 1, 99, 1, 1, 1, 4, 1), 0x02, (-5).to_bytes(1, "big", signed=True))
                    + vb((1, 3, 6, 1, 9, 9), 0x82, b""))
    request_id, status, _, varbinds = decode_response(data)
    assert (request_id, status) == (77, 0)
    assert [v for _, v in varbinds] == [b"sw-01", 4_000_000_000, 2**40, "255.255.255.0",
                                        (1, 3, 6, 1, 4, 1, 9), -5, END_OF_MIB]
    assert varbinds[1][0] == (1, 3, 6, 1, 2, 1, 2, 2, 1, 5, 300)  # multi-byte arcs


def test_v2c_getbulk_request_bytes() -> None:
    # GetBulk, community "public", request-id 1, non-repeaters 0, max-repetitions 10, 1.3.6.1.2.1.1
    expected = ("3024" "020101" "04067075626c6963" "a517" "020101" "020100" "02010a"
                "300c" "300a" "06062b0601020101" "0500")
    assert encode_request(b"public", 1, [(1, 3, 6, 1, 2, 1, 1)], 0, 10).hex() == expected


@pytest.mark.parametrize("garbage", [b"", b"\x30\x05\x02", b"\x30\x03\x02\x01\x01",
                                     response(1, b"\x30\x40\x06\x01")])
def test_garbled_replies_raise_snmp_error(garbage: bytes) -> None:
    with pytest.raises(SnmpError):
        decode_response(garbage)


LINUX_OUTPUT = """@@@files
/proc/sys/kernel/hostname:srv-simpeg
/proc/sys/kernel/osrelease:6.1.0-18-amd64
/etc/os-release:NAME="Debian GNU/Linux"
/etc/os-release:VERSION_ID="12"
/etc/hosts:10.1.2.3 srv-simpeg.pemda.example srv-simpeg
/proc/meminfo:MemTotal:       65853064 kB
/proc/meminfo:MemAvailable:   32926532 kB
/proc/meminfo:SwapTotal:       1000000 kB
/proc/meminfo:SwapFree:         400000 kB
/proc/loadavg:0.50 0.40 0.30 1/200 1234
/proc/uptime:86400.12 170000.00
/sys/class/dmi/id/sys_vendor:Dell Inc.
/sys/class/dmi/id/product_name:PowerEdge R740
grep: /sys/class/dmi/id/product_serial: Permission denied
/sys/class/dmi/id/bios_version:2.19.1
/sys/class/net/eno1/speed:10000
/sys/class/net/eno1/operstate:up
/sys/class/net/eno1/statistics/rx_errors:3
/sys/class/net/eno1/statistics/tx_errors:0
/sys/class/net/eno1/statistics/rx_dropped:7
/sys/class/net/eno1/statistics/tx_dropped:0
grep: /sys/class/net/eno2/speed: Invalid argument
@@@dmidecode
7XK9Q53
@@@cpuinfo
processor	: 0
model name	: Intel(R) Xeon(R) Silver 4214 CPU @ 2.20GHz
physical id	: 0
core id		: 0
processor	: 1
model name	: Intel(R) Xeon(R) Silver 4214 CPU @ 2.20GHz
physical id	: 1
core id		: 0
@@@lscpu
@@@lsblk
{"blockdevices": [{"name": "sda", "model": "PERC H730P ", "serial": "00a1b2c3d4", "size": 1199638052864, "rota": true, "type": "disk"},
 {"name": "loop0", "model": null, "serial": null, "size": 1000, "rota": false, "type": "loop"}]}
@@@ipaddr
[{"ifname": "lo", "flags": ["LOOPBACK", "UP"], "operstate": "UNKNOWN", "address": "00:00:00:00:00:00", "addr_info": [{"local": "127.0.0.1", "prefixlen": 8}]},
 {"ifname": "eno1", "flags": ["UP"], "operstate": "UP", "address": "b0:26:28:aa:bb:cc", "addr_info": [{"local": "10.1.2.3", "prefixlen": 24}]},
 {"ifname": "eno2", "flags": [], "operstate": "DOWN", "address": "b0:26:28:aa:bb:cd", "addr_info": []}]
@@@df
Filesystem     Type     1-blocks      Used   Available Capacity Mounted on
/dev/sda2      ext4  100000000000 25000000000 75000000000      25% /
tmpfs          tmpfs     1000000         0     1000000       0% /run
@@@end
"""


def test_linux_script_output_becomes_the_records() -> None:
    inventory, condition = build(LINUX_OUTPUT, "10.1.2.3")
    assert (inventory.hostname, inventory.fqdn) == ("srv-simpeg", "srv-simpeg.pemda.example")
    assert (inventory.os.name, inventory.os.version, inventory.os.kernel) == ("Debian GNU/Linux", "12", "6.1.0-18-amd64")
    assert (inventory.dmi.vendor, inventory.dmi.product, inventory.dmi.serial) == ("Dell Inc.", "PowerEdge R740", "7XK9Q53")
    assert inventory.unreadable == []  # sudo dmidecode filled the serial sysfs would not show
    assert (inventory.cpu.sockets, inventory.cpu.threads) == (2, 2) and "Xeon" in inventory.cpu.model
    assert inventory.memory_bytes == 65853064 * 1024
    assert [(d.name, d.model, d.serial, d.rotational) for d in inventory.disks] == [("sda", "PERC H730P", "00a1b2c3d4", True)]
    assert [(n.name, n.mac, n.addresses, n.speed_mbps, n.is_up) for n in inventory.nics] == [
        ("eno1", "b0:26:28:aa:bb:cc", ["10.1.2.3/24"], 10000, True), ("eno2", "b0:26:28:aa:bb:cd", [], None, False)]
    assert [f.mountpoint for f in inventory.filesystems] == ["/"]
    assert condition.uptime_seconds == 86400 and condition.cpu.load_1 == 0.5
    assert condition.memory.used_percent == 50.0 and condition.memory.swap_used_bytes == 600000 * 1024
    assert (condition.nics[0].errors_in, condition.nics[0].drops_in) == (3, 7)
    assert condition.filesystems[0].used_percent == 25.0


def test_unreadable_serial_is_named_not_guessed() -> None:
    output = LINUX_OUTPUT.replace("@@@dmidecode\n7XK9Q53\n", "")
    inventory, _ = build(output, "10.1.2.3")
    assert inventory.dmi.serial is None and inventory.unreadable == ["dmi.serial"]


def test_truncated_output_is_an_error() -> None:
    with pytest.raises(ValueError):
        build(LINUX_OUTPUT.replace("@@@end", ""), "x")
    assert "@@@end" in SCRIPT


def test_network_device_outputs() -> None:
    outputs = {"show version": "Cisco IOS Software, C2960X Software, Version 15.2(7)E3, RELEASE\n"
                               "Processor board ID FOC2231X0K7\nModel number : WS-C2960X-24TD-L\n",
               "show inventory": 'NAME: "1", DESCR: "WS-C2960X-24TD-L"\nPID: WS-C2960X-24TD-L , VID: V05'}
    record = parse_outputs("sw-core-01#", "cisco_ios", outputs)
    assert (record.hostname, record.dmi.serial, record.dmi.product) == ("sw-core-01", "FOC2231X0K7", "WS-C2960X-24TD-L")
    assert record.os.name == "cisco" and record.os.version == "15.2(7)E3"


def test_pinned_key_accepts_a_known_hosts_line() -> None:
    line = "[10.0.0.5]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJhH8HP4xa9TU7aejmaG6jLPMNJQkiHje6IonN0OqghW"
    info = parse_pinned(line)
    assert info.key_type == "ssh-ed25519" and info.public_key == line.split(" ", 1)[1]
    with pytest.raises(ValueError):
        parse_pinned("not a key")

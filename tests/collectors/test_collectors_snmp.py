"""SNMP collection against a real snmpd (v2c, v3 authPriv) and snmpsim recordings of three devices."""

from __future__ import annotations

import json
import logging
import time

import pytest

from collectors.snmp import SnmpTarget, collect_many_sync
from tests.support.snmp import V3_AUTH, V3_PRIV, V3_USER, V3_USER_256, free_udp_port


def one(target: SnmpTarget):
    (result,) = collect_many_sync([target])
    return result


def test_v2c_real_snmpd_fills_the_inventory_record(snmpd) -> None:
    result = one(SnmpTarget("127.0.0.1", snmpd.port, community="public"))
    assert result.ok, result.error
    inv = result.inventory
    assert inv.source == "snmp" and inv.hostname == "srv-snmpd-test"
    assert inv.fqdn == "srv-snmpd-test.kominfo.example"
    assert inv.os.name == "Linux" and inv.os.kernel
    assert inv.memory_bytes and inv.memory_bytes > 64 * 2**20
    assert any(fs.mountpoint == "/" and fs.size_bytes for fs in inv.filesystems)
    assert inv.cpu.threads and inv.cpu.threads >= 1
    assert all(nic.name != "lo" for nic in inv.nics)  # loopback is not a NIC of the server
    assert result.device.location == "Ruang Server Kominfo, Rak A"
    assert result.condition.uptime_seconds is not None and result.condition.memory.total_bytes
    assert 1 <= result.requests <= 8  # column-wise GETBULK, not one request per object


@pytest.mark.parametrize("user,auth", [(V3_USER, "SHA"), (V3_USER_256, "SHA-256")])
def test_v3_auth_priv(snmpd, user: str, auth: str) -> None:
    target = SnmpTarget("127.0.0.1", snmpd.port, version="3", user=user, auth_protocol=auth,
                        auth_key=V3_AUTH, priv_protocol="AES", priv_key=V3_PRIV)
    result = one(target)
    assert result.ok, result.error
    assert result.inventory.hostname == "srv-snmpd-test"
    assert result.inventory.memory_bytes


def test_switch_recording_lists_every_port_and_the_chassis(snmpsim) -> None:
    result = one(SnmpTarget("127.0.0.1", snmpsim.port, community="switch", timeout=3))
    assert result.ok, result.error
    inv = result.inventory
    assert inv.hostname == "sw-core-01" and inv.fqdn == "sw-core-01.kominfo.example"
    assert len(inv.nics) == 28
    ports = {nic.name: nic for nic in inv.nics}
    assert ports["Gi1/0/1"].speed_mbps == 1000 and ports["Te1/0/1"].speed_mbps == 10000
    assert ports["Gi1/0/1"].mac == "00:1a:2b:3c:4d:01" and ports["Gi1/0/4"].is_up is False
    assert (inv.dmi.vendor, inv.dmi.product, inv.dmi.serial) == ("Cisco", "WS-C2960X-24TD-L", "FOC2231X0K7")
    assert inv.dmi.bios_version == "15.2(7)E3"
    assert inv.os.name.startswith("Cisco IOS Software")
    kinds = {e.cls for e in result.device.entities}
    assert {"chassis", "powerSupply", "fan", "sensor"} <= kinds
    assert any(e.serial == "LIT2233A1BC" for e in result.device.entities)
    assert [t.celsius for t in result.condition.temperatures] == [34.0]
    assert {n.name: n.errors_in for n in result.condition.nics}["Gi1/0/1"] == 1
    assert result.device.octets["Gi1/0/2"] == (2_000_006, 1_000_003)


def test_ups_recording_reports_sensors_and_a_stopped_fan(snmpsim) -> None:
    result = one(SnmpTarget("127.0.0.1", snmpsim.port, community="ups", timeout=3))
    assert result.ok, result.error
    assert result.inventory.dmi.serial == "AS1934123456" and result.inventory.dmi.product == "SRT3KXLI"
    assert result.inventory.nics[0].addresses == ["10.20.0.15/24"]
    condition = result.condition
    assert [(t.label, t.celsius) for t in condition.temperatures] == [("Battery Temperature", 27.5)]
    assert [(f.label, f.rpm) for f in condition.fans] == [("Fan 1", 2400), ("Fan 2", 0)]
    sensors = {s.name: s for s in result.device.sensors}
    assert sensors["Input Voltage"].value == 229 and sensors["Input Voltage"].unit == "voltsAC"
    assert sensors["Output Power"].unit == "watts" and sensors["Output Current"].value == 3.7
    assert sensors["Fan 2"].status == "nonoperational"


def test_server_recording_has_host_resources_and_serial(snmpsim) -> None:
    result = one(SnmpTarget("127.0.0.1", snmpsim.port, community="server", timeout=3))
    assert result.ok, result.error
    inv = result.inventory
    assert inv.hostname == "srv-kepegawaian-01" and inv.os.kernel == "6.1.0-18-amd64"
    assert (inv.dmi.vendor, inv.dmi.serial) == ("Dell Inc.", "7XK9Q53")
    assert inv.cpu.threads == 2 and inv.cpu.model == "AMD EPYC"
    assert any(fs.mountpoint == "/" for fs in inv.filesystems)
    assert result.condition.cpu.percent == 21.0
    assert any("192.0.2.2/24" in nic.addresses for nic in inv.nics)


def test_failures_are_per_target_and_the_run_completes(snmpd, snmpsim) -> None:
    dead_port = free_udp_port()
    targets = [
        SnmpTarget("127.0.0.1", snmpd.port, community="public", id="good"),
        SnmpTarget("127.0.0.1", snmpd.port, community="not-the-community", timeout=0.3, retries=0, id="wrong"),
        SnmpTarget("127.0.0.1", dead_port, community="public", timeout=0.3, retries=1, id="dead"),
        SnmpTarget("127.0.0.1", snmpd.port, version="3", user=V3_USER, auth_key="wrong-passphrase",
                   priv_key=V3_PRIV, timeout=0.5, retries=0, id="badv3"),
        SnmpTarget("127.0.0.1", snmpd.port, version="3", user=V3_USER, id="nokey"),
        SnmpTarget("127.0.0.1", snmpsim.port, community="switch", timeout=3, id="switch"),
    ]
    start = time.monotonic()
    results = collect_many_sync(targets, concurrency=3)
    assert time.monotonic() - start < 15
    assert [r.target.id for r in results] == [t.id for t in targets]
    by_id = {r.target.id: r for r in results}
    assert by_id["good"].ok and by_id["switch"].ok
    assert "no response after 1 tries" in by_id["wrong"].error and "community" in by_id["wrong"].error
    assert "no response after 2 tries" in by_id["dead"].error
    assert not by_id["badv3"].ok and by_id["badv3"].error
    assert by_id["nokey"].error == "SNMPv3 target needs a user and an auth key"
    assert all(r.inventory is None for r in results if not r.ok)


def test_many_targets_at_once_with_a_bound(snmpd, snmpsim) -> None:
    targets = [SnmpTarget("127.0.0.1", snmpd.port, community="public", id=i) for i in range(40)]
    targets += [SnmpTarget("127.0.0.1", snmpsim.port, community=c, timeout=3, id=c)
                for c in ("server", "switch", "ups")]
    results = collect_many_sync(targets, concurrency=8)
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    assert [r.target.id for r in results] == [t.id for t in targets]
    assert {r.inventory.hostname for r in results} == {"srv-snmpd-test", "srv-kepegawaian-01",
                                                       "sw-core-01", "ups-rak-a"}


def test_secrets_stay_out_of_repr_results_and_logs(snmpd, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    v2 = SnmpTarget("127.0.0.1", snmpd.port, community="c0mmunity-s3cret", timeout=0.2, retries=0)
    v3 = SnmpTarget("127.0.0.1", snmpd.port, version="3", user=V3_USER, auth_key=V3_AUTH, priv_key=V3_PRIV)
    results = collect_many_sync([v2, v3])
    assert not results[0].ok and results[1].ok
    shown = repr(v2) + str(v3) + json.dumps([r.to_dict() for r in results], default=str) + caplog.text
    for secret in ("c0mmunity-s3cret", V3_AUTH, V3_PRIV):
        assert secret not in shown
    assert "community='***'" in repr(v2) and "auth_key='***'" in repr(v3)


def test_sync_collection_works_inside_a_running_event_loop(snmpd):
    """A synchronous caller on a thread that runs a loop (an async route, a test harness)."""
    import asyncio

    from collectors.snmp import SnmpTarget, collect_many_sync

    async def inside() -> list:
        return collect_many_sync([SnmpTarget("127.0.0.1", snmpd.port, community="public")])

    [result] = asyncio.run(inside())
    assert result.ok and result.inventory is not None


@pytest.mark.parametrize("community,kind", [("switch", "network_device"), ("router", "network_device"),
                                            ("ups", "ups_pdu"), ("eaton", "ups_pdu"), ("server", "server")])
def test_each_recording_is_read_as_its_asset_kind(snmpsim, community: str, kind: str) -> None:
    """Cisco and APC by their vendor, the Linksys by BRIDGE-MIB, the Eaton by UPS-MIB, the
    net-snmp host by its host resources."""
    result = one(SnmpTarget("127.0.0.1", snmpsim.port, community=community, timeout=3))
    assert result.ok, result.error
    assert result.device.kind == kind

"""Hostile SNMP devices beside a benign snmpd: each fails alone, the collector's memory stays bounded."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import tracemalloc

import psutil
import pytest

from collectors import snmp_wire
from collectors.snmp import SnmpTarget, collect_many_sync
from collectors.snmp_wire import SnmpError, V2cClient, _header, decode_oid, encode_oid
from tests.support.hostile_snmp import MODES, parse_request, response, start_hostile


@pytest.fixture(scope="module")
def hostile():
    agents = {mode: start_hostile(mode) for mode in MODES}
    yield agents
    for agent in agents.values():
        agent.stop()


def test_hostile_devices_fail_alone_and_memory_stays_bounded(snmpd, hostile) -> None:
    me = psutil.Process()
    base, peak, running = me.memory_info().rss, [0], [True]

    def sample() -> None:
        while running[0]:
            peak[0] = max(peak[0], me.memory_info().rss)
            time.sleep(0.01)
    sampler = threading.Thread(target=sample)
    sampler.start()
    targets = [SnmpTarget("127.0.0.1", snmpd.port, community="public", id="benign")]
    targets += [SnmpTarget("127.0.0.1", agent.port, community="public", timeout=1.0, retries=1, id=mode)
                for mode, agent in hostile.items()]
    try:
        start = time.monotonic()
        results = {r.target.id: r for r in collect_many_sync(targets, deadline=20)}
        took = time.monotonic() - start
    finally:
        running[0] = False
        sampler.join()
    assert results["benign"].ok and results["benign"].inventory.hostname == "srv-snmpd-test", results["benign"].error
    errors = {mode: results[mode].error for mode in MODES}
    assert all(not results[m].ok for m in MODES), errors
    assert "error-status -100" in errors["negative"] and "error-status" in errors["huge"]
    assert results["endless"].truncated and "round limit" in errors["endless"]
    assert "no response" in errors["flood"]       # the spoofed replies from another port were refused
    assert took < 15
    assert peak[0] - base < 150 * 2**20, f"RSS grew by {(peak[0] - base) / 2**20:.0f} MB"


def test_a_reply_with_a_60_kb_oid_is_that_devices_error(hostile) -> None:
    """Alone, without the flood (which may crowd its reply out of the shared socket's buffer)."""
    [result] = collect_many_sync([SnmpTarget("127.0.0.1", hostile["bigoid"].port, community="public",
                                             timeout=1.0, retries=0)])
    assert not result.ok and "60047 bytes" in result.error


def test_a_65_kb_oid_arc_is_refused_in_linear_time() -> None:
    raw = b"\x2b" + b"\xff" * 65_000 + b"\x01"
    start = time.perf_counter()
    with pytest.raises(SnmpError):
        decode_oid(raw)
    assert time.perf_counter() - start < 0.05
    huge = b"\x2b" + b"\x01" * 65_000    # 65,000 one-byte arcs: longer than SNMP allows
    start = time.perf_counter()
    with pytest.raises(SnmpError):
        decode_oid(huge)
    assert time.perf_counter() - start < 0.05


def test_the_oid_cache_is_bounded_in_bytes(monkeypatch) -> None:
    monkeypatch.setattr(snmp_wire, "OID_CACHE_BYTES", 1 << 20)   # 1 MB, so a few thousand OIDs fill it
    snmp_wire._OID_CACHE.clear()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(20_000):   # distinct table OIDs, as a device with huge tables would send
            encoded = encode_oid((1, 3, 6, 1, 4, 1, 99999, i, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12))
            _, start, end = _header(encoded, 0)
            decode_oid(encoded[start:end])
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 1.5 * 2**20, f"{grown / 2**20:.1f} MB kept"


def test_request_ids_are_random_and_replies_must_come_from_the_target() -> None:
    device = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    device.bind(("127.0.0.1", 0))
    device.settimeout(2)
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    other.bind(("127.0.0.1", 0))

    async def run() -> tuple[list[int], str]:
        client = await V2cClient.open()
        try:
            ids = []
            for _ in range(10):
                task = asyncio.ensure_future(client.request(device.getsockname(), b"public", [(1, 3, 6, 1)],
                                                            timeout=0.3, retries=0))
                data, peer = await asyncio.get_running_loop().run_in_executor(None, device.recvfrom, 65535)
                rid, _ = parse_request(data)
                ids.append(rid)
                # the right request id, from the wrong port: must be ignored
                other.sendto(response(rid, b""), peer)
                with pytest.raises(SnmpError, match="no response"):
                    await task
            return ids, ""
        finally:
            client.close()

    ids, _ = asyncio.run(run())
    device.close()
    other.close()
    assert len(set(ids)) == 10
    assert sum(1 for a, b in zip(ids, ids[1:]) if b - a == 1) < 2   # not a counter

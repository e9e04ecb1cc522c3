"""SNMPv3 (USM) on the lean wire client against a real snmpd, with pysnmp as the reference.

The same device walked through `collectors.snmp_usm` and through pysnmp must give the
same records; wrong keys, an unknown user, a stale engine clock, a silent agent and
tampered or truncated replies each give that target a clear error quickly; the reply
decoder, fed random and mutated real replies, raises nothing but `UsmError`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import select
import socket
import threading
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from collectors import snmp_usm
from collectors.snmp import SnmpTarget, collect_many_sync
from collectors.snmp_usm import Credentials, UsmClient, UsmError, decode_message, decrypt, open_reply
from tests.support.snmp import V3_AUTH, V3_PRIV, V3_USER, V3_USER_256, V3_USER_512, V3_USER_SHA_AES256, free_udp_port

SYS_NAME = (1, 3, 6, 1, 2, 1, 1, 5)
USERS = [(V3_USER, "SHA", "AES"), (V3_USER_256, "SHA-256", "AES"), (V3_USER_512, "SHA-512", "AES-256"),
         (V3_USER_SHA_AES256, "SHA", "AES-256")]
# Gauges that may move between two walks even when the walks around them agree.
VOLATILE = ("percent", "used", "load", "free")


def v3(port: int, user: str = V3_USER, auth: str = "SHA", priv: str | None = "AES", auth_key: str = V3_AUTH,
       priv_key: str | None = V3_PRIV, **options: Any) -> SnmpTarget:
    return SnmpTarget("127.0.0.1", port, version="3", user=user, auth_protocol=auth, auth_key=auth_key,
                      priv_protocol=priv, priv_key=priv_key, **options)


def flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flat(item, f"{prefix}.{key}").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in flat(item, f"{prefix}[{i}]").items()}
    return {prefix: value}


def records(result) -> dict[str, Any]:
    assert result.ok, result.error
    return flat({part: getattr(result, part).to_dict() for part in ("inventory", "condition", "device")})


@pytest.mark.parametrize("user,auth,priv", USERS)
def test_v3_walk_on_the_wire_equals_pysnmps(snmpd, user: str, auth: str, priv: str) -> None:
    """pysnmp's walk sits between two wire walks: where those agree, pysnmp's record must be the same."""
    target = v3(snmpd.port, user, auth, priv)
    first = records(collect_many_sync([target])[0])
    reference = records(collect_many_sync([target], v3_engine="pysnmp")[0])
    second = records(collect_many_sync([target])[0])
    assert first[".inventory.hostname"] == "srv-snmpd-test" and first[".inventory.memory_bytes"]
    assert set(first) == set(reference) == set(second)
    stable = [k for k in first if first[k] == second[k] and not any(word in k for word in VOLATILE)]
    assert len(stable) > 0.7 * len(first)
    assert {k: reference[k] for k in stable} == {k: first[k] for k in stable}


def test_v3_uses_as_few_requests_as_v2c_after_discovery(snmpd) -> None:
    [v2c, wire] = collect_many_sync([SnmpTarget("127.0.0.1", snmpd.port, community="public"), v3(snmpd.port)])
    assert wire.ok and wire.requests == v2c.requests


def test_wrong_keys_and_unknown_user_are_clear_errors_fast(snmpd) -> None:
    targets = [
        v3(snmpd.port, auth_key="wrong-auth-pass", timeout=1.0, retries=1, id="auth"),
        v3(snmpd.port, V3_USER_512, "SHA-512", "AES-256", auth_key="wrong-auth-pass", timeout=1.0, id="auth512"),
        v3(snmpd.port, auth="SHA-256", timeout=1.0, id="protocol"),          # the user is SHA-1
        v3(snmpd.port, user="nobody-here", timeout=1.0, id="user"),
        v3(snmpd.port, priv_key="wrong-priv-pass", timeout=0.4, retries=1, id="priv"),
        v3(snmpd.port, auth_key="short", id="short"),
        v3(snmpd.port, priv="CAST", id="cast"),
        v3(snmpd.port, priv=None, priv_key=None, id="nopriv"),   # authNoPriv for a `rouser ... priv` user
        v3(snmpd.port, id="good"),
    ]
    start = time.monotonic()
    results = {r.target.id: r for r in collect_many_sync(targets)}
    took = time.monotonic() - start
    assert results["good"].ok
    errors = {key: r.error for key, r in results.items() if not r.ok}
    assert "usmStatsWrongDigests" in errors["auth"] and "wrong auth key" in errors["auth"]
    assert "usmStatsWrongDigests" in errors["auth512"] and "usmStatsWrongDigests" in errors["protocol"]
    assert "usmStatsUnknownUserNames" in errors["user"]
    # net-snmp drops what it cannot decrypt: no report, so the error says what it most likely is
    assert "no response after 2 tries of 0.4 s" in errors["priv"] and "wrong privacy key" in errors["priv"]
    # the agent took the signed authNoPriv request (its answer is authenticated) and refused the level
    assert "authorizationError" in errors["nopriv"]
    assert "at least 8 characters" in errors["short"]
    assert "unsupported SNMPv3 privacy protocol 'CAST'" in errors["cast"]
    assert all(r.inventory is None for r in results.values() if not r.ok)
    assert took < 3, took   # the reports come back at once: only the dropped request waits its timeouts


def test_a_stale_engine_clock_and_a_changed_engine_id_are_resynchronised(snmpd) -> None:
    credentials = Credentials.check(V3_USER_512, "SHA-512", V3_AUTH, "AES-256", V3_PRIV)
    address = ("127.0.0.1", snmpd.port)

    async def run() -> list[Any]:
        client = await UsmClient.open()
        try:
            answers = [await client.request(address, credentials, [SYS_NAME], 0, 1)]
            state = client.engines[address]
            real = dataclasses.replace(state)
            state.engine_time += 3600                     # our clock an hour ahead
            answers.append(await client.request(address, credentials, [SYS_NAME], 0, 1))
            assert abs(state.now() - real.now()) < 5   # taken from the authenticated notInTimeWindow report
            state.boots += 7                              # the agent "rebooted" backwards for us
            answers.append(await client.request(address, credentials, [SYS_NAME], 0, 1))
            assert state.boots == real.boots
            state.engine_id = b"\x80\x00\x1f\x88\x04stale-engine"   # the agent got a new engine ID
            answers.append(await client.request(address, credentials, [SYS_NAME], 0, 1))
            assert client.engines[address].engine_id == real.engine_id
            return answers
        finally:
            client.close()

    answers = asyncio.run(run())
    assert all(a == [((*SYS_NAME, 0), b"srv-snmpd-test.kominfo.example")] for a in answers), answers


class Relay:
    """A man in the middle on 127.0.0.1 between the collector and snmpd: passes discovery, then
    `flip`s a byte of, `truncate`s, or drops (`silent`) every authenticated reply."""

    def __init__(self, upstream: int, mode: str) -> None:
        self.mode, self.upstream = mode, ("127.0.0.1", upstream)
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.bind(("127.0.0.1", 0))
        self.port = self.front.getsockname()[1]
        self.client: tuple[str, int] | None = None
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while self.running:
            ready, _, _ = select.select([self.front, self.back], [], [], 0.05)
            for sock in ready:
                data, peer = sock.recvfrom(65535)
                if sock is self.front:
                    self.client = peer
                    self.back.sendto(data, self.upstream)
                    continue
                if decode_message(data).flags & snmp_usm.FLAG_AUTH:
                    if self.mode == "silent":
                        continue
                    data = (data[:-20] + bytes([data[-20] ^ 0x01]) + data[-19:] if self.mode == "flip"
                            else data[:-10])
                assert self.client is not None
                self.front.sendto(data, self.client)

    def stop(self) -> None:
        self.running = False
        self.thread.join()
        self.front.close()
        self.back.close()


@pytest.fixture
def relays(snmpd):
    started = {mode: Relay(snmpd.port, mode) for mode in ("flip", "truncate", "silent")}
    yield started
    for relay in started.values():
        relay.stop()


def test_tampered_truncated_and_missing_replies_fail_that_target_only(snmpd, relays) -> None:
    dead = free_udp_port()
    targets = [v3(relay.port, timeout=0.5, retries=1, id=mode) for mode, relay in relays.items()]
    targets += [v3(dead, timeout=0.3, retries=1, id="dead"), v3(snmpd.port, id="good")]
    start = time.monotonic()
    results = {r.target.id: r for r in collect_many_sync(targets)}
    assert time.monotonic() - start < 4
    assert results["good"].ok
    errors = {key: r.error for key, r in results.items() if not r.ok}
    assert set(errors) == {"flip", "truncate", "silent", "dead"}
    assert "failed authentication" in errors["flip"]
    assert "undecodable SNMPv3 reply" in errors["truncate"]
    assert "no response after 2 tries" in errors["silent"] and "answered engine discovery" in errors["silent"]
    assert "no response to SNMPv3 engine discovery after 2 tries of 0.3 s" in errors["dead"]


# --- the decoder under hypothesis ------------------------------------------------------------

@pytest.fixture(scope="module")
def real_replies(snmpd) -> list[tuple]:
    """Replies from snmpd as `open_reply` received them, with everything needed to read them again."""
    seen: list[tuple] = []
    original = snmp_usm.open_reply

    def recording(raw, state, credentials, auth_key, priv_key, request_id, last=True):
        seen.append((raw, dataclasses.replace(state), credentials, auth_key, priv_key, request_id))
        return original(raw, state, credentials, auth_key, priv_key, request_id, last)

    snmp_usm.open_reply = recording
    try:
        results = collect_many_sync([v3(snmpd.port), v3(snmpd.port, V3_USER_512, "SHA-512", "AES-256")])
    finally:
        snmp_usm.open_reply = original
    assert all(r.ok for r in results) and len(seen) >= 4
    return seen


def read(raw: bytes, case: tuple) -> None:
    _, state, credentials, auth_key, priv_key, request_id = case
    try:
        open_reply(raw, dataclasses.replace(state), credentials, auth_key, priv_key, request_id)
    except UsmError:
        pass


FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(raw=st.binary(max_size=600))
def test_random_bytes_raise_only_the_modules_error(real_replies, raw: bytes) -> None:
    for candidate in (raw, real_replies[0][0][:8] + raw):
        try:
            snmp_usm.peek_msg_id(candidate)     # what the transport reads of every datagram
        except UsmError:
            pass
    read(raw, real_replies[0])
    read(b"\x30\x82" + len(raw).to_bytes(2, "big") + b"\x02\x01\x03" + raw, real_replies[0])


@FUZZ
@given(data=st.data())
def test_mutated_real_replies_raise_only_the_modules_error(real_replies, data) -> None:
    case = data.draw(st.sampled_from(real_replies))
    raw = bytearray(case[0])
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw) - 1))
        kind = data.draw(st.sampled_from(["set", "cut", "insert", "drop"]))
        if kind == "set":
            raw[at] = data.draw(st.integers(0, 255))
        elif kind == "cut":
            del raw[at:]
            if not raw:
                break
        elif kind == "insert":
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=8))
        else:
            del raw[at]
            if not raw:
                break
    read(bytes(raw), case)


@FUZZ
@given(data=st.data())
def test_mutated_plaintext_behind_a_valid_mac_raises_only_the_modules_error(real_replies, data) -> None:
    """The hardest case: the agent (holding the keys) sends a garbled scopedPDU, encrypted and signed."""
    case = data.draw(st.sampled_from(real_replies))
    raw, _, credentials, auth_key, priv_key, _ = case
    message = decode_message(raw)
    plain = bytearray(decrypt(message, priv_key) if priv_key else message.data)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, max(0, len(plain) - 1)))
        if data.draw(st.booleans()):
            plain[at:at + 1] = bytes([data.draw(st.integers(0, 255))])
        else:
            del plain[at:]
    resigned = snmp_usm.encode_message(message.msg_id, message.flags & 0x03, message.engine_id, message.boots,
                                       message.engine_time, message.user, bytes(plain), credentials.auth,
                                       auth_key, priv_key, message.priv_params)
    read(resigned, case)


def test_an_unauthenticated_response_is_never_taken(real_replies) -> None:
    """A spoofer without the keys sends a plaintext Response naming our request: it is refused."""
    raw, state, credentials, auth_key, priv_key, request_id = real_replies[0]
    message = decode_message(raw)
    plain = decrypt(message, priv_key)
    forged = snmp_usm.encode_message(message.msg_id, 0, message.engine_id, message.boots, message.engine_time,
                                     message.user, plain)
    with pytest.raises(UsmError, match="below the security level"):
        open_reply(forged, dataclasses.replace(state), credentials, auth_key, priv_key, request_id)
    assert open_reply(raw, dataclasses.replace(state), credentials, auth_key, priv_key, request_id)

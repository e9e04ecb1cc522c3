"""A lean SNMPv2c GET/GETBULK client: one UDP socket for a whole run, BER done by hand.

Why not pysnmp for v2c: its pyasn1 decoding costs about 0.15 ms per varbind, so a
server's ~150 varbinds cap one core at ~25 devices/s, far below the monthly run's
target. SNMPv2c messages need five BER types and a dozen application tags, decoded
here with a cache for repeated OIDs. SNMPv3 (USM) reuses the PDU coding and the
transport from here (`collectors.snmp_usm`), behind the same `bulk()` call.

Values come back as plain Python: int, bytes, OID tuple, dotted IPv4 str, None for
NULL, or one of the three exception sentinels below.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections import Counter
from typing import Any

Oid = tuple[int, ...]
VarBind = tuple[Oid, Any]

# RFC 2578 §3.5: at most 128 sub-identifiers, each below 2**32 (so at most 5 base-128 digits).
MAX_OID_ARCS = 128
MAX_ARC_BYTES = 5
MAX_OID_BYTES = MAX_OID_ARCS * MAX_ARC_BYTES
# Our GETBULKs ask at most ~100 varbinds; a reply to one fits well within this. Larger is refused.
MAX_REPLY_BYTES = 48 * 1024
# The decode caches are bounded by what they hold, not by entries: devices choose the OIDs.
OID_CACHE_BYTES = 8 << 20
_CACHEABLE_OID_BYTES = 64    # table OIDs repeat across devices; long ones are rare and not kept


class SnmpError(Exception):
    """An SNMP-level failure for one request: timeout, error-status, garbled reply."""


class ExceptionValue:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


NO_SUCH_OBJECT, NO_SUCH_INSTANCE, END_OF_MIB = (ExceptionValue(n) for n in
                                                 ("noSuchObject", "noSuchInstance", "endOfMibView"))
_EXCEPTIONS = {0x80: NO_SUCH_OBJECT, 0x81: NO_SUCH_INSTANCE, 0x82: END_OF_MIB}
_UNSIGNED = (0x41, 0x42, 0x43, 0x46, 0x47)   # Counter32, Gauge32, TimeTicks, Counter64, UInteger32
ERROR_STATUS = ("noError", "tooBig", "noSuchName", "badValue", "readOnly", "genErr", "noAccess",
                "wrongType", "wrongLength", "wrongEncoding", "wrongValue", "noCreation",
                "inconsistentValue", "resourceUnavailable", "commitFailed", "undoFailed",
                "authorizationError", "notWritable", "inconsistentName")


# --- encoding -------------------------------------------------------------------------------

def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(raw),)) + raw


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes((tag,)) + _length(len(body)) + body


def _integer(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


_VARBIND_CACHE: dict[Oid, bytes] = {}
_varbind_cache_bytes = 0


def encode_oid(oid: Oid) -> bytes:
    body = bytearray((oid[0] * 40 + oid[1],))
    for arc in oid[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return _tlv(0x06, bytes(body))


def _varbind(oid: Oid) -> bytes:
    """(oid, NULL) encoded; cached, as runs ask the same columns of every device."""
    global _varbind_cache_bytes
    encoded = _VARBIND_CACHE.get(oid)
    if encoded is None:
        encoded = _tlv(0x30, encode_oid(oid) + b"\x05\x00")
        if len(encoded) <= _CACHEABLE_OID_BYTES:
            if _varbind_cache_bytes > OID_CACHE_BYTES:
                _VARBIND_CACHE.clear()
                _varbind_cache_bytes = 0
            _VARBIND_CACHE[oid] = encoded
            _varbind_cache_bytes += _entry_bytes(encoded, oid)
    return encoded


def encode_pdu(request_id: int, oids: list[Oid], non_repeaters: int = 0, max_repetitions: int = 0,
               bulk: bool = True) -> bytes:
    """A GetBulkRequest-PDU (or GetRequest-PDU when `bulk` is false) with NULL values: v2c and v3 alike."""
    varbinds = b"".join(map(_varbind, oids))
    pdu = _integer(request_id) + _integer(non_repeaters if bulk else 0) \
        + _integer(max_repetitions if bulk else 0) + _tlv(0x30, varbinds)
    return _tlv(0xA5 if bulk else 0xA0, pdu)


def encode_request(community: bytes, request_id: int, oids: list[Oid], non_repeaters: int = 0,
                   max_repetitions: int = 0, bulk: bool = True) -> bytes:
    """A v2c GetBulkRequest (or GetRequest when `bulk` is false) with NULL values."""
    return _tlv(0x30, _integer(1) + _tlv(0x04, community)
                + encode_pdu(request_id, oids, non_repeaters, max_repetitions, bulk))


# --- decoding -------------------------------------------------------------------------------

def _header(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, body start, body end) of the TLV at `pos`."""
    tag, n = data[pos], data[pos + 1]
    pos += 2
    if n & 0x80:
        count = n & 0x7F
        n = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    end = pos + n
    if end > len(data):
        raise SnmpError("truncated message")
    return tag, pos, end


_OID_CACHE: dict[bytes, Oid] = {}
_oid_cache_bytes = 0


def _entry_bytes(raw: bytes, oid: Oid) -> int:
    """What one cache entry costs: the bytes object, the tuple and its ints, the dict slot."""
    return 33 + len(raw) + 40 + 8 * len(oid) + 28 * len(oid) + 100


def decode_oid(raw: bytes) -> Oid:
    """BER OID body to a tuple, in time linear in its length: SNMP's limits are checked first."""
    global _oid_cache_bytes
    cached = _OID_CACHE.get(raw)
    if cached is not None:
        return cached
    if not raw or len(raw) > MAX_OID_BYTES:
        raise SnmpError(f"OID of {len(raw)} bytes (SNMP allows 1 to {MAX_OID_BYTES})")
    first = raw[0]
    arcs = [first // 40, first % 40] if first < 80 else [2, first - 80]
    value = digits = 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        digits += 1
        if not byte & 0x80:
            arcs.append(value)
            value = digits = 0
        elif digits >= MAX_ARC_BYTES:
            raise SnmpError("OID sub-identifier larger than SNMP allows (2**32 - 1)")
    if digits:
        raise SnmpError("OID ends inside a sub-identifier")
    if len(arcs) > MAX_OID_ARCS:
        raise SnmpError(f"OID of {len(arcs)} sub-identifiers (SNMP allows {MAX_OID_ARCS})")
    oid = tuple(arcs)
    if len(raw) <= _CACHEABLE_OID_BYTES:
        if _oid_cache_bytes > OID_CACHE_BYTES:
            _OID_CACHE.clear()
            _oid_cache_bytes = 0
        _OID_CACHE[raw] = oid
        _oid_cache_bytes += _entry_bytes(raw, oid)
    return oid


def _value(tag: int, raw: bytes) -> Any:
    if tag == 0x04 or tag == 0x44:
        return raw
    if tag == 0x02:
        return int.from_bytes(raw, "big", signed=True)
    if tag in _UNSIGNED:
        return int.from_bytes(raw, "big")
    if tag == 0x06:
        return decode_oid(raw)
    if tag == 0x40:
        return ".".join(map(str, raw))
    if tag == 0x05:
        return None
    if tag in _EXCEPTIONS:
        return _EXCEPTIONS[tag]
    return raw


def peek_request_id(data: bytes) -> int:
    """The request-id of a v2c message, read from its first few headers only (no varbinds)."""
    try:
        _, pos, _ = _header(data, 0)              # Message
        _, _, pos = _header(data, pos)            # version
        _, _, pos = _header(data, pos)            # community
        _, pos, _ = _header(data, pos)            # PDU
        tag, start, pos = _header(data, pos)
    except IndexError as exc:
        raise SnmpError("undecodable reply") from exc
    if tag != 0x02 or not 0 < pos - start <= 5:
        raise SnmpError("reply without a plausible request-id")
    return int.from_bytes(data[start:pos], "big", signed=True)


def decode_response(data: bytes) -> tuple[int, int, int, list[VarBind]]:
    """(request-id, error-status, error-index, varbinds) of a v2c Response-PDU."""
    try:
        _, pos, _ = _header(data, 0)              # Message
        _, start, pos = _header(data, pos)        # version
        _, start, pos = _header(data, pos)        # community
    except (IndexError, ValueError) as exc:
        raise SnmpError(f"undecodable reply: {exc}") from exc
    tag, request_id, status, index, varbinds = decode_pdu(data, pos)
    if tag != 0xA2:
        raise SnmpError(f"unexpected PDU type 0x{tag:02x}")
    return request_id, status, index, varbinds


def decode_pdu(data: bytes, pos: int) -> tuple[int, int, int, int, list[VarBind]]:
    """(PDU tag, request-id, error-status, error-index, varbinds) of the PDU at `pos` (v2c or v3)."""
    try:
        pdu_tag, pos, pdu_end = _header(data, pos)
        if pdu_tag not in (0xA2, 0xA8):   # only a Response or a Report is read further
            return pdu_tag, 0, 0, 0, []
        numbers = []
        for _ in range(3):
            _, start, pos = _header(data, pos)
            if pos - start > 8:   # request-id, error-status and -index are 32-bit in SNMP
                numbers.append(-1 if data[start] & 0x80 else 2**64)
                continue
            numbers.append(int.from_bytes(data[start:pos], "big", signed=True))
        _, pos, end = _header(data, pos)          # varbind list
        varbinds = []
        while pos < end:
            if data[pos + 1] < 0x80 and data[pos + 3] < 0x80:  # short lengths: the hot path
                vb_end, start = pos + 2 + data[pos + 1], pos + 4
                pos = start + data[pos + 3]
            else:
                _, pos, vb_end = _header(data, pos)
                _, start, pos = _header(data, pos)
            oid = decode_oid(data[start:pos])
            tag, start, pos = _header(data, pos)
            varbinds.append((oid, _value(tag, data[start:pos])))
            pos = vb_end
        if pos != end or end > pdu_end:
            raise SnmpError("varbind list overruns its length")
        return pdu_tag, numbers[0], numbers[1], numbers[2], varbinds
    except (IndexError, ValueError) as exc:
        raise SnmpError(f"undecodable reply: {exc}") from exc


# --- transport ------------------------------------------------------------------------------

def _expire(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)


def _status_text(status: int, index: int) -> str:
    if 0 < status < len(ERROR_STATUS):
        return f"agent answered {ERROR_STATUS[status]} (index {index})"
    shown = str(status) if -2**31 <= status < 2**32 else ("a huge" if status > 0 else "a huge negative")
    return f"agent answered an invalid error-status {shown} (index {index if -2**31 <= index < 2**32 else '?'})"


class V2cClient(asyncio.DatagramProtocol):
    """Many targets over one UDP socket; replies are matched by random request-id and source.

    Any host can send to the socket, so a datagram is checked before it costs anything: its
    source must be a device we are waiting for, its request-id (read from the header alone) one
    we sent to that very address and port, its size within `MAX_REPLY_BYTES`. Only then is it
    decoded; a matching reply that cannot be decoded fails that request with the reason.
    Subclasses change `reply_key` (how a reply names its request: v3 matches on msgID).
    """

    reply_key = staticmethod(peek_request_id)

    def __init__(self) -> None:
        self._pending: dict[int, tuple[asyncio.Future, tuple[str, int]]] = {}
        self._sources: Counter[tuple[str, int]] = Counter()
        self._transport: asyncio.DatagramTransport | None = None
        self.retransmits = 0   # requests sent again after a timeout: a sign of loss or overload
        self.dropped = 0       # datagrams nobody asked for (or from the wrong source)

    @classmethod
    async def open(cls, family: int = socket.AF_INET) -> Any:
        sock = socket.socket(family, socket.SOCK_DGRAM)
        forced: int | None = getattr(socket, "SO_RCVBUFFORCE", None)  # Linux only
        for option in ([forced] if forced is not None else []) + [socket.SO_RCVBUF]:
            try:  # a burst of replies must not overflow the buffer (root may force past rmem_max)
                sock.setsockopt(socket.SOL_SOCKET, option, 8 << 20)
                break
            except (OSError, TypeError):
                continue
        sock.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", 0))
        loop = asyncio.get_running_loop()
        client = cls()
        await loop.create_datagram_endpoint(lambda: client, sock=sock)
        return client

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        source = tuple(addr[:2])
        if source not in self._sources:
            self.dropped += 1
            return
        try:
            waiting = self._pending.get(self.reply_key(data))
        except SnmpError:
            waiting = None
        if waiting is None or waiting[0].done() or tuple(waiting[1][:2]) != source:
            self.dropped += 1   # garbage or a stray: the request times out and is retried
            return
        if len(data) > MAX_REPLY_BYTES:
            waiting[0].set_exception(SnmpError(f"reply of {len(data)} bytes (at most {MAX_REPLY_BYTES})"))
            return
        waiting[0].set_result(data)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def new_id(self) -> int:
        """A random id (request-id or msgID) that no request in flight uses."""
        key = secrets.randbelow(0x7FFFFFFF) + 1
        while key in self._pending:
            key = secrets.randbelow(0x7FFFFFFF) + 1
        return key

    async def exchange(self, address: tuple[str, int], key: int, message: bytes, timeout: float = 2.0,
                       retries: int = 1) -> bytes | None:
        """Send `message` until a reply naming `key` comes from `address`; None when none came.

        Retries resend the same message, so a late reply to an earlier try still counts.
        """
        assert self._transport is not None, "open() first"
        loop = asyncio.get_running_loop()
        reply = None
        source = (address[0], address[1])
        self._sources[source] += 1
        try:
            for attempt in range(retries + 1):
                future: asyncio.Future = loop.create_future()
                self._pending[key] = (future, address)
                self._transport.sendto(message, address)
                # A timer handle instead of asyncio.wait_for: no task per request.
                timer = loop.call_later(timeout, _expire, future)
                try:
                    reply = await future
                finally:
                    timer.cancel()
                if reply is not None:
                    break
                self.retransmits += attempt < retries
        finally:
            self._pending.pop(key, None)
            self._sources[source] -= 1
            if self._sources[source] <= 0:
                del self._sources[source]
        return reply

    async def request(self, address: tuple[str, int], community: bytes, oids: list[Oid],
                      non_repeaters: int = 0, max_repetitions: int = 0, bulk: bool = True,
                      timeout: float = 2.0, retries: int = 1) -> list[VarBind]:
        """One GET/GETBULK with retries (same request-id, so a late reply still counts)."""
        request_id = self.new_id()
        message = encode_request(community, request_id, oids, non_repeaters, max_repetitions, bulk)
        data = await self.exchange(address, request_id, message, timeout, retries)
        if data is None:
            raise SnmpError(f"no response after {retries + 1} tries of {timeout:g} s")
        _, status, index, varbinds = decode_response(data)
        if status:
            raise SnmpError(_status_text(status, index))
        return varbinds

"""A hostile SNMP v2c device: a UDP socket on 127.0.0.1 that answers with crafted BER.

Run as its own process (`start_hostile(mode)`), so the collector under test is measured alone:

- `negative`: every reply carries error-status -100 (it used to raise IndexError in the client)
- `huge`: error-status 2**70
- `endless`: GETBULK answers that always go one row further: a walk that never ends by itself
- `bigoid`: a reply whose first varbind name is a 60 KB OID
- `flood`: answers nothing itself; from another port it sends the client 1,500 replies per
  request: small well-formed ones with the request's own id (a spoof the source check must
  refuse) and 60 KB ones with random ids
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
from dataclasses import dataclass, field

from collectors.snmp_wire import _header, _integer, _tlv, decode_oid, encode_oid

MODES = ("negative", "huge", "endless", "bigoid", "flood")


def parse_request(data: bytes) -> tuple[int, list[tuple[int, ...]]]:
    """(request-id, the OIDs asked) of a GET/GETBULK."""
    _, pos, _ = _header(data, 0)
    _, _, pos = _header(data, pos)            # version
    _, _, pos = _header(data, pos)            # community
    _, pos, _ = _header(data, pos)            # PDU
    _, start, pos = _header(data, pos)
    request_id = int.from_bytes(data[start:pos], "big", signed=True)
    _, _, pos = _header(data, pos)
    _, _, pos = _header(data, pos)
    _, pos, end = _header(data, pos)
    oids = []
    while pos < end:
        _, inner, vb_end = _header(data, pos)
        _, start, stop = _header(data, inner)
        oids.append(decode_oid(data[start:stop]))
        pos = vb_end
    return request_id, oids


def response(request_id: int, varbinds: bytes, status: int = 0) -> bytes:
    pdu = _integer(request_id) + _integer(status) + _integer(0) + _tlv(0x30, varbinds)
    return _tlv(0x30, _integer(1) + _tlv(0x04, b"public") + _tlv(0xA2, pdu))


_HIGH_BIT = bytes(b | 0x80 for b in range(256))


def big_oid_varbind(size: int = 60_000) -> bytes:
    """A varbind whose name is `size` bytes of random sub-identifier digits (ends on a full arc)."""
    body = os.urandom(size - 1).translate(_HIGH_BIT) + b"\x01"
    return _tlv(0x30, _tlv(0x06, b"\x2b" + body) + _tlv(0x02, b"\x01"))


def _varbind(oid: tuple[int, ...], value: int) -> bytes:
    return _tlv(0x30, encode_oid(oid) + _integer(value))


def serve(mode: str, sock: socket.socket) -> None:
    flood_from = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    flood_from.bind(("127.0.0.1", 0))
    rows = 0
    while True:
        data, peer = sock.recvfrom(65535)
        try:
            request_id, oids = parse_request(data)
        except Exception:
            continue
        if mode == "negative":
            sock.sendto(response(request_id, b"", status=-100), peer)
        elif mode == "huge":
            sock.sendto(response(request_id, b"", status=2**70), peer)
        elif mode == "endless":
            rows += 1
            sock.sendto(response(request_id, b"".join(
                _varbind(oid + (rows,), rows) for oid in oids[:40])), peer)
        elif mode == "bigoid":
            sock.sendto(response(request_id, big_oid_varbind()), peer)
        elif mode == "flood":
            spoof = response(request_id, _tlv(0x30, encode_oid((1, 3, 6, 1, 2, 1, 1, 5, 0))
                                              + _tlv(0x04, b"spoofed")))
            for i in range(1_500):
                message = spoof if i % 2 == 0 else response(random.getrandbits(31), big_oid_varbind())
                try:
                    flood_from.sendto(message, peer)
                except OSError:
                    pass


@dataclass
class Hostile:
    mode: str
    port: int
    process: subprocess.Popen = field(repr=False)
    address: str = "127.0.0.1"

    def stop(self) -> None:
        from tests.support.controller import stop_process

        stop_process(self.process)


def start_hostile(mode: str) -> Hostile:
    """The device in its own process; returns once its port is bound."""
    assert mode in MODES
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.Popen([sys.executable, "-m", "tests.support.hostile_snmp", mode], cwd=root,
                            stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline())
    return Hostile(mode, port, proc)


if __name__ == "__main__":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1], flush=True)
    serve(sys.argv[1], s)

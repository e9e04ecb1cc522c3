"""SNMPv3 with USM (RFC 3414) on the lean wire client: v3 at the speed of v2c.

pysnmp's engine costs ~35 ms a device here (pyasn1 and its message processing),
so v3 authPriv ran at a tenth of v2c. This module builds and reads the v3 message
itself, with the cryptography only from `cryptography` (HMAC, AES-CFB128) and the
key localisation from pysnmp (RFC 3414 A.2 password-to-key, and the AES-192/256
key extension):

- authentication: HMAC-MD5-96 and HMAC-SHA-96 (RFC 3414), usmHMAC128SHA224,
  usmHMAC192SHA256, usmHMAC256SHA384, usmHMAC384SHA512 (RFC 7860);
- privacy: AES-128-CFB (RFC 3826); AES-192/256-CFB with the key extension of
  draft-blumenthal-aes-usm-04 (Kul' = Kul || H(Kul)), which is what net-snmp's
  `-x AES-192/AES-256` use (the Reeder/Cisco variant is net-snmp's `AES-256-C`, not done here);
- engine discovery (an empty-engine-ID request, answered by a usmStatsUnknownEngineIDs
  report), the engine's boots/time kept per agent, and one retry after a
  notInTimeWindow (or unknown engine ID) report with what the authenticated report says;
- localised keys cached per (engine ID, protocol, passphrase).

DES (and anything else) stays with pysnmp (`collectors.snmp_v3`). Every failure
is a `UsmError` (an `SnmpError`) naming what went wrong for that one target.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import constant_time, hashes, hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

try:  # cryptography 47+ keeps CFB among its "decrepit" modes (SNMP's RFC 3826 needs it all the same)
    from cryptography.hazmat.decrepit.ciphers.modes import CFB
except ImportError:  # pragma: no cover - older cryptography
    from cryptography.hazmat.primitives.ciphers.modes import CFB

from collectors.snmp_wire import (
    MAX_REPLY_BYTES,
    Oid,
    SnmpError,
    V2cClient,
    VarBind,
    _header,
    _integer,
    _status_text,
    _tlv,
    decode_pdu,
    encode_pdu,
)

# name -> (cryptography hash, hashlib constructor for pysnmp's key localisation, MAC length, service OID)
AUTH: dict[str, tuple[Callable[[], hashes.HashAlgorithm], Callable[..., Any], int, Oid]] = {
    "MD5": (hashes.MD5, hashlib.md5, 12, (1, 3, 6, 1, 6, 3, 10, 1, 1, 2)),
    "SHA": (hashes.SHA1, hashlib.sha1, 12, (1, 3, 6, 1, 6, 3, 10, 1, 1, 3)),
    "SHA-224": (hashes.SHA224, hashlib.sha224, 16, (1, 3, 6, 1, 6, 3, 10, 1, 1, 4)),
    "SHA-256": (hashes.SHA256, hashlib.sha256, 24, (1, 3, 6, 1, 6, 3, 10, 1, 1, 5)),
    "SHA-384": (hashes.SHA384, hashlib.sha384, 32, (1, 3, 6, 1, 6, 3, 10, 1, 1, 6)),
    "SHA-512": (hashes.SHA512, hashlib.sha512, 48, (1, 3, 6, 1, 6, 3, 10, 1, 1, 7)),
}
AUTH["SHA-1"] = AUTH["SHA"]
PRIV = {"AES": 16, "AES-128": 16, "AES-192": 24, "AES-256": 32}   # AES key bytes

FLAG_AUTH, FLAG_PRIV, FLAG_REPORTABLE = 0x01, 0x02, 0x04
USM_STATS = (1, 3, 6, 1, 6, 3, 15, 1, 1)
REPORTS = {
    1: "the agent does not allow this security level for the user (usmStatsUnsupportedSecLevels)",
    2: "engine time out of window (usmStatsNotInTimeWindows)",
    3: "unknown SNMPv3 user on the agent (usmStatsUnknownUserNames)",
    4: "unknown engine ID (usmStatsUnknownEngineIDs)",
    5: "authentication failed: wrong auth key or auth protocol (usmStatsWrongDigests)",
    6: "the agent could not decrypt the request: wrong privacy key or protocol (usmStatsDecryptionErrors)",
}
NOT_IN_TIME_WINDOW, UNKNOWN_ENGINE_ID = USM_STATS + (2, 0), USM_STATS + (4, 0)
TIME_WINDOW = 150          # seconds, RFC 3414 §3.2 step 7
MAX_MESSAGE_SIZE = MAX_REPLY_BYTES


class UsmError(SnmpError):
    """An SNMPv3 failure for one target: a report, a reply that fails its checks, no reply."""


# --- keys -----------------------------------------------------------------------------------

_KEYS: dict[bytes, bytes] = {}
_KEYS_MAX = 4096


def _cache_key(*parts: bytes | str) -> bytes:
    """A digest names the entry, so the cache's keys hold no passphrase."""
    h = hashlib.sha256()
    for part in parts:
        raw = part.encode() if isinstance(part, str) else part
        h.update(len(raw).to_bytes(4, "big") + raw)
    return h.digest()


def _ku(passphrase: str, auth: str) -> bytes:
    """RFC 3414 A.2 password-to-key (pysnmp's), before localisation: once per passphrase and hash."""
    from pysnmp.proto.secmod.rfc3414 import localkey

    name = _cache_key(b"ku", auth, passphrase)
    if name not in _KEYS:
        _KEYS[name] = localkey.hash_passphrase(passphrase, AUTH[auth][1]).asOctets()
    return _KEYS[name]


def localized_keys(engine_id: bytes, auth: str, auth_passphrase: str, priv: str | None,
                   priv_passphrase: str | None) -> tuple[bytes, bytes | None]:
    """(auth key, privacy key) localised to `engine_id`; cached per engine ID, protocols and passphrases."""
    # localkey first: pysnmp's modules import each other in a ring, aesbase alone fails
    from pysnmp.proto.secmod.rfc3414 import localkey  # noqa: I001
    from pysnmp.proto.secmod.eso.priv.aesbase import AbstractAesBlumenthal
    from pyasn1.type.univ import OctetString

    name = _cache_key(b"kul", engine_id, auth, auth_passphrase, priv or "", priv_passphrase or "")
    cached = _KEYS.get(name)
    if cached is not None:
        split = AUTH[auth][1]().digest_size
        return cached[:split], (cached[split:] or None)
    if len(_KEYS) > _KEYS_MAX:
        _KEYS.clear()
    hash_fn = AUTH[auth][1]
    auth_key = localkey.localize_key(_ku(auth_passphrase, auth), OctetString(engine_id), hash_fn).asOctets()
    priv_key = None
    if priv:
        size = PRIV[priv]
        blumenthal = type("Blumenthal", (AbstractAesBlumenthal,), {"KEY_SIZE": size})()
        priv_key = blumenthal.localize_key(AUTH[auth][3], _ku(priv_passphrase or "", auth),
                                           OctetString(engine_id)).asOctets()[:size]
    _KEYS[name] = auth_key + (priv_key or b"")
    return auth_key, priv_key


_SIGNERS: dict[tuple[bytes, str], crypto_hmac.HMAC] = {}


def _mac(key: bytes, auth: str, message: bytes) -> bytes:
    """The truncated HMAC; the keyed context is made once per key and copied per message."""
    base = _SIGNERS.get((key, auth))
    if base is None:
        if len(_SIGNERS) > _KEYS_MAX:
            _SIGNERS.clear()
        base = _SIGNERS[(key, auth)] = crypto_hmac.HMAC(key, AUTH[auth][0]())
    signer = base.copy()
    signer.update(message)
    return signer.finalize()[:AUTH[auth][2]]


def _aes(key: bytes, boots: int, engine_time: int, salt: bytes) -> Cipher:
    """RFC 3826 §3.1.2.1: IV = boots || time || salt (the 64-bit privParameters)."""
    iv = boots.to_bytes(4, "big") + engine_time.to_bytes(4, "big") + salt
    return Cipher(algorithms.AES(key), CFB(iv))


# --- messages -------------------------------------------------------------------------------

@dataclass
class Message:
    """A decoded SNMPv3 message, before authentication and decryption."""

    msg_id: int
    flags: int
    engine_id: bytes
    boots: int
    engine_time: int
    user: bytes
    auth_params: bytes
    priv_params: bytes
    auth_at: int          # where msgAuthenticationParameters' value starts in the whole message
    data: bytes           # the scopedPDU (plaintext) or the encryptedPDU's octets
    raw: bytes


def _octets(data: bytes, pos: int, what: str) -> tuple[bytes, int, int]:
    tag, start, end = _header(data, pos)
    if tag != 0x04:
        raise UsmError(f"undecodable SNMPv3 reply: {what} is not an OCTET STRING")
    return data[start:end], start, end


def _number(data: bytes, pos: int, what: str, limit: int = 2**31 - 1) -> tuple[int, int]:
    tag, start, end = _header(data, pos)
    if tag != 0x02 or not 0 < end - start <= 5:
        raise UsmError(f"undecodable SNMPv3 reply: {what} is not a small INTEGER")
    value = int.from_bytes(data[start:end], "big", signed=True)
    if not 0 <= value <= limit:
        raise UsmError(f"undecodable SNMPv3 reply: {what} {value} out of range")
    return value, end


def peek_msg_id(data: bytes) -> int:
    """The msgID of a v3 message, from its first headers only (what the transport matches on)."""
    try:
        # The outer length is not checked here: a truncated reply still reaches its request,
        # which then fails as truncated instead of waiting for its timeout.
        pos = 2 + (data[1] & 0x7F if data[1] & 0x80 else 0)
        version, pos = _number(data, pos, "msgVersion")
        if version != 3:
            raise UsmError("not an SNMPv3 message")
        _, pos, _ = _header(data, pos)
        return _number(data, pos, "msgID")[0]
    except UsmError:
        raise
    except (IndexError, ValueError, SnmpError) as exc:
        raise UsmError("undecodable SNMPv3 reply") from exc


def decode_message(data: bytes) -> Message:
    """The v3 message's header and USM parameters (RFC 3412 §6, RFC 3414 §2.4); raises only UsmError."""
    try:
        tag, pos, end = _header(data, 0)
        if tag != 0x30 or end != len(data):
            raise UsmError("undecodable SNMPv3 reply: not one SEQUENCE")
        version, pos = _number(data, pos, "msgVersion")
        if version != 3:
            raise UsmError(f"not an SNMPv3 message (version {version})")
        tag, pos, global_end = _header(data, pos)
        if tag != 0x30:
            raise UsmError("undecodable SNMPv3 reply: no msgGlobalData")
        msg_id, pos = _number(data, pos, "msgID")
        _, pos = _number(data, pos, "msgMaxSize")
        flags, _, pos = _octets(data, pos, "msgFlags")
        model, pos = _number(data, pos, "msgSecurityModel")
        if len(flags) != 1 or model != 3 or pos != global_end:
            raise UsmError("undecodable SNMPv3 reply: msgGlobalData is not USM's")
        _, params_start, params_end = _octets(data, pos, "msgSecurityParameters")
        tag, pos, usm_end = _header(data, params_start)
        if tag != 0x30 or usm_end != params_end:
            raise UsmError("undecodable SNMPv3 reply: malformed UsmSecurityParameters")
        engine_id, _, pos = _octets(data, pos, "msgAuthoritativeEngineID")
        boots, pos = _number(data, pos, "msgAuthoritativeEngineBoots")
        engine_time, pos = _number(data, pos, "msgAuthoritativeEngineTime")
        user, _, pos = _octets(data, pos, "msgUserName")
        auth_params, auth_at, pos = _octets(data, pos, "msgAuthenticationParameters")
        priv_params, _, pos = _octets(data, pos, "msgPrivacyParameters")
        if pos != usm_end or len(engine_id) > 32 or len(user) > 32:
            raise UsmError("undecodable SNMPv3 reply: malformed UsmSecurityParameters")
        tag, start, stop = _header(data, params_end)
        if stop != end or tag not in (0x04, 0x30):
            raise UsmError("undecodable SNMPv3 reply: no scopedPDU")
        body = data[start:stop] if tag == 0x04 else data[params_end:stop]
        if (tag == 0x04) != bool(flags[0] & FLAG_PRIV):
            raise UsmError("SNMPv3 reply's privacy flag does not match its data")
        return Message(msg_id, flags[0], engine_id, boots, engine_time, user, auth_params, priv_params,
                       auth_at, body, data)
    except UsmError:
        raise
    except (IndexError, ValueError, SnmpError) as exc:
        raise UsmError(f"undecodable SNMPv3 reply: {exc}") from exc


def decode_scoped_pdu(plain: bytes) -> tuple[int, int, int, int, list[VarBind]]:
    """(PDU tag, request-id, error-status, error-index, varbinds) of a ScopedPDU; raises only UsmError."""
    try:
        tag, pos, end = _header(plain, 0)
        if tag != 0x30:
            raise UsmError("undecodable scopedPDU (wrong privacy key?)")
        _, _, pos = _octets(plain, pos, "contextEngineID")
        _, _, pos = _octets(plain, pos, "contextName")
        return decode_pdu(plain[:end], pos)
    except UsmError:
        raise
    except SnmpError as exc:
        raise UsmError(f"undecodable scopedPDU: {exc}") from exc
    except (IndexError, ValueError) as exc:
        raise UsmError(f"undecodable scopedPDU: {exc}") from exc


def _usm_params(engine_id: bytes, boots: int, engine_time: int, user: bytes, mac_size: int,
                salt: bytes) -> tuple[bytes, int]:
    """The msgSecurityParameters OCTET STRING and where its MAC placeholder starts inside it."""
    head = _tlv(0x04, engine_id) + _integer(boots) + _integer(engine_time) + _tlv(0x04, user)
    body = head + _tlv(0x04, bytes(mac_size)) + _tlv(0x04, salt)
    sequence = _tlv(0x30, body)
    wrapped = _tlv(0x04, sequence)
    at = (len(wrapped) - len(sequence)) + (len(sequence) - len(body)) + len(head) + 2
    return wrapped, at


def encode_message(msg_id: int, flags: int, engine_id: bytes, boots: int, engine_time: int, user: bytes,
                   scoped_pdu: bytes, auth: str | None = None, auth_key: bytes = b"",
                   priv_key: bytes | None = None, salt: bytes = b"") -> bytes:
    """A whole v3 message: scoped PDU encrypted when `priv_key`, signed when `auth`."""
    if priv_key is not None:
        encryptor = _aes(priv_key, boots, engine_time, salt).encryptor()
        data = _tlv(0x04, encryptor.update(scoped_pdu) + encryptor.finalize())
    else:
        data, salt = scoped_pdu, b""
    mac_size = AUTH[auth][2] if auth else 0
    params, at = _usm_params(engine_id, boots, engine_time, user, mac_size, salt)
    header = _integer(3) + _tlv(0x30, _integer(msg_id) + _integer(MAX_MESSAGE_SIZE)
                                + _tlv(0x04, bytes((flags,))) + _integer(3))
    body = header + params + data
    message = _tlv(0x30, body)
    if auth:
        at += len(message) - len(body) + len(header)
        message = message[:at] + _mac(auth_key, auth, message) + message[at + mac_size:]
    return message


def verify(message: Message, auth: str, auth_key: bytes) -> bool:
    """RFC 3414 §6.3.2 / RFC 7860: the MAC over the whole message with the parameter zeroed."""
    size = AUTH[auth][2]
    if len(message.auth_params) != size:
        return False
    at = message.auth_at
    blanked = message.raw[:at] + bytes(size) + message.raw[at + size:]
    return constant_time.bytes_eq(_mac(auth_key, auth, blanked), message.auth_params)


def decrypt(message: Message, priv_key: bytes) -> bytes:
    if len(message.priv_params) != 8:
        raise UsmError("SNMPv3 reply with malformed privacy parameters")
    decryptor = _aes(priv_key, message.boots, message.engine_time, message.priv_params).decryptor()
    return decryptor.update(message.data) + decryptor.finalize()


def scoped(engine_id: bytes, pdu: bytes) -> bytes:
    return _tlv(0x30, _tlv(0x04, engine_id) + _tlv(0x04, b"") + pdu)


def _report_text(varbinds: list[VarBind]) -> tuple[Oid | None, str]:
    oid = varbinds[0][0] if varbinds else None
    if oid is not None and len(oid) == len(USM_STATS) + 2 and oid[:len(USM_STATS)] == USM_STATS \
            and oid[-2] in REPORTS:
        return oid, REPORTS[oid[-2]]
    shown = ".".join(map(str, oid)) if oid else "none"
    return oid, f"the agent sent a report ({shown})"


# --- the client -----------------------------------------------------------------------------

@dataclass
class EngineState:
    """What we know of one agent's engine: its ID and its clock (RFC 3414 §2.3)."""

    engine_id: bytes
    boots: int
    engine_time: int
    synced_at: float      # our monotonic clock when `engine_time` was learnt

    def now(self) -> int:
        return max(0, min(2**31 - 1, self.engine_time + int(time.monotonic() - self.synced_at)))

    def learn(self, boots: int, engine_time: int) -> None:
        """Take an authenticated message's clock when it is newer (RFC 3414 §3.2 step 7b)."""
        if boots > self.boots or (boots == self.boots and engine_time > self.now()):
            self.boots, self.engine_time, self.synced_at = boots, engine_time, time.monotonic()


@dataclass(frozen=True)
class Credentials:
    """A target's USM user, checked once; the passphrases stay out of repr()."""

    user: bytes
    auth: str
    auth_passphrase: str = field(repr=False)
    priv: str | None = None
    priv_passphrase: str | None = field(default=None, repr=False)

    @classmethod
    def check(cls, user: str | None, auth: str, auth_passphrase: str | None, priv: str | None,
              priv_passphrase: str | None) -> Credentials:
        auth_name = (auth or "").upper()
        priv_name = priv.upper() if priv else None
        if auth_name not in AUTH:
            raise UsmError(f"unsupported SNMPv3 auth protocol {auth!r} (one of {', '.join(AUTH)})")
        if priv_name is not None and priv_name not in PRIV:
            raise UsmError(f"unsupported SNMPv3 privacy protocol {priv!r} (one of {', '.join(PRIV)})")
        if not user or len(user.encode()) > 32:
            raise UsmError("SNMPv3 user name must be 1 to 32 bytes")
        for what, value in (("auth", auth_passphrase), ("privacy", priv_passphrase if priv_name else "x" * 8)):
            if not value or len(value) < 8:
                raise UsmError(f"SNMPv3 {what} passphrase must be at least 8 characters (RFC 3414)")
        return cls(user.encode(), "SHA" if auth_name == "SHA-1" else auth_name, auth_passphrase or "",
                   priv_name, priv_passphrase if priv_name else None)


class UsmClient(V2cClient):
    """SNMPv3 requests over one UDP socket for a whole run: replies are matched by msgID and source.

    Engine IDs and clocks are learnt once per agent address and shared by every
    request to it; concurrent first requests to one agent share one discovery.
    """

    reply_key = staticmethod(peek_msg_id)

    def __init__(self) -> None:
        super().__init__()
        self.engines: dict[tuple[str, int], EngineState] = {}
        self._discovering: dict[tuple[str, int], asyncio.Future] = {}
        self._salt = secrets.randbits(64)
        self._local: dict[tuple[bytes, Credentials], tuple[bytes, bytes | None]] = {}

    def _next_salt(self) -> bytes:
        self._salt = (self._salt + 1) & (2**64 - 1)
        return self._salt.to_bytes(8, "big")

    async def _discover(self, address: tuple[str, int], timeout: float, retries: int) -> EngineState:
        msg_id, request_id = self.new_id(), secrets.randbelow(0x7FFFFFFF) + 1
        probe = encode_message(msg_id, FLAG_REPORTABLE, b"", 0, 0, b"",
                               scoped(b"", encode_pdu(request_id, [], bulk=False)))
        raw = await self.exchange(address, msg_id, probe, timeout, retries)
        if raw is None:
            raise UsmError(f"no response to SNMPv3 engine discovery after {retries + 1} tries of {timeout:g} s")
        message = decode_message(raw)
        if not 5 <= len(message.engine_id) <= 32:
            raise UsmError(f"SNMPv3 discovery: the agent gave an engine ID of {len(message.engine_id)} bytes")
        return EngineState(message.engine_id, message.boots, message.engine_time, time.monotonic())

    async def engine(self, address: tuple[str, int], timeout: float, retries: int) -> EngineState:
        key = (address[0], address[1])
        state = self.engines.get(key)
        if state is not None:
            return state
        running = self._discovering.get(key)
        if running is None:
            running = asyncio.ensure_future(self._discover(address, timeout, retries))
            self._discovering[key] = running
            running.add_done_callback(lambda _: self._discovering.pop(key, None))
        discovered: EngineState = await asyncio.shield(running)
        self.engines[key] = discovered
        return discovered

    async def request(self, address: tuple[str, int], credentials: Credentials,  # type: ignore[override]
                      oids: list[Oid], non_repeaters: int = 0, max_repetitions: int = 0, bulk: bool = True,
                      timeout: float = 2.0, retries: int = 1) -> list[VarBind]:
        """One GET/GETBULK over USM; one resynchronisation when the agent reports our clock or engine ID stale."""
        for attempt in (0, 1):
            state = await self.engine(address, timeout, retries)
            try:
                return await self._request(state, address, credentials, oids, non_repeaters,
                                           max_repetitions, bulk, timeout, retries, last=attempt == 1)
            except _Resync as resync:
                if resync.rediscover:
                    self.engines.pop((address[0], address[1]), None)
        raise AssertionError("unreachable")

    async def _request(self, state: EngineState, address: tuple[str, int], credentials: Credentials,
                       oids: list[Oid], non_repeaters: int, max_repetitions: int, bulk: bool,
                       timeout: float, retries: int, last: bool) -> list[VarBind]:
        keys = self._local.get((state.engine_id, credentials))
        if keys is None:
            if len(self._local) > _KEYS_MAX:
                self._local.clear()
            keys = self._local[(state.engine_id, credentials)] = localized_keys(
                state.engine_id, credentials.auth, credentials.auth_passphrase, credentials.priv,
                credentials.priv_passphrase)
        auth_key, priv_key = keys
        msg_id, request_id = self.new_id(), secrets.randbelow(0x7FFFFFFF) + 1
        flags = FLAG_AUTH | FLAG_REPORTABLE | (FLAG_PRIV if priv_key else 0)
        boots, engine_time = state.boots, state.now()
        message = encode_message(msg_id, flags, state.engine_id, boots, engine_time, credentials.user,
                                 scoped(state.engine_id, encode_pdu(request_id, oids, non_repeaters,
                                                                    max_repetitions, bulk)),
                                 credentials.auth, auth_key, priv_key,
                                 self._next_salt() if priv_key else b"")
        raw = await self.exchange(address, msg_id, message, timeout, retries)
        if raw is None:
            raise UsmError(f"no response after {retries + 1} tries of {timeout:g} s, though the agent "
                           "answered engine discovery: wrong privacy key, or the agent refuses the user")
        return open_reply(raw, state, credentials, auth_key, priv_key, request_id, last)


class _Resync(UsmError):
    def __init__(self, text: str, rediscover: bool) -> None:
        super().__init__(text)
        self.rediscover = rediscover


def open_reply(raw: bytes, state: EngineState, credentials: Credentials, auth_key: bytes,
               priv_key: bytes | None, request_id: int, last: bool = True) -> list[VarBind]:
    """Authenticate, decrypt and read one reply to our request; raises only UsmError.

    An unauthenticated message is only ever read as a report (to name the failure);
    a Response must carry our user's valid MAC, our engine ID and our request-id.
    """
    message = decode_message(raw)
    authentic = bool(message.flags & FLAG_AUTH)
    if authentic:
        if message.user != credentials.user:
            raise UsmError("SNMPv3 reply for another user")
        if message.engine_id != state.engine_id:
            raise UsmError("SNMPv3 reply from another engine ID")
        if not verify(message, credentials.auth, auth_key):
            raise UsmError("SNMPv3 reply failed authentication (tampered, or a wrong auth key)")
    if message.flags & FLAG_PRIV:
        if not authentic:
            raise UsmError("SNMPv3 reply encrypted without authentication")
        if priv_key is None:
            raise UsmError("SNMPv3 reply encrypted though the request was sent without privacy")
        plain = decrypt(message, priv_key)
    else:
        plain = message.data
    tag, got_id, status, index, varbinds = decode_scoped_pdu(plain)
    if tag == 0xA8:
        oid, text = _report_text(varbinds)
        if oid in (NOT_IN_TIME_WINDOW, UNKNOWN_ENGINE_ID) and not last:
            if authentic and oid == NOT_IN_TIME_WINDOW:
                state.boots, state.engine_time, state.synced_at = (message.boots, message.engine_time,
                                                                   time.monotonic())
                raise _Resync(text, rediscover=False)
            if oid == UNKNOWN_ENGINE_ID:
                raise _Resync(text, rediscover=True)
        raise UsmError(text)
    if tag != 0xA2:
        raise UsmError(f"SNMPv3 reply with unexpected PDU type 0x{tag:02x}")
    if not authentic or (priv_key is not None and not message.flags & FLAG_PRIV):
        raise UsmError("SNMPv3 response below the security level asked for")
    if got_id != request_id:
        raise UsmError("SNMPv3 reply for another request (request-id differs)")
    if message.boots < state.boots or (message.boots == state.boots
                                       and message.engine_time < state.now() - TIME_WINDOW):
        raise UsmError("SNMPv3 reply outside the engine's time window (replayed?)")
    state.learn(message.boots, message.engine_time)
    if status:
        raise UsmError(_status_text(status, index))
    return varbinds

"""SNMPv3 (USM authPriv) GETBULK through pysnmp 7's asyncio API, shaped like the v2c client.

Not the default path any more (`collectors.snmp_usm` is, about ten times faster): it
serves DES, and `v3_engine="pysnmp"` as the reference the tests compare the wire client with.

pysnmp keeps the engine-ID discovery, key localisation and AES here; values are
turned into the same plain Python the v2c client returns, so the walker and the
record builder never know which one answered. Numeric OIDs and `lookupMib=False`
only: Debian ships no MIB files, and MIB lookups are the slow part of pysnmp.
"""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

from collectors.snmp_wire import END_OF_MIB, NO_SUCH_INSTANCE, NO_SUCH_OBJECT, Oid, SnmpError, VarBind

AUTH_PROTOCOLS = {"MD5": "usmHMACMD5AuthProtocol", "SHA": "usmHMACSHAAuthProtocol",
                  "SHA-1": "usmHMACSHAAuthProtocol", "SHA-224": "usmHMAC128SHA224AuthProtocol",
                  "SHA-256": "usmHMAC192SHA256AuthProtocol", "SHA-384": "usmHMAC256SHA384AuthProtocol",
                  "SHA-512": "usmHMAC384SHA512AuthProtocol"}
PRIV_PROTOCOLS = {"AES": "usmAesCfb128Protocol", "AES-128": "usmAesCfb128Protocol",
                  "AES-192": "usmAesBlumenthalCfb192Protocol",
                  "AES-256": "usmAesBlumenthalCfb256Protocol", "DES": "usmDESPrivProtocol"}


def _hlapi() -> Any:
    """pysnmp's asyncio API; imported late (v2c-only runs never pay for it), its pysmi warnings hushed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from pysnmp.hlapi.v3arch import asyncio as hlapi
    return hlapi


def _plain(value: Any) -> Any:
    """pysnmp's pyasn1 value to the v2c client's plain Python."""
    from pyasn1.type import univ
    from pysnmp.proto import rfc1902, rfc1905

    if isinstance(value, rfc1905.EndOfMibView):
        return END_OF_MIB
    if isinstance(value, rfc1905.NoSuchInstance):
        return NO_SUCH_INSTANCE
    if isinstance(value, rfc1905.NoSuchObject):
        return NO_SUCH_OBJECT
    if isinstance(value, rfc1902.IpAddress):
        return ".".join(map(str, value.asOctets()))
    if isinstance(value, univ.OctetString):
        return value.asOctets()
    if isinstance(value, univ.ObjectIdentifier):
        return tuple(value)
    if isinstance(value, univ.Integer):
        return int(value)
    return None


class V3Session:
    """Requests to one SNMPv3 agent through a pysnmp engine (see `engine_for`)."""

    def __init__(self, engine: Any, address: tuple[str, int], user: str, auth_protocol: str,
                 auth_key: str, priv_protocol: str | None, priv_key: str | None,
                 timeout: float, retries: int) -> None:
        hlapi = _hlapi()
        auth = AUTH_PROTOCOLS.get(auth_protocol.upper())
        priv = PRIV_PROTOCOLS.get(priv_protocol.upper()) if priv_protocol else None
        if auth is None or (priv_protocol and priv is None):
            raise SnmpError(f"unsupported SNMPv3 protocols {auth_protocol}/{priv_protocol}")
        self._hlapi = hlapi
        self._engine = engine
        self._address, self._timeout, self._retries = address, timeout, retries
        self._auth = hlapi.UsmUserData(
            user, authKey=auth_key, privKey=priv_key if priv else None,
            authProtocol=getattr(hlapi, auth),
            privProtocol=getattr(hlapi, priv) if priv else hlapi.usmNoPrivProtocol)
        self._transport: Any = None

    async def bulk(self, non_repeaters: list[Oid], repeaters: list[Oid], max_repetitions: int) -> list[VarBind]:
        """One GETBULK. Goes below `bulk_cmd` to skip its MIB resolution of every OID:
        with numeric OIDs it only costs time (and builds a MIB compiler per engine)."""
        from pyasn1.type.univ import Null
        from pysnmp.entity.rfc3413 import cmdgen
        from pysnmp.hlapi.v3arch.asyncio.cmdgen import LCD
        from pysnmp.proto.rfc1902 import ObjectName

        if self._transport is None:
            self._transport = await self._hlapi.UdpTransportTarget.create(
                self._address, timeout=self._timeout, retries=self._retries)
        target, _ = LCD.configure(self._engine, self._auth, self._transport, b"")
        future: asyncio.Future = asyncio.get_running_loop().create_future()

        def done(engine: Any, handle: Any, indication: Any, status: Any, index: Any, varbinds: Any,
                 context: Any) -> None:
            if not future.done():
                future.set_result((indication, status, index, varbinds))

        cmdgen.BulkCommandGenerator().send_varbinds(
            self._engine, target, None, b"", len(non_repeaters), max_repetitions,
            [(ObjectName(oid), Null()) for oid in [*non_repeaters, *repeaters]], done, None)
        indication, status, index, result = await future
        if indication:
            raise SnmpError(str(indication))
        if status:
            raise SnmpError(f"agent answered {status.prettyPrint()} (index {int(index)})")
        return [(tuple(name), _plain(value)) for name, value in result]

class Engines:
    """One pysnmp engine per distinct credential set, shared by the devices that use it.

    pysnmp keys its user table by user name alone: two devices with the same user
    name and different keys would overwrite each other in one engine.
    """

    def __init__(self) -> None:
        self._engines: dict[int, Any] = {}

    def engine_for(self, *credentials: Any) -> Any:
        hlapi = _hlapi()
        key = hash(credentials)  # the keys themselves are not kept as dict keys
        if key not in self._engines:
            self._engines[key] = hlapi.SnmpEngine()
        return self._engines[key]

    def close(self) -> None:
        for engine in self._engines.values():
            engine.close_dispatcher()
        self._engines.clear()

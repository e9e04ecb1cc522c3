"""SNMP inventory collector: many devices at once, one result per device, never one failure for all.

Each device is read by column-wise GETBULK of only the columns `snmp_records`
names (the walker advances every column in the same request and drops a column
once it leaves its table), with a per-request timeout and retries, a per-device
deadline and a bound on devices in flight. v2c goes through the lean client in
`snmp_wire`, v3 (USM) through the same lean transport in `snmp_usm`; v3 with DES, or
with `v3_engine="pysnmp"` (the reference the tests compare against), through pysnmp in `snmp_v3`.

    results = asyncio.run(collect_many(targets))          # or collect_many_sync / collect_parallel
    for r in results: r.ok, r.error, r.inventory, r.condition, r.device
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from collectors.record import ConditionRecord, InventoryRecord
from collectors.snmp_records import COLUMNS, SCALARS, DeviceFacts, build
from collectors.snmp_wire import END_OF_MIB, ExceptionValue, Oid, SnmpError, V2cClient, VarBind

log = logging.getLogger(__name__)
Bulk = Callable[[list[Oid], list[Oid], int], Awaitable[list[VarBind]]]
_SECRETS = ("community", "auth_key", "priv_key")


@dataclass
class SnmpTarget:
    """Where and how to poll one device. Secrets stay out of repr(), str() and to_dict()."""

    address: str
    port: int = 161
    version: Literal["2c", "3"] = "2c"
    community: str | None = None
    user: str | None = None
    auth_protocol: str = "SHA"        # MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512
    auth_key: str | None = None
    priv_protocol: str | None = "AES"  # AES (128), AES-192, AES-256, DES, or None for authNoPriv
    priv_key: str | None = None
    timeout: float = 2.0               # per request
    retries: int = 1
    id: Any = None                     # the caller's handle (e.g. the controller's target id)

    def to_dict(self) -> dict[str, Any]:
        """The target without its secrets: safe for logs, API answers and stored results."""
        return {k: ("***" if k in _SECRETS and v else v) for k, v in self.__dict__.items()}

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items() if v is not None)
        return f"SnmpTarget({shown})"

    __str__ = __repr__


@dataclass
class SnmpResult:
    """One device's outcome: records when it answered, an error in words when it did not."""

    target: SnmpTarget
    ok: bool
    error: str | None = None
    inventory: InventoryRecord | None = None
    condition: ConditionRecord | None = None
    device: DeviceFacts | None = None
    requests: int = 0
    elapsed_ms: float = 0.0
    truncated: bool = False   # the walk hit its round limit: records are partial, so ok is False

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target.to_dict(), "ok": self.ok, "error": self.error, "truncated": self.truncated,
                "inventory": self.inventory.to_dict() if self.inventory else None,
                "condition": self.condition.to_dict() if self.condition else None,
                "device": self.device.to_dict() if self.device else None,
                "requests": self.requests, "elapsed_ms": self.elapsed_ms}


@dataclass
class Walked:
    scalars: dict[Oid, Any]
    tables: dict[Oid, dict[Oid, Any]]
    requests: int
    truncated: bool   # columns were still open when `max_rounds` ran out


async def walk(bulk: Bulk, scalars: list[Oid], columns: list[Oid], max_varbinds: int = 100,
               max_rounds: int = 64) -> Walked:
    """GETNEXT the scalars once and walk all columns side by side.

    `max_varbinds` sizes each request to what agents answer in one go (net-snmp
    stops at 100 varbinds per GETBULK response by default). A device that never ends its
    tables is stopped at `max_rounds` and the walk says it was cut short.
    """
    found: dict[Oid, Any] = {}
    tables: dict[Oid, dict[Oid, Any]] = {c: {} for c in columns}
    cursor = {c: c for c in columns}
    first, requests = True, 0
    while (cursor or first) and requests < max_rounds:
        names = list(cursor)
        asked = scalars if first else []
        reps = max(1, (max_varbinds - len(asked)) // max(1, len(names)))
        varbinds = await bulk(asked, [cursor[c] for c in names], reps if names else 0)
        requests += 1
        for want, (oid, value) in zip(asked, varbinds):
            if oid == want + (0,) and not isinstance(value, ExceptionValue):
                found[want] = value
        seen: set[Oid] = set()
        done: set[Oid] = set()
        for i, (oid, value) in enumerate(varbinds[len(asked):]):
            column = names[i % len(names)]
            if column in done:
                continue
            seen.add(column)
            if value is END_OF_MIB or oid[:len(column)] != column or oid <= cursor[column]:
                done.add(column)
                continue
            tables[column][oid[len(column):]] = value
            cursor[column] = oid
        if names and not seen:
            break  # nothing came back for any column: the agent will not walk further
        for column in done:
            del cursor[column]  # a column the reply skipped (truncated) is asked again
        first = False
    return Walked(found, tables, requests, truncated=bool(cursor) and requests >= max_rounds)


def _error_text(exc: BaseException, target: SnmpTarget) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "device deadline passed before the walk finished"
    text = str(exc) if isinstance(exc, (SnmpError, OSError)) else f"{type(exc).__name__}: {exc}"
    text = text or type(exc).__name__
    if "no response" in text and target.version == "2c":
        text += " (unreachable, or wrong community)"
    return text


class Collector:
    """Shared per run: the v2c and v3 sockets (one per address family) and pysnmp's engines, opened on first use."""

    def __init__(self, max_varbinds: int = 100, v3_engine: Literal["wire", "pysnmp"] = "wire") -> None:
        self.max_varbinds = max_varbinds
        self.v3_engine = v3_engine
        self._v2c: dict[int, V2cClient] = {}
        self._usm: dict[int, Any] = {}
        self._engines: Any = None

    async def _bulk_for(self, target: SnmpTarget) -> Bulk:
        loop = asyncio.get_running_loop()
        info = await loop.getaddrinfo(target.address, target.port, type=socket.SOCK_DGRAM)
        family, sockaddr = info[0][0], info[0][4]
        address = (str(sockaddr[0]), int(sockaddr[1]))  # (host, port) of an AF_INET or AF_INET6 address
        if target.version == "3":
            from collectors.snmp_usm import Credentials, UsmClient
            from collectors.snmp_v3 import Engines, V3Session

            if not target.user or not target.auth_key:
                raise SnmpError("SNMPv3 target needs a user and an auth key")
            priv = target.priv_protocol.upper() if target.priv_protocol else None
            if self.v3_engine == "wire" and priv != "DES":
                credentials = Credentials.check(target.user, target.auth_protocol, target.auth_key, priv,
                                                target.priv_key)
                if family not in self._usm:
                    self._usm[family] = await UsmClient.open(family)
                usm = self._usm[family]

                async def bulk_v3(non_repeaters: list[Oid], repeaters: list[Oid], reps: int) -> list[VarBind]:
                    return await usm.request(address, credentials, [*non_repeaters, *repeaters],
                                             len(non_repeaters), reps, timeout=target.timeout,
                                             retries=target.retries)
                return bulk_v3
            self._engines = self._engines or Engines()
            engine = self._engines.engine_for(target.user, target.auth_protocol, target.auth_key,
                                              target.priv_protocol, target.priv_key)
            session = V3Session(engine, address, target.user, target.auth_protocol,
                                target.auth_key, target.priv_protocol, target.priv_key,
                                target.timeout, target.retries)
            return session.bulk
        if target.version != "2c" or not target.community:
            raise SnmpError("v2c target needs a community" if target.version == "2c"
                            else f"unsupported SNMP version {target.version!r}")
        if family not in self._v2c:
            self._v2c[family] = await V2cClient.open(family)
        client, community = self._v2c[family], target.community.encode()

        async def bulk(non_repeaters: list[Oid], repeaters: list[Oid], reps: int) -> list[VarBind]:
            return await client.request(address, community, [*non_repeaters, *repeaters],
                                        len(non_repeaters), reps, timeout=target.timeout,
                                        retries=target.retries)
        return bulk

    async def collect(self, target: SnmpTarget, deadline: float = 30.0) -> SnmpResult:
        """One device; every failure becomes the result's `error`, nothing is raised."""
        start = time.perf_counter()
        result = SnmpResult(target, ok=False)
        try:
            bulk = await self._bulk_for(target)
            walked = await asyncio.wait_for(
                walk(bulk, list(SCALARS.values()), list(COLUMNS.values()), self.max_varbinds), deadline)
            scalars, tables, result.requests = walked.scalars, walked.tables, walked.requests
            if walked.truncated:
                result.truncated = True
                raise SnmpError(f"walk truncated at its round limit ({walked.requests} requests): "
                                "the device's tables never ended, the inventory would be incomplete")
            if not scalars and not any(tables.values()):
                raise SnmpError("the agent answered but exposes none of the inventory objects")
            named_scalars = {name: scalars.get(oid) for name, oid in SCALARS.items()}
            named_tables = {key: tables[oid] for key, oid in COLUMNS.items()}
            try:
                result.inventory, result.condition, result.device = build(target.address, named_scalars,
                                                                          named_tables)
            except Exception as exc:  # one device's odd answer must not stop the run
                raise SnmpError(f"could not read the agent's answer: {type(exc).__name__}: {exc}") from exc
            result.ok = True
        except Exception as exc:  # any device, any answer: its own error, never the run's
            result.error = _error_text(exc, target)[:500]
            level = logging.INFO if isinstance(exc, (SnmpError, OSError, asyncio.TimeoutError)) else logging.WARNING
            log.log(level, "snmp %s:%s failed: %s", target.address, target.port, result.error)
        result.elapsed_ms = round((time.perf_counter() - start) * 1000, 1)
        return result

    def close(self) -> None:
        for client in [*self._v2c.values(), *self._usm.values()]:
            client.close()
        self._v2c.clear()
        self._usm.clear()
        if self._engines is not None:
            self._engines.close()


async def collect_many(targets: list[SnmpTarget], concurrency: int = 64, deadline: float = 30.0,
                       max_varbinds: int = 100, v3_engine: Literal["wire", "pysnmp"] = "wire") -> list[SnmpResult]:
    """Poll every target, at most `concurrency` at a time; results in the targets' order."""
    collector = Collector(max_varbinds, v3_engine)
    bound = asyncio.Semaphore(concurrency)

    async def one(target: SnmpTarget) -> SnmpResult:
        async with bound:
            return await collector.collect(target, deadline)
    try:
        return list(await asyncio.gather(*(one(t) for t in targets)))
    finally:
        collector.close()


def collect_many_sync(targets: list[SnmpTarget], **options: Any) -> list[SnmpResult]:
    """`collect_many` for synchronous callers (the CLI, a scheduler thread, a sync route).

    A caller whose thread already runs an event loop cannot use asyncio.run there, so the
    collection then gets a worker thread with a loop of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(collect_many(targets, **options))
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="snmp") as pool:
        return pool.submit(lambda: asyncio.run(collect_many(targets, **options))).result()


def collect_parallel(targets: list[SnmpTarget], processes: int | None = None, **options: Any) -> list[SnmpResult]:
    """Spread a large run over processes (one event loop each), for runs bound by one core."""
    processes = max(1, min(processes or os.cpu_count() or 1, len(targets)))
    if processes == 1:
        return collect_many_sync(targets, **options)
    chunks = [targets[i::processes] for i in range(processes)]
    with concurrent.futures.ProcessPoolExecutor(processes) as pool:
        parts = list(pool.map(_collect_chunk, chunks, [options] * processes))
    merged: list[SnmpResult | None] = [None] * len(targets)
    for offset, part in enumerate(parts):
        merged[offset::processes] = part
    return merged  # type: ignore[return-value]


def _collect_chunk(targets: list[SnmpTarget], options: dict[str, Any]) -> list[SnmpResult]:
    return collect_many_sync(targets, **options)

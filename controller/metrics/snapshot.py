"""Everything one scrape shows, read from the database in a handful of flat queries.

Each query reads one table (or one small join) and the rows are matched up in Python by id:
on SQLite and PostgreSQL alike that stays linear in the number of servers, where a six-way
outer join would depend on each planner finding the right indexes. Timestamps are read as
epoch seconds computed in SQL (`epoch`), which is what the metrics show anyway and spares
parsing 30,000 datetimes a scrape.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Float, FromClause, case, func, null, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from ..domain import vitals
from ..domain.choices import AllocationStatus
from ..domain.custody_flow import TIMED
from ..models import (
    AccessCheck,
    Agent,
    Allocation,
    CustodyRequest,
    Finding,
    InventoryRun,
    Rack,
    RackUnit,
    Room,
    Server,
    ServerStatus,
    Unit,
)
from ..models.base import Base
from . import heartbeat, probes
from .cache import RowCache
from .exposition import pair

_RELEASED = AllocationStatus.released.value
ROUNDS_RECHECK_SECONDS = 60.0


class epoch(FunctionElement):  # noqa: N801 (an SQL function reads best in lower case)
    """Seconds since 1970 of a UTC timestamp column (stored naive), as a float."""

    type = Float()
    inherit_cache = True
    name = "epoch"


@compiles(epoch, "sqlite")
def _epoch_sqlite(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    # julianday() keeps milliseconds; so does the rounding (shorter numbers on the page too)
    return f"round((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0, 3)"


@compiles(epoch, "postgresql")
def _epoch_postgresql(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(round(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}), 3) AS DOUBLE PRECISION)"


@dataclass(slots=True)
class RackRow:
    room: str
    name: str
    height: int
    capacity_w: int | None
    held: dict[str, int] = field(default_factory=dict)      # allocation status -> U
    power: dict[str, int] = field(default_factory=dict)     # allocation status -> declared W


@dataclass(slots=True)
class ServerRow:
    id: int
    serial: str
    srv: str                            # the rendered `server="<serial>"` label pair
    hostname: str
    condition: str
    unit: str
    state: str | None = None            # custody state, None without a request
    state_since: float | None = None    # epoch seconds; read only for states with a service time
    rack: str = ""                      # rack of its live allocation
    placement: str | None = None        # that allocation's status: reserved | occupied
    seen: float | None = None           # last report, epoch seconds
    inventory_at: float | None = None
    inventory_source: str | None = None
    has_agent: bool = False
    kind: str = "server"                # the asset kind (domain.asset_kinds)


@dataclass(slots=True)
class Snapshot:
    units: list[str]
    racks: list[RackRow]
    servers: list[ServerRow]
    findings: dict[int, dict[str, int]]           # server id -> kind -> open findings
    tickets: list[tuple[str, str | None, Any]] = field(default_factory=list)   # (state, priority, state_since)
    # (kind, state, disposal method or None, state_since) per maintenance, transfer and disposal case
    lifecycle: list[tuple[str, str, str | None, Any]] = field(default_factory=list)
    # finished_at of each completed inventory run not yet signed (a month's run waits for its signature)
    unsigned: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class Caches:
    vitals: RowCache[heartbeat.Rows] = field(default_factory=RowCache)
    probes: RowCache[probes.Rows] = field(default_factory=RowCache)
    rounds: dict = field(default_factory=dict)    # access_checks id span -> latest round per server


def _t(model: type[Base]) -> FromClause:
    """The Core table: plain rows, none of the ORM's identity bookkeeping."""
    return model.__table__


def read(session: Session, caches: Caches, fresh_since: float) -> Snapshot:
    """Read a snapshot and bring `caches` up to date (heartbeats newer than `fresh_since`)."""
    units: dict[int, str] = dict(session.execute(select(_t(Unit).c.id, _t(Unit).c.code)).all())
    servers = _servers(session, units)
    _refresh_vitals(session, caches.vitals, servers, fresh_since)
    _refresh_probes(session, caches.probes, servers, caches.rounds)
    from ..models import Ticket

    t = _t(Ticket).c
    tickets = [(row[0], row[1], row[2]) for row in session.execute(select(t.state, t.priority, t.state_since))]
    return Snapshot(units=sorted(units.values()), racks=_racks(session), servers=servers,
                    findings=_findings(session), tickets=tickets, lifecycle=_lifecycle(session),
                    unsigned=list(session.scalars(select(_t(InventoryRun).c.finished_at).where(
                        _t(InventoryRun).c.status == "completed"))))


def _lifecycle(session: Session) -> list[tuple[str, str, str | None, Any]]:
    """Every case's state, its disposal method and when it entered the state (a few hundred rows
    in an office's lifetime: read whole, as tickets are)."""
    from ..models.assets import DisposalCase, MaintenanceCase, TransferCase

    out: list[tuple[str, str, str | None, Any]] = []
    for kind, model in (("maintenance", MaintenanceCase), ("transfer", TransferCase), ("disposal", DisposalCase)):
        method = model.method if model is DisposalCase else null()
        out.extend((kind, state, how, at) for state, how, at in session.execute(
            select(model.state, method, model.state_since)))
    return out


def _racks(session: Session) -> list[RackRow]:
    r, room, a, ru, s = _t(Rack), _t(Room), _t(Allocation), _t(RackUnit), _t(Server)
    racks = {rid: RackRow(room_name, name, height, cap) for rid, room_name, name, height, cap in session.execute(
        select(r.c.id, room.c.name, r.c.name, r.c.height_u, r.c.power_capacity_w)
        .join(room, room.c.id == r.c.room_id).order_by(room.c.name, r.c.name)).all()}
    for rid, status, count in session.execute(
            select(ru.c.rack_id, a.c.status, func.count()).join(a, a.c.id == ru.c.allocation_id)
            .group_by(ru.c.rack_id, a.c.status)).all():
        if rid in racks:
            racks[rid].held[status] = int(count)
    for rid, status, watts in session.execute(
            select(a.c.rack_id, a.c.status, func.coalesce(func.sum(s.c.power_w), 0))
            .join(s, s.c.id == a.c.server_id).where(a.c.status != _RELEASED).group_by(a.c.rack_id, a.c.status)).all():
        if rid in racks:
            racks[rid].power[status] = int(watts)
    return list(racks.values())


def _servers(session: Session, units: dict[int, str]) -> list[ServerRow]:
    s, a, req, st, ag, r = _t(Server), _t(Allocation), _t(CustodyRequest), _t(ServerStatus), _t(Agent), _t(Rack)
    rows = {sid: ServerRow(sid, serial, pair("server", serial), hostname or "", condition, units.get(unit_id, ""),
                           kind=kind)
            for sid, serial, hostname, condition, unit_id, kind in session.execute(
                select(s.c.id, s.c.serial_number, s.c.hostname, s.c.condition, s.c.unit_id, s.c.kind)
                .where(s.c.retired_at.is_(None)).order_by(s.c.id)).all()}  # returned or disposed: gone
    timed = case((req.c.state.in_(sorted(TIMED)), epoch(req.c.state_since)), else_=None)  # only those are due
    # A server may have had several custodies: the latest one (highest id) is its state.
    for sid, state, since in session.execute(select(req.c.server_id, req.c.state, timed).order_by(req.c.id)).all():
        if (row := rows.get(sid)) is not None:
            row.state, row.state_since = state, since
    racks: dict[int, str] = dict(session.execute(select(r.c.id, r.c.name)).all())
    for sid, rid, status in session.execute(select(a.c.server_id, a.c.rack_id, a.c.status).where(
            a.c.server_id.is_not(None), a.c.status != _RELEASED)).all():
        if (row := rows.get(sid)) is not None and row.placement is None:
            row.rack, row.placement = racks.get(rid, ""), status
    for sid, seen, inv_at, inv_source in session.execute(select(
            st.c.server_id, epoch(st.c.last_seen_at), epoch(st.c.last_inventory_at), st.c.last_inventory_source)).all():
        if (row := rows.get(sid)) is not None:
            row.seen, row.inventory_at, row.inventory_source = seen, inv_at, inv_source
    for (sid,) in session.execute(select(ag.c.server_id).where(ag.c.revoked_at.is_(None)).distinct()).all():
        if (row := rows.get(sid)) is not None:
            row.has_agent = True
    return list(rows.values())


def _chunks(ids: list[int], size: int = 1000) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def _refresh_vitals(session: Session, cache: RowCache, servers: list[ServerRow], fresh_since: float) -> None:
    """Render the vitals that changed since the last scrape (only those rows are fetched).

    Ingest keeps each heartbeat's vitals packed beside it; a row from before that (vitals NULL)
    has its whole heartbeat read and reduced instead."""
    st = _t(ServerStatus)
    wanted = {row.id: (row.seen, row.srv) for row in servers if row.seen is not None and row.seen >= fresh_since}
    heartbeat_if_unpacked = case((st.c.vitals.is_(None), st.c.last_heartbeat), else_=None)
    for chunk in _chunks(cache.missing(wanted)):
        for sid, packed, payload in session.execute(select(st.c.server_id, st.c.vitals, heartbeat_if_unpacked)
                                                    .where(st.c.server_id.in_(chunk))).all():
            vit = vitals.unpack(packed) if packed is not None else vitals.of_json(payload)
            cache.put(sid, wanted[sid], heartbeat.rendered(wanted[sid][1], vit))
    cache.keep_only(wanted)


def _refresh_probes(session: Session, cache: RowCache, servers: list[ServerRow], rounds: dict) -> None:
    """Each server's latest round of access probes (a round is written with one timestamp).

    Access checks are only ever appended (and old ones pruned): while the table's first and
    last ids stand still, so does every server's latest round, and the grouping query (a
    scan of the whole table, which grows with every round) is skipped. On PostgreSQL a
    transaction can commit a lower id after a higher one, so the answer is also redone once
    a minute. `rounds` keeps it between scrapes.
    """
    c = _t(AccessCheck)
    srv = {row.id: row.srv for row in servers}
    span = tuple(session.execute(select(func.min(c.c.id), func.max(c.c.id))).one())
    if rounds.get("span") != span or time.monotonic() - rounds.get("at", 0.0) > ROUNDS_RECHECK_SECONDS:
        rounds["span"], rounds["at"], rounds["latest"] = span, time.monotonic(), dict(session.execute(
            select(c.c.server_id, epoch(func.max(c.c.checked_at))).group_by(c.c.server_id)).all())
    wanted = {sid: (at, srv[sid]) for sid, at in rounds["latest"].items() if sid in srv}
    todo = cache.missing(wanted)
    if todo:
        stmt = select(c.c.server_id, epoch(c.c.checked_at), c.c.kind, c.c.target, c.c.ok, c.c.latency_ms)
        if len(todo) < 500:
            stmt = stmt.where(c.c.server_id.in_(todo))
        else:   # after a probe round: the round itself, not every server's whole history
            oldest = min(wanted[sid][0] for sid in todo) - 1.0
            stmt = stmt.where(c.c.checked_at >= datetime.fromtimestamp(oldest, UTC))
        latest: dict[int, list[probes.Probe]] = {sid: [] for sid in todo}
        for sid, at, kind, target, ok, latency in session.execute(stmt.order_by(c.c.id)).all():
            if sid in latest and at == wanted[sid][0]:
                latest[sid].append(probes.Probe(kind, target, bool(ok), latency))
        for sid, found in latest.items():
            cache.put(sid, wanted[sid], probes.rendered(wanted[sid][1], wanted[sid][0], found))
    cache.keep_only(wanted)


def _findings(session: Session) -> dict[int, dict[str, int]]:
    f = _t(Finding)
    out: dict[int, dict[str, int]] = {}
    for sid, kind, count in session.execute(select(f.c.server_id, f.c.kind, func.count())
                                            .where(f.c.status == "open").group_by(f.c.server_id, f.c.kind)).all():
        out.setdefault(sid, {})[kind] = int(count)
    return out

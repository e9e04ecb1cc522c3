"""Retention of measurements: agent heartbeats and access probe results older than the
configured number of days are deleted, so the two tables written every few minutes stop
growing without end.

Never deleted: agent inventories (evidence for the monthly inventory and for drift), the access
checks the configure step ran (the evidence that access was verified before the unit was told
so), each server's latest round of access checks (what pages and /metrics show as its
reachability, however old it is), and the *edges* of the probe history: a check whose result
differs from the check before it of the same server and probe kind (in the order of
``checked_at``, then id), and the first check of each server and kind. Only a check repeating the
result before it goes, so the down spells the evaluation reads (services.evaluation: a failure
until the next success of that kind) stay exact for any period, however old.

No table refers to either table by key (a ticket copies the probe results it attaches, an
inventory item the record it used), so a delete never leaves a reference dangling.

The rows are measurements, not on the audit chain: one audit event sums up a prune that deleted
anything, instead of one per row.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Table, and_, case, delete, exists, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from .. import audit
from ..db import unit_of_work
from ..models import AccessCheck, AgentReport
from ..models.base import utcnow
from ..settings import Settings

# Rows looked at (and at most deleted) per transaction: a first run over years of heartbeats
# takes many short transactions, so agents keep reporting (SQLite has one writer at a time).
CHUNK = 5000


def prune(sessions: sessionmaker[Session], settings: Settings, now: datetime | None = None, *,
          actor: str = "system", chunk: int = CHUNK) -> dict[str, int]:
    """Delete what the retention settings let go; returns how many rows of each kind went.

    Takes the session factory, not a session: each chunk commits on its own, which is the
    point of chunking (one transaction around all of it would hold the lock just as long).
    """
    now = now or utcnow()
    counts = {"heartbeats": 0, "access_checks": 0}
    cutoffs: dict[str, Any] = {}
    if settings.retention_heartbeat_days:
        cutoff = now - timedelta(days=settings.retention_heartbeat_days)
        reports = cast(Table, AgentReport.__table__)  # declared FromClause; a mapped class's is a Table
        counts["heartbeats"] = _delete_older(sessions, actor, chunk, reports, reports.c.received_at, cutoff,
                                             reports.c.kind == "heartbeat")
        cutoffs["heartbeats_before"] = cutoff
    if settings.retention_access_check_days:
        cutoff = now - timedelta(days=settings.retention_access_check_days)
        checks = cast(Table, AccessCheck.__table__)
        newer = checks.alias("newer")
        # Not the server's latest round: the same server has a check written later.
        superseded = exists().where(newer.c.server_id == checks.c.server_id,
                                    newer.c.checked_at > checks.c.checked_at)
        counts["access_checks"] = _delete_older(sessions, actor, chunk, checks, checks.c.checked_at, cutoff,
                                                and_(superseded, checks.c.origin != "configure",
                                                     _repeats_the_check_before(checks)))
        cutoffs["access_checks_before"] = cutoff
    with unit_of_work(sessions, actor) as s:   # login-throttle rows nobody tried for a day: live streaks only
        from .throttle import prune as prune_throttle
        prune_throttle(s, now)
    if any(counts.values()):
        with unit_of_work(sessions, actor) as s:
            audit.append(s, "prune", "retention", None, None, {
                **counts, **cutoffs, "heartbeat_days": settings.retention_heartbeat_days,
                "access_check_days": settings.retention_access_check_days})
    return counts


def _repeats_the_check_before(checks: Table) -> ColumnElement[bool]:
    """The check's result equals the one before it of the same server and kind; false for the
    first check of a server and kind (no result before it: NULL).

    The check before is looked up per row through the (server_id, checked_at) index rather than
    with LAG() over the table: each chunk would recompute a window over every old row, and a first
    run over a year of checks takes hundreds of chunks. Deleting repeats leaves the result before
    every kept check unchanged (the row now before it repeated it), so running again deletes nothing
    more, and a statement that deletes rows while it reads them answers the same.
    """
    before = checks.alias("before")
    # `<=` first, so the index walks down from the check's own time; the tie on time goes by id
    earlier = and_(before.c.checked_at <= checks.c.checked_at,
                   or_(before.c.checked_at < checks.c.checked_at, before.c.id < checks.c.id))
    previous = (select(before.c.ok).where(before.c.server_id == checks.c.server_id, before.c.kind == checks.c.kind,
                                          earlier)
                .order_by(before.c.checked_at.desc(), before.c.id.desc()).limit(1).scalar_subquery())
    return previous == checks.c.ok


def _delete_older(sessions: sessionmaker[Session], actor: str, chunk: int, table: Table,
                  stamp: ColumnElement, cutoff: datetime, also: ColumnElement) -> int:
    """Delete rows stamped before `cutoff` for which `also` holds, walking the ids upwards
    `chunk` rows per transaction.

    Both tables are append-only and stamped by the controller as a row is written, so ids grow
    with time: the walk stops at the first chunk with nothing older than the cutoff instead of
    reading every recent row each night. Should ids and stamps ever disagree (a clock set back),
    the rows behind such a chunk are only kept longer: once the chunk itself is old, the walk
    passes it.
    """
    last, deleted = 0, 0
    while True:
        with unit_of_work(sessions, actor) as s:
            batch = select(table.c.id, stamp.label("stamp")).where(table.c.id > last).order_by(
                table.c.id).limit(chunk).subquery()
            top, old = s.execute(select(func.max(batch.c.id),
                                        func.sum(case((batch.c.stamp < cutoff, 1), else_=0)))).one()
            if top is None or not old:
                return deleted
            gone = s.execute(delete(table).where(table.c.id > last, table.c.id <= top, stamp < cutoff, also))
            deleted += cast(CursorResult[Any], gone).rowcount
            last = top

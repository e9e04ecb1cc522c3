"""Storing heartbeats: most of the controller's traffic (every agent, every minute).

A heartbeat is written as two rows: the report itself, once by its id, and the server's latest
status (with the vitals the metrics read, `domain.vitals`). The statements are built once
here; the general ingest in `agents.ingest` (batches, spool replays) uses them too.

A single live heartbeat on PostgreSQL takes the one-statement path, `store_one`: the
credential check, the insert and the upsert in one round trip, autocommitted. Anything
unusual (unknown or revoked credential, a report naming another server) makes it write
nothing and say so; the caller then takes the general path, which refuses with the reason
and records the refusal on the audit trail.
"""

from __future__ import annotations

import hashlib
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, text

from ..domain import vitals
from ..models.base import UTCDateTime


def credential_hash(credential: str) -> str:
    """Credentials are random and long: a SHA-256 is safe to store and cheap on every report."""
    return hashlib.sha256(credential.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Beat:
    """One heartbeat, checked and serialised, ready for the database."""

    report_id: str
    payload: str                    # the ConditionRecord as JSON, stored as received
    vitals: str                     # `domain.vitals.pack` of it
    sent_at: datetime | None = None
    dropped: int = 0
    server_id: int | None = None    # the server the agent says it reports for, if it says


def beat(report_id: str, record: dict[str, Any], payload: str, sent_at: datetime | None = None,
         dropped: int = 0, server_id: int | None = None) -> Beat:
    return Beat(report_id, payload, vitals.pack(vitals.reduce(record)), sent_at, dropped, server_id)


_TIMES = (bindparam("sent_at", type_=UTCDateTime()), bindparam("now", type_=UTCDateTime()))

INSERT_REPORT = text("""
    INSERT INTO agent_reports (report_id, server_id, agent_id, source, kind, sent_at, received_at,
                               dropped_heartbeats, payload)
    VALUES (:report_id, :server_id, :agent_id, 'agent', :kind, :sent_at, :now, :dropped, :payload)
    ON CONFLICT (report_id) DO NOTHING
    RETURNING id""").bindparams(*_TIMES)

UPSERT_STATUS = text("""
    INSERT INTO server_status (server_id, last_seen_at, agent_version, last_heartbeat, vitals,
                               dropped_heartbeats, inventory_requested)
    VALUES (:server_id, :now, :agent_version, :payload, :vitals, :dropped, false)
    ON CONFLICT (server_id) DO UPDATE SET
        last_seen_at = excluded.last_seen_at, agent_version = excluded.agent_version,
        last_heartbeat = excluded.last_heartbeat, vitals = excluded.vitals,
        dropped_heartbeats = excluded.dropped_heartbeats
    RETURNING inventory_requested""").bindparams(bindparam("now", type_=UTCDateTime()))

# PostgreSQL runs data-modifying CTEs: the credential check, the insert and the upsert in one
# statement, sent by psycopg itself (SQLAlchemy's execution layer would be a fifth of the cost).
# The agent row only matches a live credential of the server named (if named), so anything else
# inserts nothing and `known` is 0.
ONE_STATEMENT = """
    WITH agent AS (
        SELECT id, server_id, agent_version FROM agents
        WHERE credential_hash = %(credential_hash)s AND revoked_at IS NULL
          AND (CAST(%(claimed)s AS INTEGER) IS NULL OR server_id = CAST(%(claimed)s AS INTEGER))),
    report AS (
        INSERT INTO agent_reports (report_id, server_id, agent_id, source, kind, sent_at, received_at,
                                   dropped_heartbeats, payload)
        SELECT %(report_id)s, server_id, id, 'agent', 'heartbeat', %(sent_at)s, %(now)s, %(dropped)s, %(payload)s
        FROM agent
        ON CONFLICT (report_id) DO NOTHING
        RETURNING server_id),
    status AS (
        INSERT INTO server_status (server_id, last_seen_at, agent_version, last_heartbeat, vitals,
                                   dropped_heartbeats, inventory_requested)
        SELECT report.server_id, %(now)s, agent.agent_version, %(payload)s, %(vitals)s, %(dropped)s, false
        FROM report CROSS JOIN agent
        ON CONFLICT (server_id) DO UPDATE SET
            last_seen_at = excluded.last_seen_at, agent_version = excluded.agent_version,
            last_heartbeat = excluded.last_heartbeat, vitals = excluded.vitals,
            dropped_heartbeats = excluded.dropped_heartbeats
        RETURNING inventory_requested)
    SELECT (SELECT count(*) FROM agent), (SELECT count(*) FROM report),
           (SELECT bool_or(inventory_requested) FROM status)
"""

FIND_AGENT = text("""
    SELECT id, server_id, agent_version FROM agents
    WHERE credential_hash = :credential_hash AND revoked_at IS NULL""")


def insert_report(conn: Connection, *, report_id: str, server_id: int, agent_id: int | None, kind: str,
                  payload: str, now: datetime, sent_at: datetime | None = None, dropped: int = 0) -> bool:
    """Store a report unless its id is known; True when stored now (one statement, no race)."""
    return conn.execute(INSERT_REPORT, {
        "report_id": report_id, "server_id": server_id, "agent_id": agent_id, "kind": kind, "sent_at": sent_at,
        "now": now, "dropped": dropped, "payload": payload}).first() is not None


def touch(conn: Connection, server_id: int, agent_version: str | None, b: Beat, now: datetime) -> bool:
    """Make `b` the server's latest heartbeat; returns whether an inventory was asked for."""
    return bool(conn.execute(UPSERT_STATUS, {
        "server_id": server_id, "now": now, "agent_version": agent_version, "payload": b.payload,
        "vitals": b.vitals, "dropped": b.dropped}).scalar())


def store_one(engine: Engine, credential: str, b: Beat, now: datetime) -> tuple[bool, bool] | None:
    """Store one heartbeat sent with `credential`: (stored now, inventory requested).

    None when the credential is not a live one for the server named: nothing was written and
    the general path must answer (it refuses with the reason and audits the refusal).
    `engine` autocommits on PostgreSQL (one round trip) and is SQLite's writer otherwise.
    """
    params = {"credential_hash": credential_hash(credential), "claimed": b.server_id, "report_id": b.report_id,
              "sent_at": b.sent_at, "now": now, "dropped": b.dropped, "payload": b.payload, "vitals": b.vitals}
    if engine.dialect.name == "postgresql":
        return _store_one_postgresql(engine, {**params, "now": _naive(now), "sent_at": _naive(b.sent_at)})
    with engine.begin() as conn:
        agent = conn.execute(FIND_AGENT, params).first()
        if agent is None or b.server_id not in (None, agent.server_id):
            return None
        if not insert_report(conn, report_id=b.report_id, server_id=agent.server_id, agent_id=agent.id,
                             kind="heartbeat", payload=b.payload, now=now, sent_at=b.sent_at, dropped=b.dropped):
            return False, False
        return True, touch(conn, agent.server_id, agent.agent_version, b, now)


def _naive(at: datetime | None) -> datetime | None:
    """UTC without a zone, as `models.base.UTCDateTime` stores it (psycopg gets no SQLAlchemy types here)."""
    return None if at is None else at.astimezone(UTC).replace(tzinfo=None)


def _store_one_postgresql(engine: Engine, params: dict[str, Any]) -> tuple[bool, bool] | None:
    for attempt in (1, 2):  # a pooled connection the database dropped (a restart): once more
        conn = engine.raw_connection()
        try:
            with closing(conn.cursor()) as cur:
                cur.execute(ONE_STATEMENT, params)
                row = cur.fetchone()
                assert row is not None  # the final SELECT always answers one row
                known, stored, requested = row
            break
        except engine.dialect.loaded_dbapi.OperationalError:
            conn.invalidate()
            if attempt == 2:
                raise
        finally:
            conn.close()
    return (bool(stored), bool(requested)) if known else None

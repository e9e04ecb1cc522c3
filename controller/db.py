"""Engine and sessions: the only place that knows SQLite from PostgreSQL at connect time."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry


def make_engine(url: str, *, immediate: bool = True, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, a busy timeout and serialised writers.

    With `immediate`, SQLite transactions start with BEGIN IMMEDIATE so two writers never both
    read (say, the audit chain head) and then race: the second waits (busy timeout) instead of
    failing on a stale snapshot. Read-only requests use a plain engine: WAL readers never wait.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               pool_size=20, max_overflow=60, **kwargs)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    # Enough pooled connections for the worker's thread pool (40 threads): a connection made and
    # dropped per request would cost PostgreSQL a backend fork each time.
    return create_engine(url, pool_pre_ping=True, pool_size=20, max_overflow=20, **kwargs)


def make_ingest_engine(url: str, writer: Engine) -> Engine:
    """The engine live heartbeats are written with (`services.heartbeats.store_one`).

    On PostgreSQL: autocommit (a heartbeat is one statement) and no ping on checkout (the
    statement is retried once on a dropped connection instead), so one round trip a heartbeat;
    a small pool, since each use is short. On SQLite the writer itself: it is one file either way.
    """
    if writer.dialect.name != "postgresql":
        return writer
    return create_engine(url, isolation_level="AUTOCOMMIT", pool_size=10, max_overflow=0, pool_timeout=30)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session], actor: str) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error; audit events name `actor`."""
    session = factory()
    session.info["actor"] = actor
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

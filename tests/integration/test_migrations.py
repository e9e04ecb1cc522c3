"""Migrations on both databases: they build exactly the tables the models describe, and an
upgrade keeps the meaning of what is already stored."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from controller.db import unit_of_work
from controller.migrate import alembic_config, upgrade
from controller.models import AccessCheck, Base
from controller.models.base import utcnow
from tests.support import custody


def test_the_migrated_schema_is_the_models_schema(db_url) -> None:
    """A column added to a model without a migration would fail on every real database."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()


def test_configure_checks_made_before_0008_are_marked_as_evidence(app, client, world, db_url) -> None:
    """Checks earlier configure steps ran become evidence (kept by retention); later probe
    rounds stay measurements."""
    rid = custody.submit(client, world)["id"]
    custody.to_handed_over(client, world, rid)
    custody.act(client, world, rid, "place", "officer")
    custody.act(client, world, rid, "configure", "officer",
                {"management_ip": "127.0.0.1", "access_checks": [{"kind": "tcp", "port": 9}]})
    with unit_of_work(app.state.sessions, "test") as s:
        sid = s.scalar(text("SELECT server_id FROM access_checks"))
        s.add(AccessCheck(server_id=sid, request_id=rid, kind="tcp", target="127.0.0.1:9", ok=False,
                          checked_at=utcnow() + timedelta(minutes=15)))          # the next scheduled round
    for engine in (app.state.engine, app.state.read_engine, app.state.ingest_engine):
        engine.dispose()

    command.downgrade(alembic_config(db_url), "0007")
    upgrade(db_url)

    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT origin FROM access_checks ORDER BY id")).scalars().all()
    engine.dispose()
    assert rows == ["configure", "schedule"]

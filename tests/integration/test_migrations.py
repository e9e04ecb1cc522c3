"""Migrations on both databases: they build exactly the tables the models describe, and an
upgrade keeps the meaning of what is already stored."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from controller.db import unit_of_work
from controller.jobqueue import include_object
from controller.migrate import alembic_config, upgrade
from controller.models import AccessCheck, Base
from controller.models.base import utcnow
from tests.support import custody


def test_the_migrated_schema_is_the_models_schema(db_url) -> None:
    """A column added to a model without a migration would fail on every real database."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        assert compare_metadata(context, Base.metadata) == []
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


def test_0010_keeps_requests_and_stops_with_guidance_on_a_leaked_slot(app, client, world, db_url) -> None:
    """Up to 0010 a server could hold two live slots (the race the runner now prevents): the
    migration names such servers and changes nothing until they are released."""
    import pytest

    rid = custody.submit(client, world)["id"]
    custody.to_assigned(client, world, rid)
    custody.act(client, world, rid, "reserve_space", "officer", {"rack_id": world.ids["rack2"], "u_bottom": 1})
    for engine in (app.state.engine, app.state.read_engine, app.state.ingest_engine):
        engine.dispose()
    command.downgrade(alembic_config(db_url), "0009")
    engine = create_engine(db_url)
    with engine.begin() as conn:
        sid = conn.execute(text("SELECT server_id FROM custody_requests WHERE id = :r"), {"r": rid}).scalar_one()
        conn.execute(text("INSERT INTO allocations (rack_id, u_bottom, height_u, server_id, status, created_by, "
                          "created_at) VALUES (:rack, 20, 2, :s, 'reserved', 'race', CURRENT_TIMESTAMP)"),
                     {"rack": world.ids["rack2"], "s": sid})
    with pytest.raises(Exception, match=rf"server {sid} \(2 live allocations\)"):
        upgrade(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE allocations SET status = 'released' WHERE created_by = 'race'"))
    upgrade(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT state, server_id FROM custody_requests")).all() == [("space_reserved", sid)]
    engine.dispose()


def test_0009_stops_with_guidance_on_two_open_transfers_of_one_server(app, world, db_url) -> None:
    """Before 0009 twenty racing requests could open twenty transfers of one server: the migration
    names them and changes nothing until all but one are rejected."""
    import pytest

    for engine in (app.state.engine, app.state.read_engine, app.state.ingest_engine):
        engine.dispose()
    command.downgrade(alembic_config(db_url), "0008")
    engine = create_engine(db_url)
    with engine.begin() as conn:
        for reason in ("pindah ke BAPPEDA", "pindah lagi"):
            conn.execute(text("INSERT INTO transfer_cases (server_id, unit_id, to_unit_id, state, state_since, "
                              "reason, created_by, created_at) VALUES (:s, :a, :b, 'requested', CURRENT_TIMESTAMP, "
                              ":r, 'race', CURRENT_TIMESTAMP)"),
                         {"s": world.ids["server_a"], "a": world.ids["unit_a"], "b": world.ids["unit_b"], "r": reason})
    with pytest.raises(Exception, match=rf"transfer_cases: server {world.ids['server_a']} has open cases \[\d+, \d+\]"):
        upgrade(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE transfer_cases SET state = 'rejected' WHERE reason = 'pindah lagi'"))
    upgrade(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM transfer_cases")).scalar_one() == 2
    engine.dispose()


def test_0026_moves_each_issue_s_asset_to_its_bast_lines_and_keeps_handed_over_issues_handed(
        app, world, db_url) -> None:
    """Issues opened before 0026 named one asset and handed it over at once (their BAST signed on
    paper): the asset becomes line 1 of the BAST, and an issue still at `issued` continues at the
    installation report (`signed`); the downgrade puts line 1 back."""
    for engine in (app.state.engine, app.state.read_engine, app.state.ingest_engine):
        engine.dispose()
    command.downgrade(alembic_config(db_url), "0025")
    engine = create_engine(db_url)
    with engine.begin() as conn:
        for state, number in (("issued", "BAST/OLD/1"), ("closed", "BAST/OLD/2")):
            conn.execute(text("INSERT INTO asset_issues (server_id, unit_id, from_unit_id, state, state_since, "
                              "recipient_name, bast_number, created_by, created_at) VALUES (:s, :b, :a, :state, "
                              "CURRENT_TIMESTAMP, 'Siti', :n, 'kasi', CURRENT_TIMESTAMP)"),
                         {"s": world.ids["server_a"], "a": world.ids["unit_a"], "b": world.ids["unit_b"],
                          "state": state, "n": number})
    upgrade(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT i.bast_number, i.state, l.line_no, l.server_id, l.from_unit_id "
                                 "FROM asset_issues i JOIN asset_issue_items l ON l.issue_id = i.id "
                                 "ORDER BY i.id")).all()
    assert [tuple(r) for r in rows] == [
        ("BAST/OLD/1", "signed", 1, world.ids["server_a"], world.ids["unit_a"]),
        ("BAST/OLD/2", "closed", 1, world.ids["server_a"], world.ids["unit_a"])]
    command.downgrade(alembic_config(db_url), "0025")
    with engine.connect() as conn:
        back = conn.execute(text("SELECT state, server_id, from_unit_id FROM asset_issues ORDER BY id")).all()
    assert [tuple(r) for r in back] == [("issued", world.ids["server_a"], world.ids["unit_a"]),
                                        ("closed", world.ids["server_a"], world.ids["unit_a"])]
    upgrade(db_url)
    engine.dispose()

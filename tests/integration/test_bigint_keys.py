"""64-bit keys on the tables that grow with every heartbeat, probe, inventory, notification and
audited change: the migration keeps what is stored on both databases, and once it ran, ingest
goes on past 2^31 instead of failing when a 32-bit sequence runs out."""

from __future__ import annotations

import uuid

from alembic import command
from sqlalchemy import create_engine, text

from controller.migrate import alembic_config, upgrade
from controller.services import inventory
from tests.support import custody
from tests.support.world import enrol_agent

TABLES = ("agent_reports", "access_checks", "inventory_items", "notifications", "audit_events")
PAST_32_BITS = 3_000_000_000


def heartbeat() -> dict:
    return {"report_id": uuid.uuid4().hex, "kind": "heartbeat",
            "payload": {"source": "agent", "hostname": "srv-a", "cpu": {"percent": 12.0, "load_1": 0.1}}}


def fill(app, client, world) -> None:
    """A few rows in each of the tables: reports (heartbeats and an inventory), the checks and
    notifications of a configure step, a month's inventory, and the audit events of all that."""
    agent = enrol_agent(client, world)
    for _ in range(3):
        assert client.post("/api/v1/agents/reports", headers=agent, json=heartbeat()).json()["stored"] is True
    r = client.post("/api/v1/agents/reports", headers=agent, json={
        "report_id": uuid.uuid4().hex, "kind": "inventory",
        "payload": {"source": "agent", "hostname": "srv-a", "cpu": {"model": "Xeon", "cores": 8}}})
    assert r.status_code == 200, r.text
    configure(client, world)
    inventory.run(app.state.sessions, app.state.settings, "2026-11")


def configure(client, world) -> None:
    rid = custody.submit(client, world)["id"]
    custody.to_handed_over(client, world, rid)
    custody.act(client, world, rid, "place", "officer")
    custody.act(client, world, rid, "configure", "officer",
                {"management_ip": "127.0.0.1", "access_checks": [{"kind": "tcp", "port": 9}]})


def release(app) -> None:
    """Close the app's pooled connections: a migration must not wait for them (nor they keep
    plans made for the old column types)."""
    for engine in (app.state.engine, app.state.read_engine, app.state.ingest_engine):
        engine.dispose()


def snapshot(db_url: str) -> dict[str, list[tuple]]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = {t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY id"))] for t in TABLES}
    engine.dispose()
    return rows


def key_types(db_url: str) -> dict[str, tuple[str, str]]:
    """PostgreSQL: each table's key type and its sequence's type."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        out = {t: conn.execute(text(
            "SELECT c.data_type, s.data_type FROM information_schema.columns c "
            "JOIN information_schema.sequences s ON s.sequence_name = :t || '_id_seq' "
            "WHERE c.table_name = :t AND c.column_name = 'id'"), {"t": t}).one() for t in TABLES}
    engine.dispose()
    return {t: tuple(v) for t, v in out.items()}


def test_the_upgrade_from_0011_keeps_every_row_and_the_downgrade_too(app, client, world, db_url) -> None:
    fill(app, client, world)
    release(app)
    command.downgrade(alembic_config(db_url), "0011")
    before = snapshot(db_url)
    assert all(before[t] for t in TABLES), {t: len(v) for t, v in before.items()}
    if db_url.startswith("postgresql"):
        assert set(key_types(db_url).values()) == {("integer", "integer")}

    upgrade(db_url)
    assert snapshot(db_url) == before
    if db_url.startswith("postgresql"):
        assert set(key_types(db_url).values()) == {("bigint", "bigint")}

    command.downgrade(alembic_config(db_url), "0011")
    assert snapshot(db_url) == before
    if db_url.startswith("postgresql"):
        assert set(key_types(db_url).values()) == {("integer", "integer")}


def test_after_the_upgrade_ingest_goes_on_past_2_31(app, client, world, db_url) -> None:
    """The tables as an old database has them (0011: keys and sequences 32-bit), upgraded, then
    numbered past 2^31: a heartbeat (PostgreSQL's one-statement path), an inventory report (the
    general ingest), a configure step's checks and notifications, a month's inventory and the
    audit events of all that are stored, and read back."""
    postgres = db_url.startswith("postgresql")
    agent = enrol_agent(client, world)
    release(app)
    command.downgrade(alembic_config(db_url), "0011")
    upgrade(db_url)
    engine = create_engine(db_url)
    with engine.begin() as conn:
        if postgres:
            for t in TABLES:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), {PAST_32_BITS})"))
        else:
            # SQLite numbers a rowid one past the largest: a row keyed past 2^31 carries the rest
            # (the key must still be the rowid for that, which is what `BigKey` keeps it).
            sid = world.ids["server_a"]
            conn.execute(text("INSERT INTO agent_reports (id, report_id, server_id, source, kind, received_at, "
                              "dropped_heartbeats, payload) VALUES (:id, 'seed', :sid, 'agent', 'heartbeat', "
                              "'2026-11-01 00:00:00', 0, '{}')"), {"id": PAST_32_BITS, "sid": sid})
            conn.execute(text("INSERT INTO access_checks (id, server_id, kind, target, ok, checked_at, origin) "
                              "VALUES (:id, :sid, 'tcp', '127.0.0.1:9', 0, '2026-11-01 00:00:00', 'schedule')"),
                         {"id": PAST_32_BITS, "sid": sid})
    engine.dispose()

    beat = heartbeat()
    r = client.post("/api/v1/agents/reports", headers=agent, json=beat)
    assert r.status_code == 200 and r.json()["stored"] is True, r.text
    r = client.post("/api/v1/agents/reports", headers=agent, json={
        "report_id": uuid.uuid4().hex, "kind": "inventory", "payload": {"source": "agent", "hostname": "srv-a"}})
    assert r.status_code == 200 and r.json()["stored"] is True, r.text
    configure(client, world)
    assert inventory.run(app.state.sessions, app.state.settings, "2026-11").status == "completed"

    engine = create_engine(db_url)
    with engine.connect() as conn:
        hb = conn.execute(text("SELECT id FROM agent_reports WHERE report_id = :r"), {"r": beat["report_id"]}).scalar()
        check = conn.execute(text("SELECT id, ok FROM access_checks WHERE origin = 'configure'")).one()
        newest = {t: conn.execute(text(f"SELECT max(id) FROM {t}")).scalar() for t in TABLES}
    engine.dispose()
    assert hb > 2**31 and check.id > 2**31 and not check.ok          # port 9 is closed: stored as failed
    if postgres:
        assert all(v > PAST_32_BITS for v in newest.values()), newest
    page = client.get(f"/api/v1/servers/{world.ids['server_a']}/reports?kind=heartbeat",
                      headers=world.auth("officer"))
    assert page.status_code == 200 and beat["report_id"] in [i["report_id"] for i in page.json()["items"]]

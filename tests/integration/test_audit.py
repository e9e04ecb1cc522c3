"""The audit trail: every change recorded, and any tampering found by `titip audit verify`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError


def _verify(db_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TITIP_DATABASE_URL": db_url}
    return subprocess.run([sys.executable, "-m", "controller.cli", "audit", "verify"],
                          env=env, capture_output=True, text=True, timeout=60)


def _make_history(client, world) -> None:
    h = world.auth("officer")
    client.post(f"/api/v1/racks/{world.ids['rack1']}/reservations", headers=h,
                json={"u_bottom": 1, "height_u": 2, "server_id": world.ids["server_a"]})
    client.patch(f"/api/v1/servers/{world.ids['server_a']}", headers=h, json={"hostname": "simpus"})


def _raw(db_url: str):
    return create_engine(db_url, isolation_level="AUTOCOMMIT")


def _unlock(conn, db_url: str) -> None:
    """What an attacker with database access would do first: drop the append-only guard."""
    if db_url.startswith("sqlite"):
        conn.execute(text("DROP TRIGGER audit_events_no_update"))
        conn.execute(text("DROP TRIGGER audit_events_no_delete"))
    else:
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))


def test_changes_are_recorded_with_actor_before_and_after(client, world):
    _make_history(client, world)
    events = client.get("/api/v1/audit/events?entity=server", headers=world.auth("admin")).json()["items"]
    update = next(e for e in events if e["action"] == "update")
    assert update["actor"] == "officer"
    assert json.loads(update["before"])["hostname"] is None
    assert json.loads(update["after"])["hostname"] == "simpus"
    allocs = client.get("/api/v1/audit/events?entity=allocation", headers=world.auth("head")).json()["items"]
    assert allocs and allocs[0]["action"] == "create"
    own = client.get(f"/api/v1/audit/events?entity=allocation&entity_id={allocs[0]['entity_id']}",
                     headers=world.auth("head")).json()["items"]
    assert allocs[0]["entity_id"] and [e["action"] for e in own] == ["create"]


def test_password_hashes_never_reach_the_audit_trail(client, world):
    client.patch(f"/api/v1/users/{world.ids['officer']}", headers=world.auth("admin"),
                 json={"password": "kata-sandi-baru"})
    events = client.get("/api/v1/audit/events?entity=user", headers=world.auth("admin")).json()["items"]
    text_all = json.dumps(events)
    assert "argon2" not in text_all and "kata-sandi-baru" not in text_all
    assert any(json.loads(e["after"] or "{}").get("password_hash") == "<changed>" for e in events)


def test_intact_trail_verifies(client, world, db_url):
    _make_history(client, world)
    r = _verify(db_url)
    assert r.returncode == 0, r.stderr
    assert "intact" in r.stdout


@pytest.mark.parametrize("tamper", ["edit", "delete", "reorder", "truncate_tail"])
def test_verify_names_the_first_bad_event(client, world, db_url, tamper):
    _make_history(client, world)
    client.app.state.engine.dispose()
    engine = _raw(db_url)
    with engine.connect() as conn:
        _unlock(conn, db_url)
        seqs = [r[0] for r in conn.execute(text("SELECT seq FROM audit_events ORDER BY seq"))]
        target = seqs[len(seqs) // 2]
        if tamper == "edit":
            conn.execute(text("UPDATE audit_events SET actor = 'someone-else' WHERE seq = :s"), {"s": target})
            expected = target
        elif tamper == "delete":
            conn.execute(text("DELETE FROM audit_events WHERE seq = :s"), {"s": target})
            expected = target + 1
        elif tamper == "reorder":
            # swap the contents (not the sequence numbers) of two neighbouring events
            conn.execute(text("UPDATE audit_events SET seq = -1 WHERE seq = :a"), {"a": target})
            conn.execute(text("UPDATE audit_events SET seq = :a WHERE seq = :b"), {"a": target, "b": target + 1})
            conn.execute(text("UPDATE audit_events SET seq = :b WHERE seq = -1"), {"b": target + 1})
            expected = target
        else:
            conn.execute(text("DELETE FROM audit_events WHERE seq = :s"), {"s": seqs[-1]})
            expected = seqs[-1]
    engine.dispose()
    r = _verify(db_url)
    assert r.returncode == 1
    assert f"seq {expected}" in r.stderr, r.stderr


def test_database_refuses_update_and_delete_of_audit_rows(client, world, db_url):
    _make_history(client, world)
    engine = _raw(db_url)
    with engine.connect() as conn:
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text("UPDATE audit_events SET actor = 'x'"))
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text("DELETE FROM audit_events"))
        if not db_url.startswith("sqlite"):
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text("TRUNCATE audit_events"))
    engine.dispose()
    assert _verify(db_url).returncode == 0


def test_verify_endpoint_reports_the_break(client, world, db_url):
    _make_history(client, world)
    engine = _raw(db_url)
    with engine.connect() as conn:
        _unlock(conn, db_url)
        conn.execute(text("UPDATE audit_events SET after = '{}' WHERE seq = 2"))
    engine.dispose()
    body = client.get("/api/v1/audit/verify", headers=world.auth("admin")).json()
    assert body["ok"] is False and body["first_bad_seq"] == 2 and "edited" in body["reason"]

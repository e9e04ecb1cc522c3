"""The keyed audit chain: someone who can write to the database, but lacks TITIP_AUDIT_KEY, cannot
forge, cut or re-chain the trail, nor swap a stored paper's bytes, without `titip audit verify`
saying so."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from controller import audit
from controller.settings import DEV_AUDIT_KEY
from tests.integration.test_audit import _make_history, _raw, _unlock

WRONG_KEY = b"an-attackers-guess-at-the-key-0123456789"


def _titip(db_url: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full = {**os.environ, "TITIP_DATABASE_URL": db_url, **(env or {})}
    return subprocess.run([sys.executable, "-m", "controller.cli", *args],
                          env=full, capture_output=True, text=True, timeout=120, check=False)


def _events(conn) -> list[dict]:
    cols = ("id", *audit.CONTENT_FIELDS, "hash")
    rows = conn.execute(text(f"SELECT {', '.join(cols)} FROM audit_events ORDER BY seq")).all()
    out = []
    for r in rows:
        d = dict(zip(cols, r))
        at = d["at"] if isinstance(d["at"], datetime) else datetime.fromisoformat(str(d["at"]))
        d["at"] = at.replace(tzinfo=UTC)
        out.append(d)
    return out


def _move_head(conn, seq: int, last_hash: str, key: bytes | None) -> None:
    """Point the head at `seq`; with a key, also re-seal it (the attacker's guess, or none)."""
    mac = audit.head_mac(key, 1, seq, last_hash) if key else None
    conn.execute(text("UPDATE audit_head SET last_seq = :s, last_hash = :h, mac = COALESCE(:m, mac) WHERE id = 1"),
                 {"s": seq, "h": last_hash, "m": mac})


def _stamp(at: datetime):
    return at.astimezone(UTC).replace(tzinfo=None)


@pytest.fixture
def history(client, world, db_url):
    """A few audited changes, then the app's connections closed: the attacker has the database."""
    _make_history(client, world)
    client.app.state.engine.dispose()
    assert _titip(db_url, "audit", "verify").returncode == 0
    engine = _raw(db_url)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("key", [None, WRONG_KEY], ids=["unkeyed", "wrong_key"])
def test_a_forged_tail_event_with_a_moved_head_is_reported(history, db_url, key):
    with history.connect() as conn:
        last = _events(conn)[-1]
        forged = {"seq": last["seq"] + 1, "at": datetime.now(UTC), "actor": "admin", "action": "delete",
                  "entity": "server", "entity_id": "1", "before": "{}", "after": None, "prev_hash": last["hash"]}
        forged["hash"] = audit.event_hash(forged, key)
        conn.execute(text("INSERT INTO audit_events (seq, at, actor, action, entity, entity_id, before, after, "
                          "prev_hash, hash) VALUES (:seq, :at, :actor, :action, :entity, :entity_id, :before, "
                          ":after, :prev_hash, :hash)"), {**forged, "at": _stamp(forged["at"])})
        _move_head(conn, forged["seq"], forged["hash"], key)
    r = _titip(db_url, "audit", "verify")
    assert r.returncode == 1
    assert f"event seq {forged['seq']}" in r.stderr and "BROKEN" in r.stderr, r.stderr


@pytest.mark.parametrize("key", [None, WRONG_KEY], ids=["head_kept_seal", "head_resealed_wrong_key"])
def test_a_cut_tail_with_a_moved_head_is_reported(history, db_url, key):
    with history.connect() as conn:
        _unlock(conn, db_url)
        events = _events(conn)
        keep = events[:-3]
        conn.execute(text("DELETE FROM audit_events WHERE seq > :s"), {"s": keep[-1]["seq"]})
        _move_head(conn, keep[-1]["seq"], keep[-1]["hash"], key)
    r = _titip(db_url, "audit", "verify")
    assert r.returncode == 1
    assert f"event seq {keep[-1]['seq']}" in r.stderr and "seal" in r.stderr, r.stderr


@pytest.mark.parametrize("key", [None, WRONG_KEY], ids=["unkeyed", "wrong_key"])
def test_a_rechained_edit_of_event_5_is_reported(history, db_url, key):
    with history.connect() as conn:
        _unlock(conn, db_url)
        events = _events(conn)
        assert len(events) > 6
        prev = events[3]["hash"]
        for ev in events[4:]:
            if ev["seq"] == 5:
                ev["actor"] = "someone-else"
            ev["prev_hash"] = prev
            ev["hash"] = audit.event_hash(ev, key)
            conn.execute(text("UPDATE audit_events SET actor = :a, prev_hash = :p, hash = :h WHERE id = :i"),
                         {"a": ev["actor"], "p": ev["prev_hash"], "h": ev["hash"], "i": ev["id"]})
            prev = ev["hash"]
        _move_head(conn, events[-1]["seq"], prev, key)
    r = _titip(db_url, "audit", "verify")
    assert r.returncode == 1
    assert "event seq 5 " in r.stderr, r.stderr


def _store_document(app, world) -> int:
    from controller.db import unit_of_work
    from controller.models import Document

    content = b"%PDF-1.4 berita acara serah terima asli"
    with unit_of_work(app.state.sessions, actor="officer") as s:
        doc = Document(unit_id=world.ids["unit_a"], kind="handover", number="BA/001/2026", filename="ba.pdf",
                       content_type="application/pdf", size=len(content),
                       sha256=hashlib.sha256(content).hexdigest(), content=content, created_by="officer")
        s.add(doc)
        s.flush()
        return doc.id


def test_the_database_refuses_to_rewrite_a_document(app, world, db_url):
    from sqlalchemy.exc import DBAPIError

    doc_id = _store_document(app, world)
    engine = _raw(db_url)
    with engine.connect() as conn:
        with pytest.raises(DBAPIError, match="written once|append-only"):
            conn.execute(text("UPDATE documents SET content = :c WHERE id = :i"), {"c": b"x", "i": doc_id})
        with pytest.raises(DBAPIError, match="written once|append-only"):
            conn.execute(text("DELETE FROM documents WHERE id = :i"), {"i": doc_id})
    engine.dispose()


def test_a_replaced_document_is_reported(app, client, world, db_url):
    doc_id = _store_document(app, world)
    app.state.engine.dispose()
    assert "documents intact: 1 re-hashed" in _titip(db_url, "audit", "verify").stdout
    forged = b"%PDF-1.4 berita acara palsu"
    engine = _raw(db_url)
    with engine.connect() as conn:
        if db_url.startswith("sqlite"):
            conn.execute(text("DROP TRIGGER IF EXISTS documents_no_update"))
        else:
            conn.execute(text("ALTER TABLE documents DISABLE TRIGGER USER"))
        conn.execute(text("UPDATE documents SET content = :c, sha256 = :h, size = :n WHERE id = :i"),
                     {"c": forged, "h": hashlib.sha256(forged).hexdigest(), "n": len(forged), "i": doc_id})
    engine.dispose()
    r = _titip(db_url, "audit", "verify")
    assert r.returncode == 1
    assert f"DOCUMENT ALTERED: document {doc_id} (BA/001/2026)" in r.stderr, r.stderr
    assert "audit trail intact" in r.stdout  # the chain itself was not touched
    body = client.get("/api/v1/audit/verify", headers=world.auth("admin")).json()
    assert body["ok"] is False and body["documents_altered"][0]["id"] == doc_id


def test_verify_with_another_audit_key_fails(history, db_url):
    r = _titip(db_url, "audit", "verify", env={"TITIP_AUDIT_KEY": WRONG_KEY.decode()})
    assert r.returncode == 1 and "event seq 1 " in r.stderr, r.stderr


def test_a_short_audit_key_is_refused(db_url):
    r = _titip(db_url, "audit", "verify", env={"TITIP_AUDIT_KEY": "short"})
    assert r.returncode != 0 and "32 bytes" in r.stderr


def test_events_from_before_the_upgrade_stay_verifiable(tmp_path, db_url, request):
    """A database with a plain SHA-256 chain (schema 0013) is upgraded: `titip db upgrade` seals its
    head, old and new events verify, and an edit of an old event is still found."""
    from controller.migrate import upgrade

    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path}/old.db"
    else:
        pg = request.getfixturevalue("postgres")
        eng = create_engine(pg.url(), isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.execute(text("CREATE DATABASE legacy_chain"))
        eng.dispose()
        url = pg.url("legacy_chain")
    upgrade(url, "0013")
    engine = _raw(url)
    prev = audit.GENESIS
    with engine.connect() as conn:
        for seq in range(1, 4):
            row = {"seq": seq, "at": datetime.now(UTC), "actor": "cli", "action": "create", "entity": "unit",
                   "entity_id": str(seq), "before": None, "after": json.dumps({"code": f"U{seq}"}),
                   "prev_hash": prev}
            row["hash"] = prev = audit.event_hash(row)  # the pre-0014 plain SHA-256 link
            conn.execute(text("INSERT INTO audit_events (seq, at, actor, action, entity, entity_id, before, "
                              "after, prev_hash, hash) VALUES (:seq, :at, :actor, :action, :entity, :entity_id, "
                              ":before, :after, :prev_hash, :hash)"), {**row, "at": _stamp(row["at"])})
        conn.execute(text("UPDATE audit_head SET last_seq = 3, last_hash = :h"), {"h": prev})
    upgrade(url)
    r = _titip(url, "audit", "verify")
    assert r.returncode == 1 and "titip audit seal" in r.stderr  # migrated, not yet sealed
    assert _titip(url, "db", "upgrade").returncode == 0  # seals with the key it has
    r = _titip(url, "audit", "verify")
    assert r.returncode == 0 and "3 events verified" in r.stdout, r.stderr

    from controller.db import make_engine, make_sessionmaker, unit_of_work
    from controller.settings import Settings

    sessions = make_sessionmaker(make_engine(url))
    with unit_of_work(sessions, actor="cli") as s:
        audit.append(s, "create", "unit", 4, None, {"code": "U4"})
    sessions.kw["bind"].dispose()
    assert Settings().audit_key == DEV_AUDIT_KEY
    r = _titip(url, "audit", "verify")
    assert r.returncode == 0 and "4 events verified" in r.stdout, r.stderr
    with engine.connect() as conn:
        _unlock(conn, url)
        conn.execute(text("UPDATE audit_events SET actor = 'x' WHERE seq = 2"))
    engine.dispose()
    r = _titip(url, "audit", "verify")
    assert r.returncode == 1 and "event seq 2 " in r.stderr, r.stderr

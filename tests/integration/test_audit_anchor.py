"""The audit head outside the database: `titip audit anchor` writes it to a file, and
`titip audit verify --anchor FILE` finds a database that is behind it or has another history."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from controller import audit
from controller.settings import DEV_AUDIT_KEY
from tests.integration.test_audit import _make_history, _raw, _unlock
from tests.integration.test_audit_keyed import _events, _titip


def test_anchor_appends_the_head_and_verify_accepts_a_database_that_reached_it(client, world, db_url, tmp_path):
    _make_history(client, world)
    anchors = tmp_path / "anchors.jsonl"
    r = _titip(db_url, "audit", "anchor", "--out", str(anchors))
    assert r.returncode == 0, r.stderr
    client.patch(f"/api/v1/servers/{world.ids['server_a']}", headers=world.auth("officer"),
                 json={"hostname": "simpus-2"})  # the database moves on past the anchor: that is fine
    assert _titip(db_url, "audit", "anchor", "--out", str(anchors)).returncode == 0
    lines = [json.loads(line) for line in anchors.read_text().splitlines()]
    assert len(lines) == 2 and lines[0]["seq"] < lines[1]["seq"] and len(lines[1]["hash"]) == 64 and lines[1]["at"]
    printed = json.loads(_titip(db_url, "audit", "anchor", "--out", "-").stdout)
    assert printed["seq"] == lines[1]["seq"] and printed["hash"] == lines[1]["hash"]
    r = _titip(db_url, "audit", "verify", "--anchor", str(anchors))
    assert r.returncode == 0 and "consistent with 2 anchor(s)" in r.stdout, r.stderr


def test_default_anchor_file_is_under_the_data_dir(client, world, db_url, tmp_path):
    _make_history(client, world)
    r = _titip(db_url, "audit", "anchor", env={"TITIP_DATA_DIR": str(tmp_path / "data")})
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "data" / "audit-anchors.jsonl").read_text().count("\n") == 1


def test_a_database_rolled_back_behind_an_anchor_is_reported(client, world, db_url, tmp_path):
    """Even with the audit key (an insider, or an older copy restored), a rollback shows."""
    _make_history(client, world)
    anchors = tmp_path / "anchors.jsonl"
    assert _titip(db_url, "audit", "anchor", "--out", str(anchors)).returncode == 0
    client.app.state.engine.dispose()
    engine = _raw(db_url)
    with engine.connect() as conn:
        _unlock(conn, db_url)
        keep = _events(conn)[:-4]
        conn.execute(text("DELETE FROM audit_events WHERE seq > :s"), {"s": keep[-1]["seq"]})
        mac = audit.head_mac(DEV_AUDIT_KEY.encode(), 1, keep[-1]["seq"], keep[-1]["hash"])
        conn.execute(text("UPDATE audit_head SET last_seq = :s, last_hash = :h, mac = :m"),
                     {"s": keep[-1]["seq"], "h": keep[-1]["hash"], "m": mac})
    engine.dispose()
    assert _titip(db_url, "audit", "verify").returncode == 0  # the chain alone cannot tell
    r = _titip(db_url, "audit", "verify", "--anchor", str(anchors))
    assert r.returncode == 1 and "BEHIND" in r.stderr and f"seq {keep[-1]['seq']}" in r.stderr, r.stderr


def test_a_database_with_another_history_diverges(client, world, db_url, tmp_path):
    _make_history(client, world)
    line = json.loads(_titip(db_url, "audit", "anchor", "--out", "-").stdout)
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({**line, "hash": "f" * 64}) + "\n")
    r = _titip(db_url, "audit", "verify", "--anchor", str(other))
    assert r.returncode == 1 and f"DIVERGES from the anchor of {line['at']} at event seq {line['seq']}" in r.stderr


def test_an_unreadable_anchor_file_is_a_usage_error(db_url, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"nothing": 1}\n')
    r = _titip(db_url, "audit", "verify", "--anchor", str(bad))
    assert r.returncode == 2 and "not an anchor" in r.stderr
    r = _titip(db_url, "audit", "verify", "--anchor", str(tmp_path / "missing.jsonl"))
    assert r.returncode == 2 and "--anchor" in r.stderr


def test_the_nightly_job_writes_an_anchor(app, client, world, settings, tmp_path):
    from controller import jobs, scheduler

    _make_history(client, world)
    settings = settings.model_copy(update={"data_dir": str(tmp_path)})
    assert "anchor_audit" in {job.id for job in scheduler.build(app.state.sessions, settings).get_jobs()}
    path = jobs.anchor_audit(app.state.sessions, settings)
    [line] = [json.loads(x) for x in Path(path).read_text().splitlines()]
    with app.state.sessions() as s:
        assert line["seq"] == audit.anchor(s)["seq"] > 0

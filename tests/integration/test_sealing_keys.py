"""Rotating the key that seals target secrets, with targets in place and a real snmpd: collection
goes on through the rotation and after the old key is dropped; a key that opens nothing is a
clear refusal naming the target, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.integration.test_audit_keyed import _titip
from tests.support.snmp import COMMUNITY, V3_AUTH, V3_PRIV, V3_USER, start_snmpd

K1 = "k2026a:" + "a" * 40
K2 = "k2026b:" + "b" * 40
WRONG = "k9:" + "c" * 40


@pytest.fixture(scope="module")
def snmpd():
    agent = start_snmpd(sys_name="srv-rotasi")
    yield agent
    agent.stop()


def _sealed(app) -> dict[int, str]:
    with app.state.engine.connect() as conn:
        return dict(conn.execute(text("SELECT id, secrets FROM collection_targets ORDER BY id")).all())


def _use(app, sealing_keys: str | None) -> None:
    """The controller restarted with other TITIP_SEALING_KEYS (settings are read at start)."""
    app.state.settings = app.state.settings.model_copy(update={"sealing_keys": sealing_keys})


def _rotate(db_url: str, settings, sealing_keys: str):
    return _titip(db_url, "secrets", "rotate",
                  env={"TITIP_SECRET_KEY": settings.secret_key, "TITIP_SEALING_KEYS": sealing_keys})


def test_rotate_with_targets_in_place_then_drop_the_old_key(app, client, world, db_url, settings, snmpd):
    h = world.auth("officer")
    sid = world.ids["server_a"]
    v2 = client.post(f"/api/v1/servers/{sid}/targets", headers=h, json={
        "kind": "snmp", "address": "127.0.0.1", "port": snmpd.port, "community": COMMUNITY}).json()
    v3 = client.post(f"/api/v1/servers/{sid}/targets", headers=h, json={
        "kind": "snmp", "address": "127.0.0.1", "port": snmpd.port, "version": "3", "user": V3_USER,
        "auth_key": V3_AUTH, "priv_key": V3_PRIV}).json()
    ssh = client.post(f"/api/v1/servers/{sid}/targets", headers=h, json={
        "kind": "ssh", "address": "127.0.0.1", "port": 1, "username": "root", "password": "sandi-ssh-rahasia"}).json()

    def collects(target) -> None:
        r = client.post(f"/api/v1/targets/{target['id']}/collect", headers=h)
        assert r.status_code == 200 and r.json()["ok"] is True, r.text
        assert r.json()["inventory"]

    # Sealed before key ids: under the key derived from TITIP_SECRET_KEY.
    assert all(":" not in s for s in _sealed(app).values())
    collects(v2)

    r = _rotate(db_url, settings, K1)
    assert r.returncode == 0 and "re-sealed 3 target(s)" in r.stdout, r.stderr
    assert {s.split(":")[0] for s in _sealed(app).values()} == {"k2026a"}
    _use(app, K1)
    collects(v2), collects(v3)

    r = _rotate(db_url, settings, f"{K2},{K1}")  # the new key first, the old one still accepted
    assert r.returncode == 0 and "re-sealed 3 target(s)" in r.stdout, r.stderr
    assert {s.split(":")[0] for s in _sealed(app).values()} == {"k2026b"}
    r = _rotate(db_url, settings, f"{K2},{K1}")
    assert "re-sealed 0 target(s), 3 already under it" in r.stdout
    status = _titip(db_url, "secrets", "status", env={"TITIP_SEALING_KEYS": K2})
    assert "k2026b: 3 target(s)" in status.stdout

    _use(app, K2)  # the old key is dropped from the setting
    collects(v2), collects(v3)
    assert COMMUNITY not in str(_sealed(app)) and "sandi-ssh-rahasia" not in str(_sealed(app))

    # A controller with only a wrong key: a clear conflict naming the target and the key id.
    _use(app, WRONG)
    r = client.post(f"/api/v1/targets/{v2['id']}/collect", headers=h)
    assert r.status_code == 409, r.text
    assert f"target {v2['id']}" in r.json()["detail"] and "k2026b" in r.json()["detail"]
    assert "cannot be unsealed" in r.json()["detail"]
    assert "cannot be unsealed" in _month_errors(app, world, sid)
    r = _rotate(db_url, settings, WRONG)
    assert r.returncode == 1 and f"target {v2['id']} NOT re-sealed" in r.stderr and "k2026b" in r.stderr
    status = _titip(db_url, "secrets", "status", env={"TITIP_SEALING_KEYS": WRONG})
    assert "NOT configured" in status.stdout

    # New secrets through the API: sealed under the newest key, never echoed; collection works again.
    r = client.put(f"/api/v1/targets/{v2['id']}/secrets", headers=h, json={"community": COMMUNITY})
    assert r.status_code == 200 and COMMUNITY not in r.text, r.text
    assert _sealed(app)[v2["id"]].startswith("k9:")
    collects(v2)
    r = client.put(f"/api/v1/targets/{ssh['id']}/secrets", headers=h, json={"password": "sandi-baru-ssh"})
    assert r.status_code == 200 and "sandi-baru-ssh" not in r.text
    events = client.get("/api/v1/audit/events?entity=collection_target&limit=200", headers=world.auth("admin")).text
    assert "sandi-baru-ssh" not in events and "sandi-ssh-rahasia" not in events and "<changed>" in events


def _month_errors(app, world, server_id: int) -> str:
    """The monthly inventory's reason for a server it could not reach (placed first, so it is
    in custody)."""
    from controller.db import unit_of_work
    from controller.domain.choices import AllocationStatus
    from controller.models import User
    from controller.services import inventory, space

    with unit_of_work(app.state.sessions, "officer") as s:
        space.reserve(s, s.get(User, world.ids["officer"]), world.ids["rack2"], 30, 2, server_id,
                      status=AllocationStatus.occupied)
    inventory.run(app.state.sessions, app.state.settings, "2026-11", actor="test")
    with app.state.engine.connect() as conn:
        return conn.execute(text("SELECT errors FROM inventory_items WHERE server_id = :s"),
                            {"s": server_id}).scalar_one() or ""


def test_replacing_secrets_checks_them_against_the_target(client, world):
    h = world.auth("officer")
    sid = world.ids["server_a"]
    v2 = client.post(f"/api/v1/servers/{sid}/targets", headers=h, json={
        "kind": "snmp", "address": "127.0.0.1", "community": "lama"}).json()
    ssh = client.post(f"/api/v1/servers/{sid}/targets", headers=h, json={
        "kind": "ssh", "address": "127.0.0.1", "username": "root", "password": "lama"}).json()
    for target, body, field in ((v2, {}, "community"), (v2, {"password": "x"}, "password"),
                                (v2, {"community": "x", "bogus": 1}, "bogus"), (ssh, {"passphrase": "p"}, "password"),
                                (ssh, {"community": "x"}, "community")):
        r = client.put(f"/api/v1/targets/{target['id']}/secrets", headers=h, json=body)
        assert r.status_code == 422 and r.json()["field"] == field, (body, r.text)
    assert client.put("/api/v1/targets/999999/secrets", headers=h, json={"community": "x"}).status_code == 404
    assert client.put(f"/api/v1/targets/{v2['id']}/secrets", headers=world.auth("contact_a"),
                      json={"community": "x"}).status_code == 403


def test_malformed_sealing_keys_are_refused_at_start(db_url):
    for bad, why in (("nokey", "ID:SECRET"), ("k1:short", "32 bytes"), (f"{K1},{K1}", "twice"),
                     ("derived:" + "d" * 40, "reserved")):
        r = _titip(db_url, "secrets", "status", env={"TITIP_SEALING_KEYS": bad})
        assert r.returncode != 0 and why in r.stderr, (bad, r.stderr[-500:])

"""Build a small office directly through the services (fast: one password hash for all)."""

from __future__ import annotations

from controller.db import unit_of_work
from controller.models import User
from controller.security import hash_password, make_token
from controller.services import servers, setup

PASSWORD = "rahasia-123"
_HASH = hash_password(PASSWORD)

PEOPLE = {
    "admin": ("admin", None),
    "head": ("head", None),
    "division_head": ("division_head", None),
    "officer": ("officer", None),
    "helpdesk": ("helpdesk", None),
    "contact_a": ("unit_contact", "DISKES"),
    "contact_b": ("unit_contact", "BAPPEDA"),
    "section_head": ("section_head", None),
    "property_manager": ("property_manager", None),
}


def build_world(app):
    from tests.conftest import World

    sessions, settings = app.state.sessions, app.state.settings
    ids: dict[str, int] = {}
    with unit_of_work(sessions, actor="test-setup") as s:
        a = setup.create_unit(s, "DISKES", "Dinas Kesehatan")
        b = setup.create_unit(s, "BAPPEDA", "Badan Perencanaan Pembangunan Daerah")
        ids["unit_a"], ids["unit_b"] = a.id, b.id
        for name, (role, unit_code) in PEOPLE.items():
            user = User(username=name, full_name=name.title(), role=role, password_hash=_HASH,
                        unit_id={"DISKES": a.id, "BAPPEDA": b.id}.get(unit_code))
            s.add(user)
            s.flush()
            ids[name] = user.id
        room = setup.create_room(s, "Ruang Server Utama")
        ids["room"] = room.id
        ids["rack1"] = setup.create_rack(s, room.id, "R01", 42, 5000).id
        ids["rack2"] = setup.create_rack(s, room.id, "R02", 42, None).id
        officer = s.get(User, ids["officer"])
        ids["server_a"] = servers.create_server(s, officer, dict(
            unit_code="DISKES", brand="Dell", model="PowerEdge R740", serial_number="SN-A-001",
            height_u=2, power_w=750)).id
        ids["server_b"] = servers.create_server(s, officer, dict(
            unit_code="BAPPEDA", brand="HPE", model="ProLiant DL380", serial_number="SN-B-001",
            height_u=2, power_w=800)).id
    tokens = {name: make_token(ids[name], settings.secret_key, 60) for name in PEOPLE}
    return World(tokens, ids)


def enrol_agent(client, world, server: str = "server_a", hostname: str = "srv-a") -> dict[str, str]:
    """An officer makes a token for the server, an agent enrols with it: the agent's auth header."""
    r = client.post(f"/api/v1/servers/{world.ids[server]}/enrollment-tokens", headers=world.auth("officer"))
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/agents/enroll", json={"token": r.json()["token"], "hostname": hostname})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['credential']}"}

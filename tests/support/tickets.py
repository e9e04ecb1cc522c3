"""The helpdesk's set-up for tests: one division (the world's division head and officer) and a
small service catalogue, made by the admin over the API."""

from __future__ import annotations


def catalogue(client, world) -> dict[str, int]:
    """Division APTIKA (division_head, officer) and two services; their ids by code."""
    admin = world.auth("admin")
    existing = {s["code"]: s["id"] for s in client.get("/api/v1/service-catalogue", headers=admin).json()}
    if existing:
        return existing
    r = client.post("/api/v1/divisions", headers=admin, json={"code": "APTIKA", "name": "Bidang Aptika"})
    assert r.status_code == 201, r.text
    r = client.put(f"/api/v1/divisions/{r.json()['id']}/members", headers=admin,
                   json={"usernames": ["division_head", "officer"]})
    assert r.status_code == 200, r.text
    out = {}
    for code, name, category, priority in (("SRV-ACCESS", "Gangguan akses server", "incident", "high"),
                                           ("SRV-CONFIG", "Konfigurasi server", "service_request", "normal")):
        r = client.post("/api/v1/service-catalogue", headers=admin, json={
            "code": code, "name": name, "category": category, "priority": priority, "division": "APTIKA"})
        assert r.status_code == 201, r.text
        out[code] = r.json()["id"]
    return out


def to_assigned(client, world, tid: int, service: int) -> dict:
    """Triaged by the helpdesk, taken by the division's officer."""
    r = client.post(f"/api/v1/tickets/{tid}/actions/triage", headers=world.auth("helpdesk"), json={"service": service})
    assert r.status_code == 200, r.text
    r = client.post(f"/api/v1/tickets/{tid}/actions/assign", headers=world.auth("division_head"),
                    json={"officer": "officer"})
    assert r.status_code == 200, r.text
    return r.json()

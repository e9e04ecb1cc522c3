"""Drive custody requests through the API the way the people in the SOP do."""

from __future__ import annotations

from itertools import count

_serials = count(1)

CHECKLIST_OK = {"physical": True, "serial_matches": True, "rails": True, "psu": True, "accessories": True}
NIP_OFFICER = "198905052015031001"
NIP_CONTACT = "198402142010012003"


def submit(client, world, who: str = "contact_a", height_u: int = 2, power_w: int = 500, serial: str | None = None):
    serial = serial or f"CUST-{next(_serials):04d}"
    r = client.post("/api/v1/custody-requests", headers=world.auth(who), json={
        "letter_number": f"005/{serial}/2026", "letter_date": "2026-11-20",
        "server": {"brand": "Dell", "model": "PowerEdge R650", "serial_number": serial,
                   "height_u": height_u, "power_w": power_w, "purpose": "Aplikasi SIMPUS"}})
    assert r.status_code == 201, r.text
    return r.json()


def act(client, world, req_id: int, action: str, who: str, body: dict | None = None, expect: int = 200):
    r = client.post(f"/api/v1/custody-requests/{req_id}/actions/{action}", headers=world.auth(who), json=body)
    assert r.status_code == expect, f"{action} by {who}: {r.status_code} {r.text}"
    return r.json()


def to_assigned(client, world, req_id: int) -> dict:
    act(client, world, req_id, "head_dispose", "head", {"note": "Teruskan ke Kabid Aptika"})
    return act(client, world, req_id, "division_dispose", "division_head", {"officer": "officer"})


def to_handed_over(client, world, req_id: int, reserve: dict | None = None) -> dict:
    to_assigned(client, world, req_id)
    act(client, world, req_id, "reserve_space", "officer", reserve or {})
    act(client, world, req_id, "receive", "officer")
    act(client, world, req_id, "inspect", "officer", {"passed": True, "checklist": CHECKLIST_OK, "notes": "Lengkap"})
    act(client, world, req_id, "sign_handover", "officer",
        {"name": "Agus Prasetyo", "nip": NIP_OFFICER, "position": "Pranata Komputer"})
    return act(client, world, req_id, "sign_handover", "contact_a",
               {"name": "Ayu Kartika", "nip": NIP_CONTACT, "position": "Kepala Seksi Data"})


def release_body() -> dict:
    return {"signatures": [
        {"side": "officer", "name": "Agus Prasetyo", "nip": NIP_OFFICER, "position": "Pranata Komputer"},
        {"side": "unit_contact", "name": "Ayu Kartika", "nip": NIP_CONTACT, "position": "Kepala Seksi Data"}]}

"""Reserving, releasing and finding rack space, as an officer does it."""

from __future__ import annotations


def _reserve(client, world, rack, u_bottom, height_u, **extra):
    return client.post(f"/api/v1/racks/{world.ids[rack]}/reservations", headers=world.auth("officer"),
                       json={"u_bottom": u_bottom, "height_u": height_u, **extra})


def test_reservation_shows_in_elevation_and_frees_on_delete(client, world):
    r = _reserve(client, world, "rack1", 10, 2, server_id=world.ids["server_a"])
    assert r.status_code == 201, r.text
    alloc = r.json()
    assert (alloc["u_bottom"], alloc["u_top"], alloc["unit_code"]) == (10, 11, "DISKES")
    elev = client.get(f"/api/v1/racks/{world.ids['rack1']}/elevation", headers=world.auth("head")).json()
    states = {e["u"]: e["state"] for e in elev["units"]}
    assert [e["u"] for e in elev["units"]] == list(range(1, 43))  # bottom to top, numbered from 1
    assert states[10] == states[11] == "reserved" and states[9] == states[12] == "free"
    assert elev["units"][9]["holder"] == "DISKES" and "SN-A-001" in elev["units"][9]["label"]
    assert (elev["free_u"], elev["reserved_u"]) == (40, 2)
    d = client.delete(f"/api/v1/racks/{world.ids['rack1']}/reservations/{alloc['id']}", headers=world.auth("officer"))
    assert d.status_code == 200 and d.json()["status"] == "released"
    elev = client.get(f"/api/v1/racks/{world.ids['rack1']}/elevation", headers=world.auth("officer")).json()
    assert elev["free_u"] == 42


def test_overlap_is_409_naming_the_holder_and_changes_nothing(client, world):
    assert _reserve(client, world, "rack1", 10, 2, server_id=world.ids["server_a"]).status_code == 201
    r = _reserve(client, world, "rack1", 11, 3, note="titipan lain")
    assert r.status_code == 409
    body = r.json()
    assert "SN-A-001" in body["detail"] and "DISKES" in body["detail"]
    assert body["holder"]["u_bottom"] == 10 and body["holder"]["unit"] == "DISKES"
    elev = client.get(f"/api/v1/racks/{world.ids['rack1']}/elevation", headers=world.auth("officer")).json()
    assert elev["reserved_u"] == 2


def test_range_outside_rack_is_422(client, world):
    r = _reserve(client, world, "rack1", 42, 2)
    assert r.status_code == 422 and r.json()["field"] == "u_bottom"


def test_power_budget_is_respected(client, world):
    # rack1 has 5000 W; a 4500 W server fills it, the 750 W one no longer fits.
    big = client.post("/api/v1/servers", headers=world.auth("officer"), json={
        "unit_code": "DISKES", "brand": "Nvidia", "model": "DGX", "serial_number": "DGX-1",
        "height_u": 4, "power_w": 4500}).json()
    assert _reserve(client, world, "rack1", 1, 4, server_id=big["id"]).status_code == 201
    r = _reserve(client, world, "rack1", 20, 2, server_id=world.ids["server_a"])
    assert r.status_code == 409 and "power" in r.json()["detail"]
    slots = client.get(f"/api/v1/rooms/{world.ids['room']}/free-slots?height_u=2&power_w=750",
                       headers=world.auth("officer")).json()
    assert slots and {s["rack_name"] for s in slots} == {"R02"}


def test_free_slots_best_fit_first(client, world):
    # rack2: leave a 3 U hole at U5-U7; a 2 U server fits best there (least fragmentation).
    assert _reserve(client, world, "rack2", 1, 4, note="a").status_code == 201
    assert _reserve(client, world, "rack2", 8, 35, note="b").status_code == 201
    slots = client.get(f"/api/v1/rooms/{world.ids['room']}/free-slots?height_u=2",
                       headers=world.auth("officer")).json()
    best = slots[0]
    assert (best["rack_name"], best["u_bottom"], best["u_top"], best["leftover_u"]) == ("R02", 5, 6, 1)
    assert all(a["leftover_u"] <= b["leftover_u"] for a, b in zip(slots, slots[1:]))


def test_free_slots_bad_query_is_422(client, world):
    r = client.get(f"/api/v1/rooms/{world.ids['room']}/free-slots?height_u=0", headers=world.auth("officer"))
    assert r.status_code == 422 and r.json()["field"] == "height_u"
    r = client.get("/api/v1/rooms/999/free-slots?height_u=1", headers=world.auth("officer"))
    assert r.status_code == 404


def test_server_cannot_hold_two_places(client, world):
    assert _reserve(client, world, "rack1", 1, 2, server_id=world.ids["server_a"]).status_code == 201
    r = _reserve(client, world, "rack2", 1, 2, server_id=world.ids["server_a"])
    assert r.status_code == 409 and r.json()["field"] == "server_id"

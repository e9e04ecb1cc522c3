"""The set-up API as an admin, officer and contact person would use it."""

from __future__ import annotations


def test_login_with_password_gives_a_working_token(client, world):
    r = client.post("/api/v1/auth/token", data={"username": "officer", "password": "rahasia-123"})
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "officer" and me.json()["role"] == "officer"


def test_wrong_password_and_missing_token_are_401(client, world):
    r = client.post("/api/v1/auth/token", data={"username": "officer", "password": "salah"})
    assert r.status_code == 401 and "password" in r.json()["detail"]
    assert client.get("/api/v1/servers").status_code == 401
    assert client.get("/api/v1/servers", headers={"Authorization": "Bearer forged.token.x"}).status_code == 401


def test_admin_sets_up_units_users_rooms_racks(client, world):
    h = world.auth("admin")
    unit = client.post("/api/v1/units", json={"code": "DISDIK", "name": "Dinas Pendidikan"}, headers=h)
    assert unit.status_code == 201 and unit.json()["id"] > 0
    user = client.post("/api/v1/users", headers=h, json={
        "username": "cp.disdik", "password": "panjang-sekali", "role": "unit_contact",
        "full_name": "Budi", "nip": "198001012005011001", "unit_code": "DISDIK"})
    assert user.status_code == 201, user.text
    assert user.json()["unit_code"] == "DISDIK" and "password" not in user.text
    room = client.post("/api/v1/rooms", json={"name": "Ruang Cadangan"}, headers=h).json()
    rack = client.post("/api/v1/racks", headers=h, json={"room_id": room["id"], "name": "C01"})
    assert rack.status_code == 201 and rack.json()["height_u"] == 42
    listed = client.get("/api/v1/units?limit=2", headers=h).json()
    assert listed["total"] == 3 and len(listed["items"]) == 2


def test_duplicates_are_409_naming_the_field(client, world):
    h = world.auth("admin")
    r = client.post("/api/v1/units", json={"code": "DISKES", "name": "x"}, headers=h)
    assert r.status_code == 409 and r.json()["field"] == "code"
    r = client.post("/api/v1/servers", headers=world.auth("officer"), json={
        "unit_code": "DISKES", "brand": "Dell", "model": "R640", "serial_number": "SN-A-001",
        "height_u": 1, "power_w": 300})
    assert r.status_code == 409 and r.json()["field"] == "serial_number"


def test_bad_input_is_422_naming_the_field_and_writes_nothing(client, world):
    h = world.auth("officer")
    before = client.get("/api/v1/servers", headers=h).json()["total"]
    r = client.post("/api/v1/servers", headers=h, json={
        "unit_code": "DISKES", "brand": "Dell", "model": "R640", "serial_number": "X1",
        "height_u": 0, "power_w": 300})
    assert r.status_code == 422 and r.json()["field"] == "height_u"
    r = client.post("/api/v1/servers", headers=h, json={
        "unit_code": "DISKES", "brand": "Dell", "model": "R640", "serial_number": "X1",
        "height_u": 1, "power_w": 300, "management_ip": "999.1.1.1"})
    assert r.status_code == 422 and r.json()["field"] == "management_ip"
    r = client.post("/api/v1/servers", headers=h, json={
        "unit_code": "NOPE", "brand": "Dell", "model": "R640", "serial_number": "X1",
        "height_u": 1, "power_w": 300})
    assert r.status_code == 422 and r.json()["field"] == "unit_code"
    assert client.get("/api/v1/servers", headers=h).json()["total"] == before


def test_contact_person_sees_and_changes_only_own_unit(client, world):
    ha = world.auth("contact_a")
    listed = client.get("/api/v1/servers", headers=ha).json()
    assert [s["serial_number"] for s in listed["items"]] == ["SN-A-001"]
    other = world.ids["server_b"]
    assert client.get(f"/api/v1/servers/{other}", headers=ha).status_code == 404
    assert client.patch(f"/api/v1/servers/{other}", json={"hostname": "x"}, headers=ha).status_code == 404
    own = world.ids["server_a"]
    r = client.patch(f"/api/v1/servers/{own}", json={"hostname": "simpus.diskes.go.id"}, headers=ha)
    assert r.status_code == 200 and r.json()["hostname"] == "simpus.diskes.go.id"
    r = client.post("/api/v1/servers", headers=ha, json={
        "unit_code": "BAPPEDA", "brand": "Dell", "model": "R640", "serial_number": "X2",
        "height_u": 1, "power_w": 300})
    assert r.status_code == 403


def test_users_are_deactivated_not_deleted(client, world):
    h = world.auth("admin")
    r = client.delete(f"/api/v1/users/{world.ids['helpdesk']}", headers=h)
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert client.get("/api/v1/auth/me", headers=world.auth("helpdesk")).status_code == 401
    assert client.get(f"/api/v1/users/{world.ids['helpdesk']}", headers=h).status_code == 200


def test_room_with_racks_cannot_be_deleted(client, world):
    r = client.delete(f"/api/v1/rooms/{world.ids['room']}", headers=world.auth("admin"))
    assert r.status_code == 409 and "rack" in r.json()["detail"]


def test_openapi_is_served(client):
    spec = client.get("/openapi.json").json()
    assert "/api/v1/racks/{rack_id}/elevation" in spec["paths"]

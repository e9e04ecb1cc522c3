"""The office set-up in pages: units, users, rooms and racks, agents and targets, asset data and the
audit trail, each with the API's role rule (and its services' refusals shown to people)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from controller.models import CollectionTarget, Rack, Unit, User
from controller.models.assets import AssetRecord
from controller.services import space
from tests.integration.test_web_pages import Browser


def flash(page: str) -> str:
    return " ".join(re.findall(r'<div class="flash[^"]*" role="status">(.*?)</div>', page, re.S))


def test_admin_creates_a_unit_a_rack_and_a_user(app, world):
    admin = Browser(app, "admin")
    home = admin.get("/requests").text
    assert 'href="/admin"' in home and "Administrasi" in home
    r = admin.post("/admin/units", {"code": "DISDIK", "name": "Dinas Pendidikan"})
    assert r.status_code == 303
    units = admin.get("/admin/units").text
    assert "Unit kerja sudah dibuat." in flash(units) and 'data-unit="DISDIK"' in units
    r = admin.post("/admin/units", {"code": "DISDIK", "name": "Lagi"})
    assert "Perubahan bertentangan" in flash(admin.get("/admin/units").text)

    admin.post("/admin/racks", {"room_id": str(world.ids["room"]), "name": "R09", "height_u": "45",
                                "power_capacity_w": "6000"})
    racks = admin.get("/admin/racks").text
    assert "Rak sudah dibuat." in flash(racks) and 'data-rack="R09"' in racks
    with app.state.sessions() as s:
        rack = s.scalar(select(Rack).where(Rack.name == "R09"))
        assert (rack.height_u, rack.power_capacity_w) == (45, 6000)

    r = admin.post("/admin/users", {"username": "cp.disdik", "full_name": "Siti Aminah", "role": "unit_contact",
                                    "unit_code": "DISDIK", "password": "kopi-pagi-di-balai-kota"})
    assert r.status_code == 303
    assert "Pengguna sudah dibuat." in flash(admin.get("/admin/users").text)
    anon = TestClient(app, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', anon.get("/login").text).group(1)
    r = anon.post("/login", data={"username": "cp.disdik", "password": "kopi-pagi-di-balai-kota",
                                  "csrf_token": token})
    assert r.status_code == 303   # the new contact person logs in

    # A weak password is refused in Indonesian; nothing is created.
    admin.post("/admin/users", {"username": "lemah", "full_name": "Lemah", "role": "officer", "password": "pendek"})
    assert "kata sandi" in flash(admin.get("/admin/users").text).lower()
    with app.state.sessions() as s:
        assert s.scalar(select(User).where(User.username == "lemah")) is None
        uid = s.scalar(select(User.id).where(User.username == "cp.disdik"))
    admin.post(f"/admin/users/{uid}/password", {"password": "cp.disdik-123456"})
    assert "Kata sandi tidak boleh memuat nama pengguna." in flash(admin.get("/admin/users").text)
    admin.post(f"/admin/users/{uid}/password", {"password": "teh-sore-di-alun-alun"})
    assert "Kata sandi sudah diatur ulang" in flash(admin.get("/admin/users").text)
    admin.post(f"/admin/users/{uid}/deactivate")
    assert "dinonaktifkan" in flash(admin.get("/admin/users").text)
    anon = TestClient(app, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', anon.get("/login").text).group(1)
    r = anon.post("/login", data={"username": "cp.disdik", "password": "teh-sore-di-alun-alun",
                                  "csrf_token": token})
    assert r.status_code == 401


def test_rack_capacity_below_its_load_is_refused_with_the_services_message(app, world):
    with app.state.sessions() as s:
        officer = s.get(User, world.ids["officer"])
        space.reserve(s, officer, world.ids["rack1"], 1, 2, server_id=world.ids["server_a"])
        s.commit()
    admin = Browser(app, "admin")
    admin.post(f"/admin/racks/{world.ids['rack1']}", {"name": "R01", "height_u": "42", "power_capacity_w": "500"})
    text = flash(admin.get("/admin/racks").text)
    assert "Perubahan bertentangan" in text and "750 W" in text
    with app.state.sessions() as s:
        assert s.get(Rack, world.ids["rack1"]).power_capacity_w == 5000
    admin.post(f"/admin/racks/{world.ids['rack1']}", {"name": "R01", "height_u": "42", "power_capacity_w": ""})
    with app.state.sessions() as s:
        assert s.get(Rack, world.ids["rack1"]).power_capacity_w is None   # empty: no limit


def test_roles_keep_to_their_own_admin_pages(app, world):
    people = {who: Browser(app, who) for who in ("officer", "head", "helpdesk", "contact_a")}
    admin_only = ("/admin", "/admin/units", "/admin/users", "/admin/racks", "/admin/import")
    for who, b in people.items():
        for path in admin_only:
            assert b.get(path).status_code == 403, (who, path)
        assert b.post("/admin/units", {"code": "X", "name": "X"}).status_code == 403, who
        assert b.post("/admin/racks", {"room_id": "1", "name": "X"}).status_code == 403, who
    assert people["officer"].get("/admin/servers").status_code == 200
    assert 'href="/admin/servers"' in people["officer"].get("/requests").text
    assert people["head"].get("/admin/audit").status_code == 200
    for who in ("head", "helpdesk", "contact_a"):
        assert people[who].get(f"/admin/servers/{world.ids['server_a']}").status_code == 403, who
    for who in ("officer", "helpdesk", "contact_a"):
        assert people[who].get("/admin/audit").status_code == 403, who
    with app.state.sessions() as s:
        assert s.scalar(select(Unit).where(Unit.code == "X")) is None


def test_enrolment_token_shown_once_and_the_agent_enrols_with_it(app, world):
    officer = Browser(app, "officer")
    sid = world.ids["server_a"]
    r = officer.post(f"/admin/servers/{sid}/enrollment-token")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    token = re.search(r'id="enrollment-token">(titip_enr_[^<]+)<', r.text).group(1)
    command = re.search(r'id="enroll-command">([^<]+)<', r.text).group(1)
    assert command == f"titip-agent enroll --controller http://testserver --token {token} --allow-insecure-http"
    again = officer.get(f"/admin/servers/{sid}").text
    assert token not in again and "Belum ada agen" in again

    agent = TestClient(app)
    r = agent.post("/api/v1/agents/enroll", json={"token": token, "hostname": "srv-a"})
    assert r.status_code == 200 and r.json()["credential"]
    assert agent.post("/api/v1/agents/enroll", json={"token": token, "hostname": "srv-a"}).status_code == 401
    assert "srv-a" in officer.get(f"/admin/servers/{sid}").text


def test_a_target_secret_is_never_shown_again(app, world):
    officer = Browser(app, "officer")
    sid = world.ids["server_a"]
    secret = "komunitas-rahasia-7731"
    r = officer.post(f"/admin/servers/{sid}/targets", {"kind": "snmp", "role": "server", "address": "127.0.0.1",
                                                      "port": "16161", "version": "2c", "community": secret,
                                                      "password": "ignored-for-snmp"})
    assert r.status_code == 303
    page = officer.get(f"/admin/servers/{sid}").text
    assert "rahasianya disimpan tersegel" in flash(page)
    assert "127.0.0.1:16161" in page and secret not in page
    api = TestClient(app).get(f"/api/v1/servers/{sid}/targets", headers=world.auth("officer")).text
    assert "127.0.0.1" in api and secret not in api
    with app.state.sessions() as s:
        t = s.scalar(select(CollectionTarget).where(CollectionTarget.server_id == sid))
        assert secret.encode() not in (t.secrets if isinstance(t.secrets, bytes) else str(t.secrets).encode())
    # v3 without its keys is refused with the field named, nothing added
    officer.post(f"/admin/servers/{sid}/targets", {"kind": "snmp", "address": "127.0.0.2", "version": "3"})
    assert "Pengguna SNMPv3 tidak valid" in flash(officer.get(f"/admin/servers/{sid}").text)
    with app.state.sessions() as s:
        assert len(s.scalars(select(CollectionTarget).where(CollectionTarget.server_id == sid)).all()) == 1


def test_asset_data_from_the_page(app, world):
    officer = Browser(app, "officer")
    sid = world.ids["server_b"]
    officer.post(f"/admin/servers/{sid}/asset", {"asset_code": "1.3.2.10.01.02.001", "nup": "0042", "owner": "unit",
                                                 "acquired_on": "2024-03-01"})
    assert "Tanggal perolehan tidak valid" in flash(officer.get(f"/admin/servers/{sid}").text)   # unit-owned
    officer.post(f"/admin/servers/{sid}/asset", {"asset_code": "1.3.2.10.01.02.001", "nup": "0042", "owner": "office",
                                                 "acquired_on": "2024-03-01", "acquisition_value": "125000000"})
    page = officer.get(f"/admin/servers/{sid}").text
    assert "Data aset sudah disimpan." in flash(page) and 'value="0042"' in page
    with app.state.sessions() as s:
        rec = s.scalar(select(AssetRecord).where(AssetRecord.server_id == sid))
        assert (rec.nup, rec.owner, rec.acquired_on) == ("0042", "office", date(2024, 3, 1))
    assert "0042" in Browser(app, "admin").get("/assets").text


def test_the_audit_page_filters_and_verifies(app, world):
    admin = Browser(app, "admin")
    admin.post("/admin/units", {"code": "DISDIK", "name": "Dinas Pendidikan"})
    page = admin.get("/admin/audit?entity=unit").text
    entities = set(re.findall(r'<tr data-seq="\d+" data-entity="([^"]+)"', page))
    assert entities == {"unit"}
    actors = set(re.findall(r'data-entity="unit" data-actor="([^"]+)"', page))
    assert actors == {"test-setup", "admin"}
    page = admin.get("/admin/audit?entity=unit&actor=admin").text
    assert len(re.findall(r"<tr data-seq=", page)) == 1
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    assert "Tidak ada kejadian yang cocok." in admin.get(f"/admin/audit?from={tomorrow}").text
    today = (date.today() - timedelta(days=1)).isoformat()
    # One creation event per user the test world made (every role, a contact per unit): no more, no less.
    from sqlalchemy import func, select

    from controller.db import unit_of_work
    from controller.models import User

    with unit_of_work(app.state.sessions, "test") as s:
        users = s.scalar(select(func.count()).select_from(User))
    assert users >= 7
    assert len(re.findall(r"<tr data-seq=", admin.get(f"/admin/audit?from={today}&entity=user").text)) == users
    r = admin.post("/admin/audit/verify")
    assert r.status_code == 200 and 'data-verified="ok"' in r.text and "Jejak audit utuh" in r.text
    assert admin.get("/admin/audit?from=kemarin").status_code in (400, 404, 422)


def test_reconciliation_download_and_the_english_admin_menu(app, world):
    from io import BytesIO

    from openpyxl import load_workbook

    officer = Browser(app, "officer")
    r = officer.get("/admin/reconciliation.xlsx?period=2026-11")
    assert r.status_code == 200 and r.headers["content-disposition"].endswith('rekonsiliasi_2026-11.xlsx"')
    serials = {c.value for row in load_workbook(BytesIO(r.content)).active.iter_rows() for c in row}
    assert {"SN-A-001", "SN-B-001"} <= serials
    assert officer.get("/admin/reconciliation.xlsx?period=2026-13").status_code == 404
    assert Browser(app, "contact_a").get("/admin/reconciliation.xlsx?period=2026-11").status_code == 403
    admin = Browser(app, "admin")
    admin.get("/lang/en?next=/admin")
    page = admin.get("/admin").text
    assert '<html lang="en">' in page and "Take over an existing server room" in page

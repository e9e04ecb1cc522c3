"""The pages over HTTP without a browser: role and unit checks, CSRF, forms into the same services.

The browser walk is in tests/e2e; these run on SQLite and PostgreSQL and cover every page for
the rules the API's role matrix covers for the API.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.support import custody as flow

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A TestClient with its own cookie jar, logged in as one person."""

    def __init__(self, app, who: str | None) -> None:
        self.client = TestClient(app, follow_redirects=False)
        self.token = ""
        if who:
            self.token = TOKEN.search(self.client.get("/login").text).group(1)
            r = self.client.post("/login", data={"username": who, "password": "rahasia-123",
                                                 "csrf_token": self.token})
            assert r.status_code == 303, r.text
            self.token = TOKEN.search(self.get("/requests").text).group(1)

    def get(self, path: str, **kw):
        return self.client.get(path, **kw)

    def post(self, path: str, data: dict | None = None, csrf: bool = True, **kw):
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.token
        return self.client.post(path, data=data, **kw)

    def act(self, rid: int, action: str, data: dict | None = None) -> str:
        r = self.post(f"/requests/{rid}/actions/{action}", data)
        assert r.status_code == 303, r.text
        return self.get(r.headers["location"]).text


def file_request(b: Browser, serial: str = "WEB-0001", letter: bytes | None = PDF) -> int:
    files = {"letter_file": ("surat.pdf", letter, "application/pdf")} if letter is not None else None
    r = b.post("/requests", {"letter_number": "005/77/DINKES/2026", "letter_date": "2026-11-20", "brand": "Dell",
                             "model": "PowerEdge R650", "serial_number": serial, "height_u": "2", "power_w": "500",
                             "purpose": "SIMPUS"}, files=files)
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


@pytest.fixture
def people(app, world):
    return {who: Browser(app, who) for who in
            ("admin", "head", "division_head", "officer", "helpdesk", "contact_a", "contact_b")}


def test_login_is_required_and_wrong_password_is_refused(app, world):
    anon = Browser(app, None)
    r = anon.get("/requests/1")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/requests/1"
    page = anon.get("/login")
    assert '<html lang="id">' in page.text and "Masuk" in page.text
    token = TOKEN.search(page.text).group(1)
    bad = anon.client.post("/login", data={"username": "officer", "password": "salah", "csrf_token": token})
    assert bad.status_code == 401 and "Nama pengguna atau kata sandi salah" in bad.text
    good = anon.client.post("/login", data={"username": "officer", "password": "rahasia-123",
                                            "csrf_token": token, "next": "//evil.example/"})
    assert good.status_code == 303 and good.headers["location"] == "/queue"  # not another site
    header = good.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header


def test_every_post_needs_the_csrf_token(app, world, people):
    officer = people["officer"]
    rid = flow.submit(TestClient(app), world)["id"]
    for path in ("/logout", "/notifications/read", "/requests", f"/requests/{rid}/actions/head_dispose"):
        assert officer.post(path, csrf=False).status_code == 403, path
        assert officer.post(path, {"csrf_token": "forged"}, csrf=False).status_code == 403, path
    anon = Browser(app, None)
    assert anon.client.post("/login", data={"username": "officer", "password": "rahasia-123"}).status_code == 403
    assert "tidak berasal dari Titip" in officer.post("/logout", csrf=False).text


def test_pages_keep_roles_and_units(app, world, people):
    rid = file_request(people["contact_a"])
    a, b = people["contact_a"], people["contact_b"]
    letter = re.search(r'href="/documents/(\d+)" data-doc="letter"', a.get(f"/requests/{rid}").text).group(1)
    assert a.get(f"/documents/{letter}").content == PDF
    for path in (f"/requests/{rid}", f"/documents/{letter}"):
        assert b.get(path).status_code == 404, path
    assert b.post(f"/requests/{rid}/actions/confirm_access", {"ok": "1"}).status_code == 404
    for path in ("/requests", "/servers", "/documents"):
        text = b.get(path).text
        assert "WEB-0001" not in text and "SN-A-001" not in text and "DISKES" not in text, path
    assert "SN-B-001" in b.get("/servers").text
    # Staff pages are refused to every contact person by role, whichever request or room they name.
    for path in ("/rooms", f"/rooms/{world.ids['room']}", "/queue", "/inbox", f"/requests/{rid}/space",
                 f"/requests/{rid}/space/confirm?rack_id={world.ids['rack1']}&u_bottom=1"):
        assert a.get(path).status_code == 403 and b.get(path).status_code == 403, path
    assert people["head"].get("/queue").status_code == 403
    assert people["officer"].get("/inbox").status_code == 403
    assert people["officer"].get("/requests/new").status_code == 403
    assert people["helpdesk"].get(f"/rooms/{world.ids['room']}").status_code == 200
    assert people["admin"].get(f"/requests/{rid}").status_code == 200


def test_the_whole_intake_through_forms(app, world, people, web_service):
    a, officer = people["contact_a"], people["officer"]
    rid = file_request(a)
    assert "Permohonan diajukan" in a.get(f"/requests/{rid}").text
    inbox = people["head"].get("/inbox").text
    assert f'data-request="{rid}"' in inbox and 'data-doc="letter"' in inbox
    assert "Didisposisi Kepala Dinas" in people["head"].act(rid, "head_dispose", {"next": "/inbox"})
    people["division_head"].act(rid, "division_dispose", {"officer": "officer"})
    queue = officer.get("/queue").text
    assert f'data-request="{rid}"' in queue
    space = officer.get(f"/requests/{rid}/space").text
    assert f'href="/requests/{rid}/space/confirm?rack_id={world.ids["rack2"]}&amp;u_bottom=10"' in space
    officer.get(f"/requests/{rid}/space/confirm?rack_id={world.ids['rack2']}&u_bottom=10")
    page = officer.act(rid, "reserve_space", {"rack_id": world.ids["rack2"], "u_bottom": "10"})
    assert "Ruang tersedia" in page and "U10–U11" in page
    officer.act(rid, "receive")
    checks = {f"check_{k}": "1" for k in flow.CHECKLIST_OK}
    officer.act(rid, "inspect", {"passed": "1", **checks})
    sign = {"name": "Agus Prasetyo", "nip": flow.NIP_OFFICER, "position": "Pranata Komputer"}
    officer.act(rid, "sign_handover", sign)
    page = a.act(rid, "sign_handover", {**sign, "name": "Ayu Kartika", "nip": flow.NIP_CONTACT})
    assert "Serah terima ditandatangani" in page and 'data-doc="handover"' in page
    officer.act(rid, "place")
    room = officer.get(f"/rooms/{world.ids['room']}").text
    assert 'data-rack="R02" data-u="10" data-state="occupied"' in room
    page = officer.act(rid, "configure", {"management_ip": "127.0.0.1", "ports": str(web_service),
                                          "urls": f"http://127.0.0.1:{web_service}/"})
    assert "Sudah dikonfigurasi" in page and page.count('<span class="badge b-green">OK</span>') == 2
    servers = a.get("/servers").text
    assert 'data-reach="ok"' in servers
    r = a.post(f"/requests/{rid}/actions/confirm_access", {"ok": "1", "next": "/servers"})
    assert r.headers["location"] == "/servers"
    assert "Aktif" in a.get(f"/requests/{rid}").text
    notes = a.get("/notifications").text
    assert "sudah dapat diakses" in notes


def test_errors_are_messages_not_crashes(app, world, people):
    a, officer = people["contact_a"], people["officer"]
    rid = file_request(a, letter=None)
    page = officer.act(rid, "receive")
    assert "tidak dapat dilakukan pada status permohonan saat ini" in page
    page = a.act(rid, "head_dispose")
    assert "Peran Anda tidak berwenang" in page
    bad = a.post("/requests", {"letter_number": "1", "letter_date": "2026-11-20", "brand": "X", "model": "Y",
                               "serial_number": "Z-1", "height_u": "2", "power_w": "10"},
                 files={"letter_file": ("surat.pdf", b"not a pdf", "application/pdf")})
    assert bad.status_code == 422 and "Isian Pindaian surat (PDF) tidak valid" in bad.text
    assert "Z-1" not in a.get("/requests").text  # the letter failed, so nothing was filed
    dup = a.post("/requests", {"letter_number": "1", "letter_date": "2026-11-20", "brand": "X", "model": "Y",
                               "serial_number": "WEB-0001", "height_u": "2", "power_w": "10"})
    assert dup.status_code == 422 and "bertentangan" in dup.text


def test_english_after_the_switch(app, world, people):
    a = people["contact_a"]
    r = a.get("/lang/en?next=/servers")
    assert r.status_code == 303 and r.headers["location"] == "/servers"
    page = a.get("/servers").text
    assert '<html lang="en">' in page and "Servers of Dinas Kesehatan" in page and "Good" in page
    a.get("/lang/id?next=/servers")
    page = a.get("/servers").text
    assert '<html lang="id">' in page and "Server Dinas Kesehatan" in page and "Baik" in page


def test_findings_and_the_monthly_inventory(app, world, people):
    from controller.db import unit_of_work
    from controller.models import Finding, InventoryRun

    with unit_of_work(app.state.sessions, actor="test-setup") as s:
        s.add(Finding(server_id=world.ids["server_a"], kind="drift", field="memory_total",
                      recorded="34359738368", observed="17179869184", source="agent"))
        s.add(Finding(server_id=world.ids["server_b"], kind="placeholder_serial", field="serial_number",
                      recorded="SN-B-001", observed="To Be Filled By O.E.M.", source="snmp"))
        s.add(InventoryRun(period="2026-10", status="completed", started_by="system", total=0, reached=0))
    officer, head, a = people["officer"], people["head"], people["contact_a"]
    page = head.get("/findings").text
    assert "Perangkat keras berbeda dari catatan" in page and "/accept" not in page  # staff read, officers decide
    assert head.post("/findings/1/accept").status_code == 403
    for path in ("/findings", "/inventory", "/inventory/2026-10", "/inventory/2026-10/form.pdf"):
        assert a.get(path).status_code == 403, path
    r = officer.post("/findings/1/accept", {"note": "RAM diganti unit"})
    assert r.headers["location"] == "/findings"
    page = officer.get("/findings?show=all").text
    assert "Temuan diterima." in page and "Diterima" in page and "RAM diganti unit" in page
    again = officer.post("/findings/1/reject")
    assert "bertentangan" in officer.get(again.headers["location"]).text
    assert officer.get("/inventory/2026-13").status_code == 404  # a malformed period is no page
    assert officer.get("/inventory/2026-09").status_code == 404
    assert officer.get("/requests/99999999999").status_code == 404
    assert "Selesai, menunggu tanda tangan" in officer.get("/inventory").text
    bad = officer.post("/inventory/2026-10/sign", {"name": "Agus", "nip": "123", "position": "Pranata Komputer"})
    assert "Isian NIP tidak valid" in officer.get(bad.headers["location"]).text
    officer.post("/inventory/2026-10/sign", {"name": "Agus Prasetyo", "nip": flow.NIP_OFFICER,
                                             "position": "Pranata Komputer"})
    page = officer.get("/inventory/2026-10").text
    assert "Ditandatangani oleh Agus Prasetyo" in page
    pdf = officer.get("/inventory/2026-10/form.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_a_session_ends_with_the_account_or_its_password(app, world, people):
    from controller.db import unit_of_work
    from controller.services import setup

    a, b = people["contact_a"], people["contact_b"]
    with unit_of_work(app.state.sessions, actor="admin") as s:
        setup.update_user(s, world.ids["contact_a"], {"password": "kata-sandi-baru-1"})
        setup.deactivate_user(s, world.ids["contact_b"])
    for who in (a, b):
        r = who.get("/servers")
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), r.text


def test_the_asset_register_and_the_asset_card(app, world, people):
    a, b, officer = people["contact_a"], people["contact_b"], people["officer"]
    for who in (a, b):
        assert who.get("/assets").status_code in (403, 404)
    r = TestClient(app).post("/api/v1/maintenance-cases", headers=world.auth("officer"), json={
        "server_id": world.ids["server_a"], "kind": "repair", "analysis": "Kipas PSU berisik"})
    assert r.status_code == 201, r.text
    page = officer.get("/assets").text
    assert "SN-A-001" in page and "SN-B-001" in page
    assert f'href="/servers/{world.ids["server_a"]}/asset-card.pdf"' in page
    assert f'data-case="maintenance-{r.json()["id"]}"' in page and "Telaahan diajukan" in page
    assert people["head"].get("/assets").status_code == 200
    card = f"/servers/{world.ids['server_a']}/asset-card.pdf"
    for who in (officer, people["helpdesk"], a):
        got = who.get(card)
        assert got.status_code == 200 and got.content.startswith(b"%PDF-"), got.text[:200]
    assert b.get(card).status_code == 404
    assert officer.get("/servers/999999/asset-card.pdf").status_code == 404
    assert f'href="{card}"' in a.get("/servers").text

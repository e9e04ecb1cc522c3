"""Issue 13, obs. 8 and 12: what people and devices send is bounded and clean, and every answer
carries the security headers."""

from __future__ import annotations

import json
import re

import pytest

from tests.support.world import enrol_agent

ADMIN_PASSWORD = "kuda-lumping-hijau-7"


def _json(value) -> dict:
    """A body as an attacker writes it: lone surrogates as \\u escapes (httpx would refuse to encode them)."""
    return {"content": json.dumps(value), "headers": {"Content-Type": "application/json"}}


# --- control characters and surrogates -----------------------------------------------------------

@pytest.mark.parametrize("text", ["a\u0000", "a\u0007b", "x\u001b[31m", "a\u007f", "\ud800", "b\udfffc"])
def test_control_characters_and_lone_surrogates_in_json_are_422_naming_the_field(client, world, text):
    body = _json({"code": "DINKES", "name": text})
    r = client.post("/api/v1/units", content=body["content"], headers={**body["headers"], **world.auth("admin")})
    assert r.status_code == 422 and r.json()["field"] == "name", r.text
    assert client.get("/api/v1/units", headers=world.auth("admin")).status_code == 200


def test_raw_surrogate_escapes_in_a_body_are_422_not_500(client, world):
    body = b'{"code": "DINKES", "name": "a\\ud83d"}'
    r = client.post("/api/v1/units", content=body,
                    headers={**world.auth("admin"), "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == "name"


def test_nul_before_authentication_is_422_on_login_enrol_and_query_parameters(client, world):
    r = client.post("/api/v1/auth/token", data={"username": "admin\u0000", "password": "x"})
    assert r.status_code == 422 and r.json()["field"] == "username"
    r = client.post("/api/v1/agents/enroll", json={"token": "titip_enr_\u0000aaaaaaaaaa"})
    assert r.status_code == 422 and r.json()["field"] == "token"
    r = client.get("/api/v1/servers?q=%00abc", headers=world.auth("admin"))
    assert r.status_code == 422 and r.json()["field"] == "q"
    r = client.get("/login?next=/%00")
    assert r.status_code == 422
    # Tabs and new lines are text, not control: notes have lines.
    r = client.post("/api/v1/units", json={"code": "DINKES", "name": "Dinas\tKesehatan\r\nKab."},
                    headers=world.auth("admin"))
    assert r.status_code == 201, r.text


def test_what_a_device_sends_is_stripped_not_refused(client, world):
    agent = enrol_agent(client, world)
    body = _json({"report_id": "hb-0000000011", "kind": "heartbeat",
                  "payload": {"source": "agent", "hostname": "srv\u0000-a\ud800", "agent_version": "1.0\u0007"}})
    r = client.post("/api/v1/agents/reports", content=body["content"], headers={**body["headers"], **agent})
    assert r.status_code == 200, r.text
    sid = world.ids["server_a"]
    seen = client.get(f"/api/v1/servers/{sid}", headers=world.auth("officer")).json()
    assert seen["monitoring"]["condition"]["hostname"] == "srv-a"


# --- heartbeat numbers and times ------------------------------------------------------------------

@pytest.mark.parametrize("payload,field", [
    ({"memory": {"total_bytes": 1e30}}, "payload.memory.total_bytes"),
    ({"memory": {"used_percent": -5}}, "payload.memory.used_percent"),
    ({"cpu": {"percent": 250.0}}, "payload.cpu.percent"),
    ({"temperatures": [{"sensor": "cpu", "celsius": -400}]}, "payload.temperatures.0.celsius"),
    ({"uptime_seconds": -1}, "payload.uptime_seconds"),
    ({"collected_at": "garbage"}, "payload.collected_at"),
    ({"collected_at": "2026-11-23T18:00:00"}, "payload.collected_at"),     # no zone: which time?
])
def test_heartbeat_numbers_within_physical_ranges_and_times_parsed(client, world, payload, field):
    agent = enrol_agent(client, world)
    r = client.post("/api/v1/agents/reports", headers=agent, json={
        "report_id": "hb-0000000021", "kind": "heartbeat", "payload": {"source": "agent", "hostname": "srv-a",
                                                                      **payload}})
    assert r.status_code == 422 and r.json()["field"] == field, r.text


def test_a_sane_heartbeat_still_goes_through(client, world):
    agent = enrol_agent(client, world)
    r = client.post("/api/v1/agents/reports", headers=agent, json={
        "report_id": "hb-0000000031", "kind": "heartbeat", "payload": {
            "source": "agent", "hostname": "srv-a", "collected_at": "2026-11-23T18:00:00Z",
            "cpu": {"percent": 100.0, "load_1": 3.5}, "memory": {"total_bytes": 2**40, "used_percent": 0},
            "temperatures": [{"sensor": "cpu", "celsius": -10.5}]}})
    assert r.status_code == 200, r.text


# --- periods ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("period", ["0000-01", "9999-12", "1999-12"])
def test_inventory_periods_outside_a_sensible_window_are_422(client, world, period):
    r = client.post("/api/v1/inventory-runs", json={"period": period}, headers=world.auth("officer"))
    assert r.status_code == 422 and r.json()["field"] == "period", r.text
    assert "2000-01" in r.json()["detail"]


# --- passwords ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("password,why", [
    ("12345678", "12 characters"), ("password", "12 characters"), ("passwordpassword", "commonly used"),
    ("123456789012", "commonly used"), ("admin.kedua-2026", "username"), ("zzzzzzzzzzzzzzzz", "repetitive"),
])
def test_weak_staff_passwords_are_refused_on_create_and_change(client, world, password, why):
    r = client.post("/api/v1/users", headers=world.auth("admin"), json={
        "username": "admin.kedua", "password": password, "role": "admin", "full_name": "Admin Kedua"})
    assert r.status_code == 422 and r.json()["field"] == "password" and why in r.json()["detail"], r.text
    r = client.patch(f"/api/v1/users/{world.ids['officer']}", headers=world.auth("admin"),
                     json={"password": password.replace("admin.kedua", "officer")})
    assert r.status_code == 422 and r.json()["field"] == "password", r.text


def test_a_long_uncommon_passphrase_is_accepted(client, world):
    r = client.post("/api/v1/users", headers=world.auth("admin"), json={
        "username": "admin.kedua", "password": ADMIN_PASSWORD, "role": "admin", "full_name": "Admin Kedua"})
    assert r.status_code == 201, r.text


# --- security headers ----------------------------------------------------------------------------------

TEMPLATES = __import__("pathlib").Path(__file__).parents[2] / "controller" / "web" / "templates"


@pytest.mark.parametrize("path", ["/login", "/api/v1/units", "/healthz", "/nowhere", "/static/titip.css"])
def test_every_answer_carries_the_security_headers(client, world, path):
    r = client.get(path, headers=world.auth("admin"))
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in \
        csp.split("script-src", 1)[1].split(";", 1)[0]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in r.headers      # plain HTTP: HSTS would mean nothing


def test_hsts_when_the_request_came_over_https(app, world):
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="https://titip.example") as c:
        assert "max-age=" in c.get("/login").headers["strict-transport-security"]


def test_no_template_has_inline_script_or_event_handlers():
    """The CSP allows no inline script: a template with one would break in the browser."""
    for path in TEMPLATES.glob("*.html"):
        html = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path.name
        assert not re.search(r"\son[a-z]+\s*=", html), path.name


def test_a_control_character_in_a_multipart_web_form_is_refused_not_stored(app, world):
    from tests.integration.test_web_pages import PDF, Browser

    contact = Browser(app, "contact_a")
    r = contact.post("/requests", {"letter_number": "005/77/DINKES/2026", "letter_date": "2026-11-20",
                                   "brand": "Dell\u0000", "model": "PowerEdge R650", "serial_number": "WEB-NUL-1",
                                   "height_u": "2", "power_w": "500", "purpose": "SIMPUS"},
                     files={"letter_file": ("surat.pdf", PDF, "application/pdf")})
    assert r.status_code == 422 and "control characters" in r.text, r.text   # the form again, saying why
    with app.state.sessions() as s:
        from sqlalchemy import func, select

        from controller.models import CustodyRequest
        assert s.scalar(select(func.count()).select_from(CustodyRequest)) == 0

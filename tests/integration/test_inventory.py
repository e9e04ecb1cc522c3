"""The monthly inventory: agent, SSH and SNMP sources, one run per period, resume, the form."""

from __future__ import annotations

import io
import shutil
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select, text

from controller import jobs
from controller.db import unit_of_work
from controller.domain.choices import AllocationStatus
from controller.models import InventoryItem, User
from controller.scheduler import monthly_trigger
from controller.services import inventory, servers, space
from tests.support.postgres import free_port
from tests.support.snmp import COMMUNITY, V3_AUTH, V3_PRIV, V3_USER, start_snmpd
from tests.support.sshd import start_sshd

SERIALS = {"agent": "INV-AGENT", "ssh": "INV-SSH", "snmp": "INV-SNMP", "dead": "INV-DEAD"}


@pytest.fixture(scope="module")
def snmpd():
    agent = start_snmpd(sys_name="srv-snmp")
    yield agent
    agent.stop()


@pytest.fixture
def sshd():
    daemon = start_sshd()
    yield daemon
    daemon.stop()


@pytest.fixture
def room(app, client, world, snmpd, sshd):
    """Four placed servers, each reachable a different way (or not at all)."""
    ids = {}
    with unit_of_work(app.state.sessions, "officer") as s:
        officer = s.get(User, world.ids["officer"])
        for u, (key, serial) in enumerate(SERIALS.items()):
            srv = servers.create_server(s, officer, dict(unit_code="DISKES", brand="Dell", model="R650",
                                                         serial_number=serial, height_u=1, power_w=300,
                                                         management_ip="127.0.0.1"))
            space.reserve(s, officer, world.ids["rack2"], 30 + u, 1, srv.id, status=AllocationStatus.occupied)
            ids[key] = srv.id
    h = world.auth("officer")
    token = client.post(f"/api/v1/servers/{ids['agent']}/enrollment-tokens", headers=h).json()["token"]
    cred = client.post("/api/v1/agents/enroll", json={"token": token}).json()["credential"]
    inv = {"source": "agent", "hostname": "srv-agent", "memory_bytes": 64 * 2**30,
           "cpu": {"model": "Xeon", "cores": 16}, "dmi": {"serial": "INV-AGENT"}}
    r = client.post("/api/v1/agents/reports", headers={"Authorization": f"Bearer {cred}"},
                    json={"report_id": "inv-agent-0001", "kind": "inventory", "payload": inv})
    assert r.status_code == 200, r.text
    key = sshd.client_key.read_text()
    assert client.post(f"/api/v1/servers/{ids['ssh']}/targets", headers=h, json={
        "kind": "ssh", "address": "127.0.0.1", "port": sshd.port, "username": sshd.user,
        "private_key": key}).status_code == 201
    assert client.post(f"/api/v1/servers/{ids['snmp']}/targets", headers=h, json={
        "kind": "snmp", "address": "127.0.0.1", "port": snmpd.port, "version": "3", "user": V3_USER,
        "auth_key": V3_AUTH, "priv_key": V3_PRIV}).status_code == 201
    assert client.post(f"/api/v1/servers/{ids['dead']}/targets", headers=h, json={
        "kind": "snmp", "address": "127.0.0.1", "port": free_port(), "community": COMMUNITY}).status_code == 201
    return ids


def test_monthly_job_fires_for_the_month_and_runs_once(app, client, world, room):
    settings = app.state.settings
    trigger = monthly_trigger(settings)
    now = datetime(2026, 11, 15, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    fire = trigger.get_next_fire_time(None, now)
    assert (fire.day, fire.hour, fire.minute, fire.month) == (1, 2, 0, 12)
    period = inventory.period_of(fire, settings.timezone)
    jobs.monthly_inventory(app.state.sessions, settings, period)

    run = client.get(f"/api/v1/inventory-runs/{period}", headers=world.auth("officer")).json()
    assert run["status"] == "completed" and run["total"] == 4 and run["reached"] == 3
    by_serial = {i["serial_number"]: i for i in run["items"]}
    assert {k: by_serial[v]["source"] for k, v in SERIALS.items()} == {
        "agent": "agent", "ssh": "ssh", "snmp": "snmp", "dead": None}
    assert run["unreachable"] == ["INV-DEAD"]
    assert by_serial["INV-DEAD"]["proposed_condition"] == "rusak_berat" and by_serial["INV-DEAD"]["errors"]
    # the SSH host key was pinned on first contact and is shown to the officer
    targets = client.get(f"/api/v1/servers/{room['ssh']}/targets", headers=world.auth("officer")).json()
    assert targets["items"][0]["host_key_fingerprint"].startswith("SHA256:")
    # the same period again: nothing runs twice
    jobs.monthly_inventory(app.state.sessions, settings, period)
    with app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(InventoryItem)) == 4


def test_killed_run_resumes_without_duplicates(app, room):
    settings = app.state.settings.model_copy(update={"inventory_lease_seconds": 1})
    first = inventory.run(app.state.sessions, settings, "2026-10", stop_after=2)
    assert first.status == "running" and first.done_now == 2
    with pytest.raises(inventory.RunTaken):   # the lease still says someone is on it
        inventory.run(app.state.sessions, settings.model_copy(update={"inventory_lease_seconds": 300}), "2026-10")
    time.sleep(1.2)
    second = inventory.run(app.state.sessions, settings, "2026-10")
    assert second.resumed and second.done_now == 2 and second.status == "completed" and second.total == 4
    with app.state.sessions() as s:
        rows = s.execute(select(InventoryItem.server_id, func.count()).group_by(InventoryItem.server_id)).all()
    assert sorted(n for _, n in rows) == [1, 1, 1, 1]


def test_two_controllers_same_period_one_run(app, room):
    results, errors = [], []

    def worker():
        try:
            results.append(inventory.run(app.state.sessions, app.state.settings, "2026-09"))
        except inventory.RunTaken as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == 1 and len(errors) == 1
    with app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(InventoryItem)) == 4


def test_officer_signs_and_the_form_holds_every_server(app, client, world, room):
    inventory.run(app.state.sessions, app.state.settings, "2026-11")
    h = world.auth("officer")
    r = client.post("/api/v1/inventory-runs/2026-11/sign", headers=h,
                    json={"name": "Agus Prasetyo", "nip": "198905052015031001", "position": "Pranata Komputer"})
    assert r.status_code == 200 and r.json()["status"] == "signed"
    assert client.post("/api/v1/inventory-runs/2026-11/sign", headers=h,
                       json={"name": "x", "position": "y"}).status_code == 409
    xlsx = client.get("/api/v1/inventory-runs/2026-11/form.xlsx", headers=h)
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert set(SERIALS.values()) <= cells and "Tidak terjangkau" in cells
    assert any("Agus Prasetyo" in c for c in cells)
    pdf = client.get("/api/v1/inventory-runs/2026-11/form.pdf", headers=h)
    text_ = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "November 2026" in text_ and all(s in text_ for s in SERIALS.values())
    assert client.get("/api/v1/inventory-runs/2026-11", headers=world.auth("contact_a")).status_code == 403


def test_target_secrets_are_sealed_and_never_shown(app, client, world, db_url):
    h = world.auth("officer")
    r = client.post(f"/api/v1/servers/{world.ids['server_a']}/targets", headers=h, json={
        "kind": "snmp", "address": "127.0.0.1", "community": "komunitas-rahasia-77"})
    assert r.status_code == 201 and "komunitas-rahasia-77" not in r.text
    listed = client.get(f"/api/v1/servers/{world.ids['server_a']}/targets", headers=h)
    assert "komunitas-rahasia-77" not in listed.text
    audit_text = client.get("/api/v1/audit/events?limit=500", headers=world.auth("admin")).text
    assert "komunitas-rahasia-77" not in audit_text
    with app.state.sessions() as s:
        raw = s.execute(text("SELECT secrets FROM collection_targets")).scalar_one()
    assert raw and "komunitas-rahasia-77" not in raw
    bad = client.post(f"/api/v1/servers/{world.ids['server_a']}/targets", headers=h, json={
        "kind": "snmp", "address": "127.0.0.1", "version": "3", "user": "u"})
    assert bad.status_code == 422 and "auth_key" in bad.json()["detail"]
    assert client.post(f"/api/v1/servers/{world.ids['server_a']}/targets", headers=world.auth("contact_a"),
                       json={"kind": "ssh", "address": "x", "username": "r", "password": "p"}).status_code == 403


def test_changed_host_key_is_refused_until_an_officer_repins(app, client, world, tmp_path):
    first = start_sshd()
    key = tmp_path / "client"
    shutil.copy(first.client_key, key)
    port = first.port
    h = world.auth("officer")
    t = client.post(f"/api/v1/servers/{world.ids['server_a']}/targets", headers=h, json={
        "kind": "ssh", "address": "127.0.0.1", "port": port, "username": first.user,
        "private_key": key.read_text()}).json()
    try:
        ok = client.post(f"/api/v1/targets/{t['id']}/collect", headers=h).json()
        assert ok["ok"] and ok["host_key_fingerprint"].startswith("SHA256:")
        pinned = ok["host_key_fingerprint"]
    finally:
        first.stop()
    impostor = start_sshd(port=port, client_key=key)      # same address, a new host key
    try:
        refused = client.post(f"/api/v1/targets/{t['id']}/collect", headers=h).json()
        assert refused["ok"] is False and refused["host_key_changed"] and refused["inventory"] is None
        assert refused["host_key_fingerprint"] == pinned
        assert "Accepted publickey" not in impostor.log.read_text()   # nothing was sent to it
        found = client.get("/api/v1/findings?status=open", headers=h).json()["items"]
        [finding] = [f for f in found if f["kind"] == "hostkey_changed"]
        assert client.post(f"/api/v1/findings/{finding['id']}/accept", headers=h).status_code == 200
        again = client.post(f"/api/v1/targets/{t['id']}/collect", headers=h).json()
        assert again["ok"] and again["host_key_fingerprint"] != pinned
    finally:
        impostor.stop()


def test_scheduled_probe_records_reachability(app, client, world):
    import http.server

    from tests.support import custody as flow

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        rid = flow.submit(client, world)["id"]
        flow.to_handed_over(client, world, rid)
        flow.act(client, world, rid, "place", "officer")
        flow.act(client, world, rid, "configure", "officer", {
            "management_ip": "127.0.0.1", "access_checks": [{"kind": "tcp", "port": srv.server_address[1]}]})
        before = len(client.get(f"/api/v1/custody-requests/{rid}", headers=world.auth("contact_a")).json()[
            "access_checks"])
        assert jobs.probe_access(app.state.sessions, app.state.settings) == 1
        checks = client.get(f"/api/v1/custody-requests/{rid}", headers=world.auth("contact_a")).json()["access_checks"]
        assert len(checks) == before + 1 and checks[-1]["ok"] is True
        assert [c["origin"] for c in checks] == ["configure"] * before + ["schedule"]
        srv.shutdown()                                    # the next round finds the service down
        srv.server_close()
        assert jobs.probe_access(app.state.sessions, app.state.settings) == 1
        checks = client.get(f"/api/v1/custody-requests/{rid}", headers=world.auth("contact_a")).json()["access_checks"]
        # the configure step's evidence and the latest round only, not every 15-minute round
        assert [(c["origin"], c["ok"]) for c in checks] == [("configure", True)] * before + [("schedule", False)]
    finally:
        srv.shutdown()
        srv.server_close()

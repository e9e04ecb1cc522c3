"""A switch and a UPS read by the SNMP collector (snmpsim recordings) land in the register as their
kind, in their rack position, and on the monthly inventory form."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from controller.services import inventory
from tests.support.snmp import start_snmpsim

DATA = Path(__file__).resolve().parents[1] / "collectors" / "data"


@pytest.fixture(scope="module")
def snmpsim():
    agent = start_snmpsim(DATA)
    yield agent
    agent.stop()


def _register(client, world, serial: str, u_bottom: int, community: str, port: int) -> int:
    """As an officer does it: a register row (no kind chosen), mounted in its U, with an SNMP target."""
    h = world.auth("officer")
    r = client.post("/api/v1/servers", headers=h, json={
        "unit_code": "DISKES", "brand": "?", "model": "?", "serial_number": serial, "height_u": 1})
    assert r.status_code == 201, r.text
    asset = r.json()["id"]
    r = client.post(f"/api/v1/servers/{asset}/targets", headers=h, json={
        "kind": "snmp", "address": "127.0.0.1", "port": port, "community": community})
    assert r.status_code == 201, r.text
    return asset


def test_switch_and_ups_land_as_their_kind_in_their_rack_position_and_on_the_form(app, client, world, snmpsim):
    h = world.auth("officer")
    rack = world.ids["rack2"]
    switch = _register(client, world, "FOC2231X0K7", 40, "switch", snmpsim.port)
    ups = _register(client, world, "EATON-5PX-01", 1, "eaton", snmpsim.port)

    # Before the collector has read them, they are servers by default, so custody would take
    # them and mounting them directly is refused.
    r = client.post(f"/api/v1/racks/{rack}/reservations", headers=h,
                    json={"u_bottom": 40, "height_u": 1, "server_id": switch, "placed": True})
    assert r.status_code == 409 and r.json()["field"] == "placed", r.text

    for target in client.get(f"/api/v1/servers/{switch}/targets", headers=h).json()["items"] + \
            client.get(f"/api/v1/servers/{ups}/targets", headers=h).json()["items"]:
        r = client.post(f"/api/v1/targets/{target['id']}/collect", headers=h)
        assert r.status_code == 200 and r.json()["ok"], r.text

    sw = client.get(f"/api/v1/servers/{switch}", headers=h).json()
    assert sw["kind"] == "network_device"
    assert sw["attributes"] == {"device_type": "switch", "ports": 28, "management_ip": "127.0.0.1"}
    up = client.get(f"/api/v1/servers/{ups}", headers=h).json()
    assert up["kind"] == "ups_pdu" and up["attributes"] == {"device_type": "ups", "va_rating": 3000,
                                                            "management_ip": "127.0.0.1"}
    kinds = {s["id"]: s["kind"] for s in client.get("/api/v1/servers?kind=ups_pdu", headers=h).json()["items"]}
    assert kinds == {ups: "ups_pdu"}

    # Now they are the office's own gear: mounted straight into their U.
    for asset, u in ((switch, 40), (ups, 1)):
        r = client.post(f"/api/v1/racks/{rack}/reservations", headers=h,
                        json={"u_bottom": u, "height_u": 1, "server_id": asset, "placed": True})
        assert r.status_code == 201 and r.json()["status"] == "occupied", r.text
    units = {u["u"]: u for u in client.get(f"/api/v1/racks/{rack}/elevation", headers=h).json()["units"]}
    assert units[40]["state"] == "occupied" and units[40]["server_id"] == switch
    assert units[1]["state"] == "occupied" and units[1]["server_id"] == ups

    # The month's inventory collects them again and prints them in their rack position.
    summary = inventory.run(app.state.sessions, app.state.settings, "2026-11")
    assert summary.reached == summary.total == 2
    sheet = load_workbook(io.BytesIO(client.get("/api/v1/inventory-runs/2026-11/form.xlsx", headers=h).content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    by_serial = {r[4]: r for r in rows if r[4] in ("FOC2231X0K7", "EATON-5PX-01")}
    assert by_serial["FOC2231X0K7"][5] == "R02 U40-U40" and "Perangkat jaringan" in by_serial["FOC2231X0K7"][3]
    assert by_serial["EATON-5PX-01"][5] == "R02 U1-U1" and "UPS/PDU" in by_serial["EATON-5PX-01"][3]
    pdf = client.get("/api/v1/inventory-runs/2026-11/form.pdf", headers=h)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "FOC2231X0K7" in text and "EATON-5PX-01" in text and "R02 U40" in text


def test_an_officers_choice_of_kind_stands(app, client, world, snmpsim):
    """An asset registered as a UPS stays one even if its card answers like a switch."""
    h = world.auth("officer")
    r = client.post("/api/v1/servers", headers=h, json={
        "kind": "ups_pdu", "unit_code": "DISKES", "brand": "APC", "model": "SRT", "serial_number": "UPS-X",
        "height_u": 2, "attributes": {"va_rating": 3000}})
    asset = r.json()["id"]
    target = client.post(f"/api/v1/servers/{asset}/targets", headers=h, json={
        "kind": "snmp", "address": "127.0.0.1", "port": snmpsim.port, "community": "router"}).json()
    assert client.post(f"/api/v1/targets/{target['id']}/collect", headers=h).json()["ok"]
    after = client.get(f"/api/v1/servers/{asset}", headers=h).json()
    assert after["kind"] == "ups_pdu" and after["attributes"] == {"device_type": "ups", "va_rating": 3000}


def test_the_monthly_run_itself_gives_an_unsure_asset_its_kind(app, client, world, snmpsim):
    """Registered as 'other' and mounted, the device is read by the month's scheduled inventory
    (no collect-now): its row becomes the router it is, still in its U and on the form."""
    h = world.auth("officer")
    r = client.post("/api/v1/servers", headers=h, json={
        "kind": "other", "unit_code": "BAPPEDA", "brand": "Linksys", "model": "LGS308", "serial_number": "LNK-1",
        "height_u": 1, "attributes": {"description": "di rak B"}})
    asset = r.json()["id"]
    assert client.post(f"/api/v1/servers/{asset}/targets", headers=h, json={
        "kind": "snmp", "address": "127.0.0.1", "port": snmpsim.port, "community": "router"}).status_code == 201
    r = client.post(f"/api/v1/racks/{world.ids['rack2']}/reservations", headers=h,
                    json={"u_bottom": 38, "height_u": 1, "server_id": asset, "placed": True})
    assert r.status_code == 201, r.text
    summary = inventory.run(app.state.sessions, app.state.settings, "2026-12")
    assert summary.reached == summary.total == 1
    row = client.get(f"/api/v1/servers/{asset}", headers=h).json()
    assert row["kind"] == "network_device" and row["attributes"]["ports"] == 8
    run = client.get("/api/v1/inventory-runs/2026-12", headers=h).json()
    assert [i["serial_number"] for i in run["items"]] == ["LNK-1"]
    sheet = load_workbook(io.BytesIO(client.get("/api/v1/inventory-runs/2026-12/form.xlsx", headers=h).content)).active
    row_ = next(r for r in ([c.value for c in row] for row in sheet.iter_rows()) if r[4] == "LNK-1")
    assert row_[5] == "R02 U38-U38" and row_[3].startswith("Perangkat jaringan")

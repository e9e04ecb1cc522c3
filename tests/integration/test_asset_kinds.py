"""Asset kinds beyond servers: registered over HTTP with their own fields, filtered by kind; rack
space only for kinds that take it; custody refused for kinds the office does not take in."""

from __future__ import annotations

import io

import pytest
from pydantic import ValidationError
from pypdf import PdfReader
from sqlalchemy import select

from controller.db import unit_of_work
from controller.models import Server
from tests.support import custody

SWITCH = {"kind": "network_device", "unit_code": "DISKES", "brand": "Cisco", "model": "C2960X",
          "serial_number": "FOC-SW-1", "height_u": 1, "power_w": 60,
          "attributes": {"device_type": "switch", "ports": 28, "management_ip": "10.20.0.2"}}
LICENCE = {"kind": "software_licence", "unit_code": "DISKES", "brand": "Microsoft", "model": "Windows Server 2022",
           "serial_number": "LIC-0001", "attributes": {"seats": 16, "expiry": "2027-12-31"},
           "licence_key": "XKEY7-QWRTZ-CCCCC-DDDDD"}


def test_kinds_are_registered_with_their_own_fields_and_filtered(client, world, app) -> None:
    officer = world.auth("officer")
    sw = client.post("/api/v1/servers", json=SWITCH, headers=officer)
    assert sw.status_code == 201, sw.text
    assert sw.json()["kind"] == "network_device"
    assert sw.json()["attributes"] == {"device_type": "switch", "ports": 28, "management_ip": "10.20.0.2"}

    lic = client.post("/api/v1/servers", json=LICENCE, headers=officer)
    assert lic.status_code == 201, lic.text
    body = lic.json()
    assert body["height_u"] == 0 and body["secrets_set"] == ["licence_key"]
    assert "XKEY7" not in lic.text                          # write-only
    with unit_of_work(app.state.sessions, "test") as s:
        sealed = s.scalar(select(Server.secrets).where(Server.id == body["id"]))
    assert sealed and "XKEY7" not in sealed                 # sealed at rest

    listed = client.get("/api/v1/servers?kind=network_device", headers=officer).json()
    assert [s["serial_number"] for s in listed["items"]] == ["FOC-SW-1"]
    servers_only = client.get("/api/v1/servers?kind=server", headers=officer).json()
    assert {s["kind"] for s in servers_only["items"]} == {"server"} and servers_only["total"] == 2
    assert client.get("/api/v1/servers?kind=toaster", headers=officer).status_code == 422

    # The switch's asset card is titled by its kind, not as a server's.
    card = client.get(f"/api/v1/servers/{sw.json()['id']}/asset-card.pdf", headers=officer)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(card.content)).pages)
    assert "(KIB) PERANGKAT JARINGAN" in text and "KIB) SERVER" not in text
    # A contact person sees only their unit's assets, of every kind.
    mine = client.get("/api/v1/servers", headers=world.auth("contact_b")).json()
    assert {s["serial_number"] for s in mine["items"]} == {"SN-B-001"}


def test_bad_kind_fields_are_a_422_naming_the_field(client, world) -> None:
    officer = world.auth("officer")
    bad = client.post("/api/v1/servers", json={**SWITCH, "attributes": {"ports": 0}}, headers=officer)
    assert bad.status_code == 422 and bad.json()["field"] == "attributes.ports", bad.text
    unknown = client.post("/api/v1/servers", json={**SWITCH, "attributes": {"va_rating": 3000}}, headers=officer)
    assert unknown.status_code == 422 and unknown.json()["field"] == "attributes.va_rating"
    no_height = client.post("/api/v1/servers", json={**SWITCH, "height_u": None}, headers=officer)
    assert no_height.status_code == 422 and no_height.json()["field"] == "height_u"
    racked_licence = client.post("/api/v1/servers", json={**LICENCE, "height_u": 2}, headers=officer)
    assert racked_licence.status_code == 422 and racked_licence.json()["field"] == "height_u"
    key_on_switch = client.post("/api/v1/servers", json={**SWITCH, "licence_key": "X"}, headers=officer)
    assert key_on_switch.status_code == 422 and key_on_switch.json()["field"] == "licence_key"


def test_rack_space_only_for_rack_kinds_and_custody_only_for_servers(client, world) -> None:
    officer = world.auth("officer")
    ups = client.post("/api/v1/servers", headers=officer, json={
        "kind": "ups_pdu", "unit_code": "DISKES", "brand": "APC", "model": "SRT3000", "serial_number": "UPS-1",
        "height_u": 2, "attributes": {"device_type": "ups", "va_rating": 3000, "battery_date": "2025-06-01"}}).json()
    lic = client.post("/api/v1/servers", json=LICENCE, headers=officer).json()
    rack = world.ids["rack2"]
    placed = client.post(f"/api/v1/racks/{rack}/reservations", headers=officer,
                         json={"u_bottom": 1, "height_u": 2, "server_id": ups["id"]})
    assert placed.status_code == 201, placed.text
    refused = client.post(f"/api/v1/racks/{rack}/reservations", headers=officer,
                          json={"u_bottom": 10, "height_u": 1, "server_id": lic["id"]})
    assert refused.status_code in (409, 422) and refused.json()["field"] in ("server_id", "height_u"), refused.text

    r = client.post("/api/v1/custody-requests", headers=world.auth("contact_a"),
                    json={"letter_number": "005/UPS/2026", "letter_date": "2026-11-20", "server_id": ups["id"]})
    assert r.status_code == 409, r.text
    assert r.json()["field"] == "server_id" and "custody" in r.json()["detail"]
    # A server still may be deposited.
    custody.submit(client, world)


def test_a_licence_key_is_rotated_with_the_sealing_keys(client, world, app, db_url, settings) -> None:
    """`titip secrets rotate` re-seals licence keys beside target secrets; `status` counts them."""
    from controller.crypto import SecretBox
    from tests.integration.test_audit_keyed import _titip
    from tests.integration.test_sealing_keys import K1, _rotate

    lic = client.post("/api/v1/servers", json=LICENCE, headers=world.auth("officer")).json()

    def sealed() -> str:
        with unit_of_work(app.state.sessions, "test") as s:
            return s.scalar(select(Server.secrets).where(Server.id == lic["id"]))
    assert ":" not in sealed()                                   # under the derived key, before key ids
    r = _rotate(db_url, settings, K1)
    assert r.returncode == 0 and "re-sealed 1 asset secret(s)" in r.stdout, r.stderr
    assert sealed().startswith("k2026a:")
    keyed = settings.model_copy(update={"sealing_keys": K1})
    assert SecretBox(keyed).open(sealed()) == {"licence_key": LICENCE["licence_key"]}
    status = _titip(db_url, "secrets", "status", env={"TITIP_SEALING_KEYS": K1})
    assert "k2026a: 1 asset secret(s)" in status.stdout


def test_changing_kind_and_fields(client, world) -> None:
    """A PATCH may correct the kind (checked against the new kind's fields) unless the asset holds
    rack space the new kind would not take; a licence key can be replaced, never read."""
    officer = world.auth("officer")
    sw = client.post("/api/v1/servers", json=SWITCH, headers=officer).json()
    r = client.patch(f"/api/v1/servers/{sw['id']}", headers=officer, json={"attributes": {"ports": 48}})
    assert r.status_code == 200 and r.json()["attributes"] == {"device_type": "switch", "ports": 48}
    r = client.patch(f"/api/v1/servers/{sw['id']}", headers=officer, json={"attributes": {"seats": 3}})
    assert r.status_code == 422 and r.json()["field"] == "attributes.seats"
    placed = client.post(f"/api/v1/racks/{world.ids['rack2']}/reservations", headers=officer,
                         json={"u_bottom": 5, "height_u": 1, "server_id": sw["id"], "placed": True})
    assert placed.status_code == 201, placed.text
    r = client.patch(f"/api/v1/servers/{sw['id']}", headers=officer, json={"kind": "end_user_device"})
    assert r.status_code == 409 and r.json()["field"] == "kind"
    r = client.patch(f"/api/v1/servers/{sw['id']}", headers=officer, json={"kind": "ups_pdu"})
    assert r.status_code == 200 and r.json()["kind"] == "ups_pdu" and r.json()["attributes"] == {"device_type": "ups"}

    lic = client.post("/api/v1/servers", json={**LICENCE, "serial_number": "LIC-2"}, headers=officer).json()
    r = client.patch(f"/api/v1/servers/{lic['id']}", headers=officer, json={"licence_key": "NEWKEY-77777"})
    assert r.status_code == 200 and r.json()["secrets_set"] == ["licence_key"] and "NEWKEY" not in r.text
    r = client.patch(f"/api/v1/servers/{lic['id']}", headers=officer, json={"kind": "end_user_device"})
    assert r.status_code == 200 and r.json()["height_u"] == 0


def test_the_office_decides_which_kinds_it_takes_into_custody(app, client, world) -> None:
    """TITIP_DEPOSITABLE_KINDS: servers by default; an office that also keeps units' switches in
    custody says so, and a switch then comes in by letter and is no longer mounted directly."""
    officer, contact = world.auth("officer"), world.auth("contact_a")
    sw = client.post("/api/v1/servers", json=SWITCH, headers=officer).json()
    letter = {"letter_number": "007/SW/2026", "letter_date": "2026-11-20", "server_id": sw["id"]}
    refused = client.post("/api/v1/custody-requests", headers=contact, json=letter)
    assert refused.status_code == 409 and refused.json()["depositable"] == ["server"], refused.text

    app.state.settings = app.state.settings.model_copy(update={"depositable_kinds": "server, network_device"})
    taken = client.post("/api/v1/custody-requests", headers=contact, json=letter)
    assert taken.status_code == 201, taken.text
    assert taken.json()["state"] == "submitted" and taken.json()["server_id"] == sw["id"]
    direct = client.post(f"/api/v1/racks/{world.ids['rack2']}/reservations", headers=officer,
                         json={"u_bottom": 20, "height_u": 1, "server_id": sw["id"], "placed": True})
    assert direct.status_code == 409 and direct.json()["field"] == "placed", direct.text


def test_a_kind_that_cannot_be_deposited_is_refused_at_start(settings) -> None:
    for wrong, why in (("server,toaster", "'toaster' is not an asset kind"),
                       ("server,software_licence", "'software_licence' takes no rack space"), (" , ", "names no kind")):
        with pytest.raises(ValidationError, match="TITIP_DEPOSITABLE_KINDS") as caught:
            settings.model_validate({**settings.model_dump(), "depositable_kinds": wrong})
        assert why in str(caught.value)

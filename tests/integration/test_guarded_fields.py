"""While the office holds a server, what its papers say changes only through a case.

A contact cannot PATCH serial, height, power or unit of a server in custody; an officer corrects
them with a reason (audited, and a serial corrected after the handover was signed becomes a
finding to accept); a unit moves only by a transfer case; a rack keeps room for its load.
"""

from __future__ import annotations

import json

from tests.support import custody


def _placed(client, world, power_w: int = 500) -> int:
    """A DISKES server taken through handover and placed in rack1 (5000 W) at U10: its id."""
    req = custody.submit(client, world, power_w=power_w)
    custody.to_handed_over(client, world, req["id"], {"rack_id": world.ids["rack1"], "u_bottom": 10})
    custody.act(client, world, req["id"], "place", "officer")
    return req["server_id"]


def _patch(client, world, server_id: int, who: str, body: dict):
    return client.patch(f"/api/v1/servers/{server_id}", headers=world.auth(who), json=body)


def _server(client, world, server_id: int) -> dict:
    return client.get(f"/api/v1/servers/{server_id}", headers=world.auth("officer")).json()


def test_contact_cannot_change_serial_height_power_or_unit_of_a_server_in_custody(client, world):
    sid = _placed(client, world)
    before = _server(client, world, sid)
    for field, value in (("serial_number", "SALAH-KETIK-1"), ("power_w", 100_000), ("power_w", 0),
                         ("height_u", 4)):
        r = _patch(client, world, sid, "contact_a", {field: value})
        assert r.status_code == 409, (field, r.text)
        assert r.json()["field"] == field and "officer" in r.json()["detail"]
    r = _patch(client, world, sid, "contact_a", {"unit_code": "BAPPEDA"})
    assert r.status_code == 409 and r.json()["field"] == "unit_code"
    assert r.json()["via"] == "/api/v1/transfers"
    after = _server(client, world, sid)
    assert {k: after[k] for k in ("serial_number", "power_w", "height_u", "unit_code")} == \
        {k: before[k] for k in ("serial_number", "power_w", "height_u", "unit_code")}
    # What the papers do not vouch for stays the unit's to keep, and resending a value is no change.
    r = _patch(client, world, sid, "contact_a", {"hostname": "simpus", "power_w": before["power_w"]})
    assert r.status_code == 200 and r.json()["hostname"] == "simpus"


def test_officer_correction_needs_a_reason(client, world):
    sid = _placed(client, world)
    for body in ({"power_w": 600}, {"power_w": 600, "reason": "   "}, {"serial_number": "X-2", "reason": None}):
        r = _patch(client, world, sid, "officer", body)
        assert r.status_code == 422, r.text
        assert r.json()["field"] == "reason"
    assert _server(client, world, sid)["power_w"] == 500


def test_serial_correction_after_handover_is_audited_and_becomes_a_finding(client, world):
    sid = _placed(client, world)
    old = _server(client, world, sid)["serial_number"]
    r = _patch(client, world, sid, "officer", {"serial_number": "DELL-7XK2", "reason": "Salah ketik di permohonan"})
    assert r.status_code == 200, r.text
    assert r.json()["serial_number"] == "DELL-7XK2"

    events = client.get(f"/api/v1/audit/events?entity=server&entity_id={sid}",
                        headers=world.auth("admin")).json()["items"]
    correction = next(e for e in events if e["action"] == "correct")
    assert correction["actor"] == "officer"
    assert json.loads(correction["before"]) == {"serial_number": old}
    after = json.loads(correction["after"])
    assert after["serial_number"] == "DELL-7XK2" and after["reason"] == "Salah ketik di permohonan"
    update = next(e for e in events
                  if e["action"] == "update" and json.loads(e["after"])["serial_number"] == "DELL-7XK2")
    assert json.loads(update["before"])["serial_number"] == old

    findings = client.get(f"/api/v1/findings?server_id={sid}&status=open",
                          headers=world.auth("officer")).json()["items"]
    assert [(f["kind"], f["field"], f["recorded"], f["observed"]) for f in findings] == \
        [("serial_corrected", "serial_number", old, "DELL-7XK2")]
    r = client.post(f"/api/v1/findings/{findings[0]['id']}/accept", headers=world.auth("admin"),
                    json={"note": "Dicek fisik"})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert _server(client, world, sid)["serial_number"] == "DELL-7XK2"


def test_rejecting_a_serial_correction_puts_the_signed_serial_back(client, world):
    sid = _placed(client, world)
    old = _server(client, world, sid)["serial_number"]
    changed = _patch(client, world, sid, "officer", {"serial_number": "KELIRU-9", "reason": "Dikira salah"})
    assert changed.status_code == 200
    finding = client.get(f"/api/v1/findings?server_id={sid}&status=open",
                         headers=world.auth("officer")).json()["items"][0]
    r = client.post(f"/api/v1/findings/{finding['id']}/reject", headers=world.auth("admin"),
                    json={"note": "Seri di formulir benar"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert _server(client, world, sid)["serial_number"] == old


def test_officer_power_correction_stays_within_the_rack_and_height_waits_for_release(client, world):
    sid = _placed(client, world)  # 500 W in rack1 (5000 W)
    r = _patch(client, world, sid, "officer", {"power_w": 6000, "reason": "Label PSU 2x3000 W"})
    assert r.status_code == 409 and r.json()["field"] == "power_w"
    assert (r.json()["capacity_w"], r.json()["used_w"]) == (5000, 500)
    r = _patch(client, world, sid, "officer", {"power_w": 900, "reason": "Diukur dengan PDU"})
    assert r.status_code == 200 and r.json()["power_w"] == 900
    r = _patch(client, world, sid, "officer", {"height_u": 4, "reason": "Ternyata 4U"})
    assert r.status_code == 409 and r.json()["field"] == "height_u"
    assert _server(client, world, sid)["height_u"] == 2
    events = client.get(f"/api/v1/audit/events?entity=server&entity_id={sid}",
                        headers=world.auth("admin")).json()["items"]
    correction = next(e for e in events if e["action"] == "correct")
    assert json.loads(correction["before"]) == {"power_w": 500}
    assert json.loads(correction["after"])["power_w"] == 900
    # A power or height correction is no finding: nothing on the signed form named them.
    assert client.get(f"/api/v1/findings?server_id={sid}", headers=world.auth("officer")).json()["items"] == []


def test_nobody_moves_a_server_in_custody_to_another_unit_by_patch(client, world):
    sid = _placed(client, world)
    for who in ("officer", "admin"):
        r = _patch(client, world, sid, who, {"unit_code": "BAPPEDA", "reason": "Pindah pengelola"})
        assert r.status_code == 409, r.text
        assert r.json()["field"] == "unit_code" and "/api/v1/transfers" in r.json()["detail"]
    assert _server(client, world, sid)["unit_code"] == "DISKES"


def test_rack_power_capacity_cannot_drop_below_its_load(client, world):
    rack = world.ids["rack1"]
    r = client.post(f"/api/v1/racks/{rack}/reservations", headers=world.auth("officer"),
                    json={"u_bottom": 1, "height_u": 2, "server_id": world.ids["server_a"]})  # 750 W
    assert r.status_code == 201, r.text
    _placed(client, world, power_w=500)
    r = client.patch(f"/api/v1/racks/{rack}", headers=world.auth("admin"), json={"power_capacity_w": 0})
    assert r.status_code == 409 and r.json()["field"] == "power_capacity_w"
    assert (r.json()["used_w"], r.json()["requested_w"]) == (1250, 0) and "1250 W" in r.json()["detail"]
    assert client.get(f"/api/v1/racks/{rack}", headers=world.auth("admin")).json()["power_capacity_w"] == 5000
    r = client.patch(f"/api/v1/racks/{rack}", headers=world.auth("admin"), json={"power_capacity_w": 1250})
    assert r.status_code == 200 and r.json()["power_capacity_w"] == 1250
    # The reserved server (not in custody) cannot grow past what is left either.
    r = _patch(client, world, world.ids["server_a"], "contact_a", {"power_w": 100_000})
    assert r.status_code == 409 and r.json()["field"] == "power_w"


def test_a_server_not_in_custody_is_edited_as_before(client, world):
    sid = world.ids["server_a"]
    r = _patch(client, world, sid, "contact_a", {"serial_number": "SN-A-002", "power_w": 0, "height_u": 1})
    assert r.status_code == 200, r.text
    assert (r.json()["serial_number"], r.json()["power_w"], r.json()["height_u"]) == ("SN-A-002", 0, 1)
    r = _patch(client, world, sid, "officer", {"unit_code": "BAPPEDA"})
    assert r.status_code == 200 and r.json()["unit_code"] == "BAPPEDA"
    assert client.get(f"/api/v1/findings?server_id={sid}", headers=world.auth("officer")).json()["items"] == []

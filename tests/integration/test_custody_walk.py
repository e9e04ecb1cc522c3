"""A server's whole custody over real HTTP: letter, dispositions, space, handover, access, return."""

from __future__ import annotations

import hashlib
import io
import json
import socket

import httpx
import pytest
from pypdf import PdfReader

from tests.support import custody as flow


@pytest.fixture
def live(served):
    world, ctl, _ = served
    with httpx.Client(base_url=ctl.url, timeout=30) as client:
        yield client, world


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pdf_text(client, world, doc) -> tuple[str, bytes]:
    r = client.get(doc["url"], headers=world.auth("contact_a"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages), r.content


def test_submitted_to_returned(live, web_service):
    client, world = live
    req = flow.submit(client, world)
    rid = req["id"]
    assert req["state"] == "submitted" and req["allowed_actions"] == ["withdraw"]
    assert req["due_at"] is not None and req["history"][0]["action"] == "submit"

    flow.to_assigned(client, world, rid)
    r = flow.act(client, world, rid, "reserve_space", "officer", {"rack_id": world.ids["rack2"], "u_bottom": 10})
    assert r["state"] == "space_reserved" and r["reservation"]["u_bottom"] == 10
    inbox = client.get("/api/v1/notifications", headers=world.auth("contact_a")).json()["items"]
    assert inbox[0]["kind"] == "space_ready" and "R02" in inbox[0]["body"]
    # The unit's contact person sees the slot only through the request; the elevation is staff's.
    elev = client.get(f"/api/v1/racks/{world.ids['rack2']}/elevation", headers=world.auth("officer")).json()
    assert [e["state"] for e in elev["units"][9:11]] == ["reserved", "reserved"]

    flow.act(client, world, rid, "receive", "officer")
    flow.act(client, world, rid, "inspect", "officer", {"passed": True, "checklist": flow.CHECKLIST_OK})
    half = flow.act(client, world, rid, "sign_handover", "contact_a",
                    {"name": "Ayu Kartika", "nip": flow.NIP_CONTACT, "position": "Kepala Seksi Data"})
    assert half["state"] == "inspected" and "sign_handover" not in half["allowed_actions"]
    done = flow.act(client, world, rid, "sign_handover", "officer",
                    {"name": "Agus Prasetyo", "nip": flow.NIP_OFFICER, "position": "Pranata Komputer"})
    assert done["state"] == "handed_over"
    handover = next(d for d in done["documents"] if d["kind"] == "handover")

    placed = flow.act(client, world, rid, "place", "officer")
    assert placed["reservation"]["status"] == "occupied"
    elev = client.get(f"/api/v1/racks/{world.ids['rack2']}/elevation", headers=world.auth("officer")).json()
    assert elev["units"][9]["state"] == "occupied" and elev["units"][9]["holder"] == "DISKES"

    conf = flow.act(client, world, rid, "configure", "officer", {
        "management_ip": "127.0.0.1",
        "access_checks": [{"kind": "tcp", "port": web_service},
                          {"kind": "http", "url": f"http://127.0.0.1:{web_service}/", "expect_status": 200}]})
    assert conf["state"] == "configured"
    assert [c["ok"] for c in conf["access_checks"]] == [True, True]
    assert conf["access_checks"][0]["latency_ms"] is not None

    flow.act(client, world, rid, "confirm_access", "contact_a", {"ok": False, "note": "Port 443 tertutup"})
    again = flow.act(client, world, rid, "configure", "officer", {
        "management_ip": "127.0.0.1", "access_checks": [{"kind": "tcp", "port": web_service}]})
    assert again["state"] == "configured"
    active = flow.act(client, world, rid, "confirm_access", "contact_a", {"ok": True})
    assert active["state"] == "active"

    flow.act(client, world, rid, "request_return", "contact_a",
             {"reason": "Migrasi ke pusat data nasional", "letter_number": "005/999/DINKES/2026"})
    flow.act(client, world, rid, "approve_return", "division_head")
    final = flow.act(client, world, rid, "release", "officer", flow.release_body())
    assert final["state"] == "returned" and final["allowed_actions"] == []
    assert final["reservation"]["status"] == "released"
    elev = client.get(f"/api/v1/racks/{world.ids['rack2']}/elevation", headers=world.auth("officer")).json()
    assert elev["free_u"] == 42

    history = [(h["action"], h["from"], h["to"]) for h in final["history"]]
    assert history[0] == ("submit", None, "submitted") and history[-1] == ("release", "return_approved", "returned")
    assert ("confirm_access", "configured", "access_failed") in history
    assert {h["actor"] for h in final["history"]} >= {"contact_a", "head", "division_head", "officer"}

    ret = next(d for d in final["documents"] if d["kind"] == "return")
    events = client.get("/api/v1/audit/events?entity=document&limit=500", headers=world.auth("admin")).json()["items"]
    audited = {json.loads(e["after"])["number"]: json.loads(e["after"])["sha256"] for e in events}
    for doc, title in ((handover, "PENITIPAN"), (ret, "PENGEMBALIAN")):
        text, content = _pdf_text(client, world, doc)
        assert doc["number"] in text and doc["number"].endswith("/DISKES/" + doc["number"][-4:])
        assert req["server"]["serial_number"] in text
        assert "Ayu Kartika" in text and "Agus Prasetyo" in text and flow.NIP_CONTACT in text
        assert title in text.upper()
        assert hashlib.sha256(content).hexdigest() == doc["sha256"] == audited[doc["number"]]
    assert handover["number"].startswith("BAST/001/DISKES/") and ret["number"].startswith("BAST-K/001/DISKES/")

    # Another unit's contact person sees none of it.
    assert client.get(f"/api/v1/custody-requests/{rid}", headers=world.auth("contact_b")).status_code == 404
    assert client.get(handover["url"], headers=world.auth("contact_b")).status_code == 404
    assert client.get("/api/v1/custody-requests", headers=world.auth("contact_b")).json()["total"] == 0


def test_failed_access_check_is_recorded_and_told(live):
    client, world = live
    rid = flow.submit(client, world)["id"]
    flow.to_handed_over(client, world, rid)
    flow.act(client, world, rid, "place", "officer")
    conf = flow.act(client, world, rid, "configure", "officer", {
        "management_ip": "127.0.0.1", "access_checks": [{"kind": "tcp", "port": _closed_port()}]})
    assert conf["access_checks"][0]["ok"] is False and conf["access_checks"][0]["detail"]
    inbox = client.get("/api/v1/notifications", headers=world.auth("contact_a")).json()["items"]
    # The unit is not told its server is reachable when the office's own checks failed.
    assert conf["warnings"] and "access checks failed" in conf["warnings"][0]
    assert inbox[0]["kind"] == "configured_unverified" and "GAGAL" in inbox[0]["body"]
    assert "belum terverifikasi" in inbox[0]["subject"] and "sudah dapat diakses" not in inbox[0]["subject"]

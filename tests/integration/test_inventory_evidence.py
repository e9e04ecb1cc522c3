"""The signed monthly inventory is evidence: the officer decides each server's condition before
signing, signing stores the form's bytes once, and every later download is those bytes."""

from __future__ import annotations

import hashlib
import io
import json
import re
import socket
from datetime import UTC, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from controller.models import AuditEvent, InventoryItem, InventoryRun
from controller.services import inventory, targets
from tests.integration.test_web_pages import Browser
from tests.support import custody as flow

PERIOD = "2026-11"
SIGNER = {"name": "Agus Prasetyo", "nip": flow.NIP_OFFICER, "position": "Pranata Komputer"}
WIB = timezone(timedelta(hours=7))


@pytest.fixture
def listener():
    """A TCP port that answers, so the configure step's access check passes."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock.getsockname()[1]
    sock.close()


def _active_server(client, world, port: int, serial: str) -> tuple[int, int]:
    """A server taken into custody through the custody API, up to `active`: (request, server)."""
    rid = flow.submit(client, world, serial=serial)["id"]
    flow.to_handed_over(client, world, rid)
    flow.act(client, world, rid, "place", "officer")
    flow.act(client, world, rid, "configure", "officer",
             {"management_ip": "127.0.0.1", "access_checks": [{"kind": "tcp", "port": port}]})
    out = flow.act(client, world, rid, "confirm_access", "contact_a", {"ok": True})
    assert out["state"] == "active", out
    return rid, out["server_id"]


def _pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def _xlsx_cells(content: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]


def _item(client, world, server_id: int) -> dict:
    run = client.get(f"/api/v1/inventory-runs/{PERIOD}", headers=world.auth("officer")).json()
    return next(i for i in run["items"] if i["server_id"] == server_id)


def test_signed_form_is_served_byte_for_byte_after_the_register_changes(app, client, world, listener):
    rid, sid = _active_server(client, world, listener, "EVID-0001")
    inventory.run(app.state.sessions, app.state.settings, PERIOD)
    h = world.auth("officer")
    r = client.post(f"/api/v1/inventory-runs/{PERIOD}/sign", headers=h, json=SIGNER)
    assert r.status_code == 200, r.text
    stored = {f["format"]: f for f in r.json()["signed_forms"]}
    assert set(stored) == {"pdf", "xlsx"}

    signed = {fmt: client.get(f"/api/v1/inventory-runs/{PERIOD}/form.{fmt}", headers=h) for fmt in stored}
    for fmt, resp in signed.items():
        digest = hashlib.sha256(resp.content).hexdigest()
        assert resp.headers["x-content-sha256"] == digest == stored[fmt]["sha256"]
        with app.state.sessions() as s:   # the hash on the audit trail, written when it was stored
            after = json.loads(s.scalar(select(AuditEvent.after).where(
                AuditEvent.entity == "document", AuditEvent.action == "create",
                AuditEvent.entity_id == str(stored[fmt]["document_id"]))))
        assert after["sha256"] == digest and after["kind"] == "inventory"
    assert "127.0.0.1" in _pdf_text(signed["pdf"].content)

    # The register moves on: a new IP, another condition, and the server goes back to its unit.
    assert client.patch(f"/api/v1/servers/{sid}", headers=h,
                        json={"management_ip": "10.77.0.9"}).status_code == 200
    assert client.patch(f"/api/v1/servers/{sid}", headers=h,
                        json={"condition": "rusak_ringan"}).status_code == 200
    flow.act(client, world, rid, "request_return", "contact_a", {"reason": "Aplikasi dipindah", "letter_number": "9/1"})
    flow.act(client, world, rid, "approve_return", "division_head")
    assert flow.act(client, world, rid, "release", "officer", flow.release_body())["state"] == "returned"
    draft = inventory.form(app.state.sessions(), app.state.settings, PERIOD)
    assert draft.rows[0]["ip"] == "10.77.0.9" and draft.rows[0]["location"] is None  # live data did change

    officer = Browser(app, "officer")
    assert "Formulir inventarisasi bulanan yang ditandatangani" in officer.get("/documents").text
    for fmt, before in signed.items():
        again = client.get(f"/api/v1/inventory-runs/{PERIOD}/form.{fmt}", headers=h)
        assert again.content == before.content
        web = officer.get(f"/inventory/{PERIOD}/form.{fmt}")
        assert web.status_code == 200 and web.content == before.content
        assert client.get(f"/api/v1/documents/{stored[fmt]['document_id']}", headers=h).content == before.content
    assert "10.77.0.9" not in _pdf_text(signed["pdf"].content)
    # An office-wide paper: no unit contact sees it.
    assert client.get(f"/api/v1/documents/{stored['pdf']['document_id']}",
                      headers=world.auth("contact_a")).status_code == 404
    assert client.get(f"/api/v1/inventory-runs/{PERIOD}/form.pdf", headers=world.auth("contact_a")).status_code == 403


def test_officer_decides_conditions_before_signing_and_the_form_prints_both(app, client, world, listener):
    _, sid = _active_server(client, world, listener, "EVID-0002")
    inventory.run(app.state.sessions, app.state.settings, PERIOD)
    h = world.auth("officer")
    item = _item(client, world, sid)
    assert item["proposed_condition"] == "rusak_berat" == item["decided_condition"]  # no monitoring at all
    url = f"/api/v1/inventory-runs/{PERIOD}/items/{sid}/condition"

    missing = client.put(url, headers=h, json={"condition": "baik"})
    assert missing.status_code == 422 and missing.json()["field"] == "reason"
    bad = client.put(url, headers=h, json={"condition": "hilang", "reason": "x"})
    assert bad.status_code == 422 and "condition" in bad.text
    assert client.put(url, headers=world.auth("contact_a"),
                      json={"condition": "baik", "reason": "x"}).status_code == 403
    assert client.put(f"/api/v1/inventory-runs/{PERIOD}/items/999999/condition", headers=h,
                      json={"condition": "baik", "reason": "x"}).status_code == 404
    ok = client.put(url, headers=h, json={"condition": "baik", "reason": "Diperiksa langsung, menyala normal"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["decided_condition"] == "baik" and ok.json()["decided_by"] == "officer"
    with app.state.sessions() as s:
        audited = s.scalars(select(AuditEvent.after).where(AuditEvent.entity == "inventory_decision")).all()
    assert any(json.loads(a)["reason"] == "Diperiksa langsung, menyala normal" for a in audited)

    r = client.post(f"/api/v1/inventory-runs/{PERIOD}/sign", headers=h, json=SIGNER)
    assert r.status_code == 200, r.text
    signed_at = r.json()["signed_at"]
    pdf = client.get(f"/api/v1/inventory-runs/{PERIOD}/form.pdf", headers=h).content
    text = re.sub(r"\s+", " ", _pdf_text(pdf))
    row = text[text.index("EVID-0002"):]
    assert "Baik" in row and "Rusak Berat" in row              # decided, and the proposal beside it
    assert "tidak terjangkau" in row.lower()                    # the proposal's reason
    assert "Diperiksa langsung, menyala normal" in row          # the officer's reason
    # The signing time in the office's zone (WIB), with its offset.
    local = datetime.fromisoformat(signed_at).astimezone(WIB)
    assert f"{local:%d-%m-%Y %H:%M} WIB (UTC+07:00)" in text
    cells = _xlsx_cells(client.get(f"/api/v1/inventory-runs/{PERIOD}/form.xlsx", headers=h).content)
    assert any(f"{local:%d-%m-%Y %H:%M} WIB (UTC+07:00)" in c for c in cells)
    assert "Baik" in cells and any(c.startswith("Rusak Berat:") for c in cells)

    # Signing made the decided condition the register's; the signed run takes no more decisions.
    assert client.get(f"/api/v1/servers/{sid}", headers=h).json()["condition"] == "baik"
    late = client.put(url, headers=h, json={"condition": "rusak_ringan", "reason": "terlambat"})
    assert late.status_code == 409


def test_officer_decides_on_the_web_page(app, client, world, listener):
    _, sid = _active_server(client, world, listener, "EVID-0003")
    inventory.run(app.state.sessions, app.state.settings, PERIOD)
    officer, helpdesk = Browser(app, "officer"), Browser(app, "helpdesk")
    page = officer.get(f"/inventory/{PERIOD}")
    assert f'action="/inventory/{PERIOD}/items/{sid}/condition"' in page.text
    assert f'action="/inventory/{PERIOD}/items/{sid}/condition"' not in helpdesk.get(f"/inventory/{PERIOD}").text

    r = officer.post(f"/inventory/{PERIOD}/items/{sid}/condition", {"condition": "rusak_ringan"})
    assert r.status_code == 303
    assert "Alasan" in officer.get(r.headers["location"]).text           # the error, named
    assert _item(client, world, sid)["decided_condition"] == "rusak_berat"
    r = officer.post(f"/inventory/{PERIOD}/items/{sid}/condition",
                     {"condition": "rusak_ringan", "reason": "Kipas berbunyi"})
    assert r.status_code == 303
    assert "Kondisi telah dicatat." in officer.get(r.headers["location"]).text
    assert _item(client, world, sid)["decided_condition"] == "rusak_ringan"
    assert helpdesk.post(f"/inventory/{PERIOD}/items/{sid}/condition",
                         {"condition": "baik", "reason": "x"}).status_code == 403


def test_a_server_whose_collection_raises_is_a_failure_and_the_run_goes_on(app, client, world, listener,
                                                                           monkeypatch):
    _, bad = _active_server(client, world, listener, "EVID-0004")
    _, good = _active_server(client, world, listener, "EVID-0005")
    h = world.auth("officer")
    for sid in (bad, good):
        assert client.post(f"/api/v1/servers/{sid}/targets", headers=h, json={
            "kind": "snmp", "address": "127.0.0.1", "port": listener, "community": "public"}).status_code == 201
    calls: list[int] = []
    real = targets.collect

    def collect(plan):
        calls.append(plan.target_id)
        if plan.collector_target.id == bad_target:
            raise IndexError("list index out of range")   # as a negative SNMP error-status did
        return real(plan)

    bad_target = client.get(f"/api/v1/servers/{bad}/targets", headers=h).json()["items"][0]["id"]
    monkeypatch.setattr(targets, "collect", collect)
    settings = app.state.settings.model_copy(update={"inventory_lease_seconds": 0})
    first = inventory.run(app.state.sessions, settings, PERIOD, stop_after=1)   # crashes on the bad one, stops
    assert first.status == "running" and calls == [bad_target]
    done = inventory.run(app.state.sessions, settings, PERIOD)                  # resumes: the good one only
    assert done.status == "completed" and done.total == 2 and "EVID-0004" in done.unreachable
    assert calls.count(bad_target) == 1 and len(calls) == 2
    with app.state.sessions() as s:
        errors = json.loads(s.scalar(select(InventoryItem.errors).where(InventoryItem.server_id == bad)))
    assert any("IndexError" in e for e in errors)

    # A crash outside the collectors (writing what they found) is that server's failure too.
    def boom(*_a, **_k):
        raise RuntimeError("disk full")
    monkeypatch.setattr(targets, "record", boom)
    later = inventory.run(app.state.sessions, settings, "2026-12")
    assert later.status == "completed" and later.total == 2 and later.reached == 0
    with app.state.sessions() as s:
        rows = s.scalars(select(InventoryItem.errors).join(InventoryRun, InventoryRun.id == InventoryItem.run_id)
                         .where(InventoryRun.period == "2026-12")).all()
    assert len(rows) == 2 and all("RuntimeError: disk full" in e for e in rows)


def test_other_forms_print_the_office_date(app, client, world):
    """A server disposed at 01.00 WIB on 1 December is listed as disposed on 2026-12-01."""
    from controller.db import unit_of_work
    from controller.models import AssetRecord

    with unit_of_work(app.state.sessions, "test") as s:
        s.add(AssetRecord(server_id=world.ids["server_b"], updated_by="test",
                          disposed_at=datetime(2026, 11, 30, 18, 0, tzinfo=UTC)))
    r = client.get("/api/v1/reconciliation/2026-12.xlsx", headers=world.auth("officer"))
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content))["Dihapus"]
    cells = [c.value for row in sheet.iter_rows() for c in row]
    assert "2026-12-01" in cells and "2026-11-30" not in cells

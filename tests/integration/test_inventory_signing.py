"""The monthly inventory's signature has a due time (SOP 002 Konfigurasi 6: 1 working day): the
register keepers are told when a run completes, the run says by when, and a late one shows in the
API, the pages and /metrics until it is signed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from controller.models import InventoryRun
from controller.models.base import utcnow
from controller.services import inventory
from tests.integration.test_web_pages import Browser

SIGNER = {"name": "Agus Prasetyo", "nip": "198905052015031001", "position": "Pranata Komputer"}


def overdue_runs(client) -> float:
    families = text_string_to_metric_families(client.get("/metrics").text)
    return next(s.value for f in families if f.name == "titip_inventory_signing_overdue" for s in f.samples)


def test_a_completed_inventory_is_due_for_signature_within_a_working_day(app, client, world):
    sessions, settings = app.state.sessions, app.state.settings
    assert inventory.run(sessions, settings, "2026-10").status == "completed"
    # Completed Friday 30 Oct 2026 15:00 WIB: due Monday 2 Nov 15:00 WIB, not Saturday.
    with sessions() as s:
        s.execute(update(InventoryRun).where(InventoryRun.period == "2026-10")
                  .values(finished_at=datetime(2026, 10, 30, 8, 0, tzinfo=UTC)))
        s.commit()
    h = world.auth("officer")
    late = client.get("/api/v1/inventory-runs/2026-10", headers=h).json()
    assert datetime.fromisoformat(late["signing_due_at"]) == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    assert late["signing_overdue"] is True

    assert inventory.run(sessions, settings, "2026-11").status == "completed"   # just now: not late yet
    fresh = client.get("/api/v1/inventory-runs/2026-11", headers=h).json()
    due = datetime.fromisoformat(fresh["signing_due_at"])
    assert fresh["signing_overdue"] is False and utcnow() < due <= utcnow() + timedelta(days=5)

    for keeper in ("officer", "property_manager"):   # each run told the register keepers once
        told = [n for n in client.get("/api/v1/notifications", headers=world.auth(keeper)).json()["items"]
                if n["kind"] == "inventory_to_sign"]
        assert sorted(n["subject"] for n in told) == ["Inventarisasi server 2026-10 menunggu tanda tangan",
                                                      "Inventarisasi server 2026-11 menunggu tanda tangan"]
    assert not [n for n in client.get("/api/v1/notifications", headers=world.auth("contact_a")).json()["items"]
                if n["kind"] == "inventory_to_sign"]

    officer = Browser(app, "officer")
    listed = officer.get("/inventory").text
    assert 'data-period="2026-10"' in listed and listed.count('data-overdue="signing"') == 1
    assert 'id="signing-due" class="notice" data-overdue="yes"' in officer.get("/inventory/2026-10").text
    assert 'data-overdue="no"' in officer.get("/inventory/2026-11").text
    assert overdue_runs(client) == 1

    r = client.post("/api/v1/inventory-runs/2026-10/sign", headers=h, json=SIGNER)
    assert r.status_code == 200 and r.json()["signing_due_at"] is None and r.json()["signing_overdue"] is False
    assert overdue_runs(client) == 0
    assert 'data-overdue="signing"' not in officer.get("/inventory").text

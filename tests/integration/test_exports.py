"""Every XLSX export survives hostile strings: no formula cells, no unwritable characters, no 500.

The strings come the ways they really arrive: a unit's declaration (the custody request), an
agent's inventory report, and values already stored before input checks existed (written to the
database directly; PostgreSQL cannot hold NUL, so only there it is left out).
"""

from __future__ import annotations

import io
import itertools

from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl import load_workbook

from controller.db import unit_of_work
from controller.domain.choices import AllocationStatus
from controller.models import Server, User
from controller.services import inventory, servers, space

PREFIXES = st.sampled_from(["=", "+", "-", "@", "\t", "\r", "=HYPERLINK(\"http://evil.example\",\"klik\")",
                            "=cmd|' /C calc'!A0", ""])
HOSTILE = st.builds(lambda p, s: (p + s)[:90] or "x", PREFIXES,
                    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from(
                        ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\r", "\n", "\ufffe"]), max_size=40))
# Surrogates cannot even be sent as JSON text by the test client; the unit test of the cell
# helper covers them.


def _assert_clean_workbook(content: bytes) -> set[str]:
    wb = load_workbook(io.BytesIO(content))
    texts = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not any(ord(ch) < 32 and ch not in "\t\n" for ch in cell.value)
                    texts.add(cell.value)
    return texts


def test_every_xlsx_export_holds_hostile_strings_as_text(app, client, world, db_url):
    periods = (f"{y}-{m:02d}" for y in (2026, 2025, 2024) for m in range(1, 13))
    counter = itertools.count(1)
    postgres = db_url.startswith("postgresql")

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    @given(brand=HOSTILE, serial=HOSTILE, cpu=HOSTILE, host=HOSTILE)
    def one(brand: str, serial: str, cpu: str, host: str) -> None:
        n, period = next(counter), next(periods)
        stored_brand = brand.replace("\x00", "") if postgres else brand
        stored_serial = (serial.replace("\x00", "") if postgres else serial) + f"#{n}"
        # 1. a unit declares a server with a poisoned brand and serial (NUL over the API on
        # PostgreSQL is observation 12, tested with the input checks: left out here)
        r = client.post("/api/v1/custody-requests", headers=world.auth("contact_a"), json={
            "letter_number": f"005/{n}/DINKES/2026", "letter_date": "2026-11-20",
            "server": {"brand": stored_brand, "model": "=1+1", "serial_number": f"{stored_serial}~",
                       "height_u": 1, "power_w": 300, "purpose": "=SUM(A1:A9)"}})
        assert r.status_code in (201, 409, 422), r.text
        # 2. a placed server whose register fields were stored before any input check
        with unit_of_work(app.state.sessions, "officer") as s:
            officer = s.get(User, world.ids["officer"])
            srv = servers.create_server(s, officer, dict(unit_code="DISKES", brand="Dell", model="R650",
                                                         serial_number=f"FUZZ-{n}", height_u=1, power_w=300))
            space.reserve(s, officer, world.ids["rack1"], n, 1, srv.id, status=AllocationStatus.occupied)
            s.flush()
            srv.brand, srv.serial_number = stored_brand, stored_serial
            server_id = srv.id
        # 3. its agent reports an inventory full of formulas and control characters
        with app.state.sessions() as s:
            assert s.get(Server, server_id).serial_number == stored_serial
        r = client.post(f"/api/v1/servers/{server_id}/enrollment-tokens", headers=world.auth("officer"))
        assert r.status_code == 201, r.text
        r = client.post("/api/v1/agents/enroll", json={"token": r.json()["token"], "hostname": f"fz{n}"})
        assert r.status_code == 200, r.text
        agent = {"Authorization": f"Bearer {r.json()['credential']}"}
        r = client.post("/api/v1/agents/reports", headers=agent, json={
            "report_id": f"fuzz-inv-{n:04d}", "kind": "inventory", "payload": {
                "source": "agent", "hostname": host, "memory_bytes": 2**30,
                "cpu": {"model": cpu, "cores": 4}, "os": {"name": host, "version": cpu},
                "dmi": {"serial": serial, "vendor": brand}}})
        assert r.status_code < 500, r.text
        inventory.run(app.state.sessions, app.state.settings, period)
        for url in (f"/api/v1/inventory-runs/{period}/form.xlsx", f"/api/v1/reconciliation/{period}.xlsx"):
            r = client.get(url, headers=world.auth("officer"))
            assert r.status_code == 200, (url, r.text[:300])
            texts = _assert_clean_workbook(r.content)
            assert any(f"#{n}" in t for t in texts), url  # the poisoned serial is there, as text

    one()

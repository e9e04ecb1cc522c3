"""The server page (issue 15): the record, every custody, the rack it holds, and one history in
time order; the same history from the API; reached from the rack elevation and the lists."""

from __future__ import annotations

import re
from datetime import datetime

from controller.db import unit_of_work
from controller.models import InventoryItem, InventoryRun
from controller.models.base import utcnow
from tests.integration.test_server_custodies import give_back, refile, to_active
from tests.integration.test_web_pages import Browser
from tests.support import custody as flow


def _returned_and_refiled(client, world) -> tuple[int, int, int]:
    """A server held once, handed back, filed again and held again; then a repair and an inventory."""
    first = flow.submit(client, world, serial="PAGE-0001")
    to_active(client, world, first["id"])
    give_back(client, world, first["id"])
    second = refile(client, world, "PAGE-0001")
    to_active(client, world, second["id"])
    sid = first["server_id"]
    r = client.post("/api/v1/maintenance-cases", headers=world.auth("officer"),
                    json={"server_id": sid, "kind": "repair", "analysis": "Kipas rusak"})
    assert r.status_code == 201, r.text
    with unit_of_work(client.app.state.sessions, actor="test-setup") as s:
        run = InventoryRun(period="2026-12", status="completed", started_by="system", total=1, reached=1)
        s.add(run)
        s.flush()
        s.add(InventoryItem(run_id=run.id, server_id=sid, reached=True, source="agent",
                            proposed_condition="baik", collected_at=utcnow()))
    return sid, first["id"], second["id"]


def test_the_page_shows_both_custodies_and_one_history_in_time_order(client, app, world):
    sid, first, second = _returned_and_refiled(client, world)
    officer = Browser(app, "officer")
    page = officer.get(f"/servers/{sid}")
    assert page.status_code == 200
    html = page.text
    assert re.findall(r'data-custody="(\d+)"', html) == [str(first), str(second)]
    assert "Sudah dikembalikan" in html and "Aktif" in html            # the first returned, the second held
    assert re.search(r'data-position="R0\d U\d+"', html)                 # the rack and U it holds now
    kinds = re.findall(r'data-event="(\w+)"', html)
    assert {"custody", "maintenance", "inventory", "audit"} <= set(kinds)
    times = [datetime.fromisoformat(t) for t in re.findall(r'data-at="([^"]+)"', html)]
    assert times == sorted(times) and len(times) == len(kinds)
    assert kinds.index("inventory") > kinds.index("maintenance") > max(
        i for i, k in enumerate(kinds) if k == "custody")               # the repair and inventory came last
    assert "Contact_A" in html and ">contact_a<" not in html           # people by name, not login
    assert 'data-doc="handover"' in html and 'data-doc="return"' in html
    # The API gives the same history, with the same kinds in the same order.
    api = client.get(f"/api/v1/servers/{sid}/history", headers=world.auth("contact_a"))
    assert api.status_code == 200
    assert [e["kind"] for e in api.json()] == kinds
    assert api.json()[0]["text"] and api.json()[-1]["kind"] == "inventory"


def test_another_units_contact_gets_404_and_the_own_unit_sees_it(client, app, world):
    sid = world.ids["server_a"]
    assert Browser(app, "contact_a").get(f"/servers/{sid}").status_code == 200
    other = Browser(app, "contact_b").get(f"/servers/{sid}")
    assert other.status_code == 404 and "SN-A-001" not in other.text and "Tidak ditemukan" in other.text
    assert client.get(f"/api/v1/servers/{sid}/history", headers=world.auth("contact_b")).status_code == 404
    assert Browser(app, "helpdesk").get(f"/servers/{sid}").status_code == 200
    # Not yet received: no condition is claimed for it.
    assert "belum diperiksa" in Browser(app, "officer").get(f"/servers/{sid}").text


def test_the_rack_elevation_and_the_lists_link_to_the_page(client, app, world):
    rid = flow.submit(client, world, serial="PAGE-0002")["id"]
    flow.to_handed_over(client, world, rid)
    sid = flow.act(client, world, rid, "place", "officer")["server_id"]
    officer = Browser(app, "officer")
    room = officer.get(f"/rooms/{world.ids['room']}").text
    assert f'<a href="/servers/{sid}" class="u-server" data-server="{sid}">' in room
    assert f'href="/servers/{sid}"' in officer.get("/servers").text
    assert f'href="/servers/{sid}"' in officer.get(f"/requests/{rid}").text
    # Placed and handed over: the page names the rack and the condition now.
    page = officer.get(f"/servers/{sid}").text
    assert "belum diperiksa" not in page and "Baik" in page

"""From the room view to a server's page in a real browser (issue 15): the rack device is a link,
the page shows where the server is, its custody and its history; the header search finds it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support import custody as flow


def test_the_room_view_opens_the_server_page(login, live):
    with live.api() as api:
        rid = flow.submit(api, live.world, serial="E2E-PAGE-01")["id"]
        flow.to_handed_over(api, live.world, rid)
        sid = flow.act(api, live.world, rid, "place", "officer")["server_id"]
    officer = login("officer")
    officer.goto(f"/rooms/{live.world.ids['room']}")
    officer.locator(f"a.u-server[data-server='{sid}']").click()
    officer.wait_for_load_state()
    assert officer.url.endswith(f"/servers/{sid}")
    expect(officer.locator("h1")).to_contain_text("Dell PowerEdge R650")
    expect(officer.locator(f"tr[data-custody='{rid}']")).to_be_visible()
    expect(officer.locator("#custody [data-position]")).to_have_attribute("data-position", re.compile(r"R0\d U\d+"))
    expect(officer.locator("#history tr[data-event='custody']").first).to_be_visible()
    assert officer.locator("#history tr[data-event]").count() >= 8            # filed .. placed, and the record
    officer.locator("#history").scroll_into_view_if_needed()
    # The header's search box finds it by serial (and its request, whose letter names the serial).
    officer.goto("/requests")
    officer.fill("form.navsearch input[name=q]", "E2E-PAGE-01")
    officer.press("form.navsearch input[name=q]", "Enter")
    officer.wait_for_load_state()
    expect(officer.locator(f"#found-requests li[data-request='{rid}']")).to_be_visible()
    officer.locator(f"#found-servers li[data-server='{sid}'] a").click()
    officer.wait_for_load_state()
    assert officer.url.endswith(f"/servers/{sid}")

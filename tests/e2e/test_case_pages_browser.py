"""A maintenance case and a transfer, end to end in a real browser (issue 15): each person opens
the page their notice links to and takes their step with its form; a step taken from a page that
went stale is refused with an Indonesian message, and nothing moves."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def _step(page: Page, action: str, fill: dict[str, str] | None = None, select: dict[str, str] | None = None) -> None:
    form = page.locator(f"#actions form[data-step='{action}']")
    for name, value in (fill or {}).items():
        form.locator(f"[name='{name}']").fill(value)
    for name, value in (select or {}).items():
        form.locator(f"select[name='{name}']").select_option(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def _state(page: Page, state: str) -> None:
    expect(page.locator("#state")).to_have_attribute("data-state", state)


def _from_notice(page: Page, path: str) -> None:
    """The step became theirs: the notice names the case's page, which they open."""
    page.goto("/notifications")
    expect(page.locator("main")).to_contain_text(path)
    page.goto(path)


def test_a_maintenance_case_end_to_end_in_pages(login, live):
    sid = live.world.ids["server_a"]
    officer = login("officer")
    officer.goto(f"/servers/{sid}")
    officer.locator("#cases a[data-new='maintenance']").click()
    officer.wait_for_load_state()
    officer.locator("input[name=kind][value=repair]").check()
    officer.fill("textarea[name=analysis]", "Kipas CPU berbunyi keras, suhu naik")
    officer.locator("form[data-open='maintenance'] button[type=submit]").click()
    officer.wait_for_load_state()
    expect(officer.locator(".flash-success")).to_contain_text("telah dibuka")
    path = re.search(r"/cases/maintenance/\d+$", officer.url).group(0)
    _state(officer, "requested")
    expect(officer.locator("#actions")).to_have_count(0)          # the section head's step, not the officer's

    kasi = login("section_head")                                  # SOP 001 Perbaikan 2: the Kasi's nota dinas
    _from_notice(kasi, path)
    _step(kasi, "issue_memo", {"note": "Mohon persetujuan, server layanan publik"})
    expect(kasi.locator(".flash-success")).to_be_visible()
    _state(kasi, "memo_sent")
    expect(kasi.locator("#documents a[data-doc='nota_dinas']")).to_have_count(1)

    kabid = login("division_head")
    _from_notice(kabid, path)
    stale = login("division_head")
    stale.goto(path)                                              # the same page, opened in a second tab
    _step(kabid, "approve")
    expect(kabid.locator(".flash-success")).to_be_visible()
    _state(kabid, "approved")
    _step(stale, "approve")                                       # the tab that went stale
    expect(stale.locator(".flash-error")).to_contain_text("tidak dapat dilakukan")
    _state(stale, "approved")
    _step(kabid, "assign", {"letter_number": "800/ST-12/DISKOMINFO/2026"}, {"officer": "officer"})
    _state(kabid, "assigned")

    _from_notice(officer, path)
    _step(officer, "record_work", {"work_done": "Kipas CPU diganti", "downtime_start": "2026-11-20T09:00",
                                   "downtime_end": "2026-11-20T10:30", "parts": "Kipas CPU; 1; FAN-OLD; FAN-NEW"})
    _state(officer, "worked")
    expect(officer.locator("#facts")).to_contain_text("FAN-NEW")
    _step(officer, "report", {"report": "Server normal kembali"}, {"condition_after": "baik"})
    _state(officer, "closed")
    expect(officer.locator("#timeline li[data-step]")).to_have_count(6)
    officer.goto("/cases")
    expect(officer.locator(f"tr[data-case='maintenance-{path.rsplit('/', 1)[1]}']")).to_have_count(0)
    officer.goto(f"/servers/{sid}")
    expect(officer.locator("#history tr[data-event='maintenance']")).to_have_count(6)


def test_a_transfer_end_to_end_in_pages(login, live):
    sid = live.world.ids["server_b"]
    contact = login("contact_b")                                  # BAPPEDA hands its server to DISKES
    contact.goto(f"/servers/{sid}")
    contact.locator("#cases a[data-new='transfer']").click()
    contact.wait_for_load_state()
    contact.locator("select[name=to_unit]").select_option("DISKES")
    contact.fill("input[name=reason]", "Aplikasi dikelola Dinas Kesehatan")
    contact.locator("form[data-open='transfer'] button[type=submit]").click()
    contact.wait_for_load_state()
    path = re.search(r"/cases/transfer/\d+$", contact.url).group(0)
    _state(contact, "requested")

    # A second transfer of the same server is refused on the form, in Indonesian (the API's 409).
    contact.goto(f"/cases/new?kind=transfer&server_id={sid}")
    contact.fill("input[name=reason]", "Sekali lagi")
    contact.locator("form[data-open='transfer'] button[type=submit]").click()
    contact.wait_for_load_state()
    expect(contact.locator(".flash-error")).to_contain_text("masih terbuka")

    kabid = login("division_head")
    _from_notice(kabid, path)
    _step(kabid, "approve")
    _state(kabid, "division_approved")
    kadis = login("head")
    _from_notice(kadis, path)
    _step(kadis, "approve")
    _state(kadis, "head_approved")
    officer = login("officer")
    _from_notice(officer, path)
    _step(officer, "record_transfer", {"record_number": "BA-PT/007/2026"})
    _state(officer, "transferred")
    expect(officer.locator("#documents a[data-doc='transfer']")).to_be_visible()
    # The server is DISKES's now: its contact sees it, BAPPEDA's no longer does.
    diskes = login("contact_a")
    diskes.goto(f"/servers/{sid}")
    expect(diskes.locator("h1")).to_contain_text("ProLiant DL380")
    assert contact.goto(f"/servers/{sid}").status == 404

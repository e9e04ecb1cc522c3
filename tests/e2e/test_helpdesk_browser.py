"""The service desk in a real browser (SOP 003, issues 15 and 17): a reporter files in their own words
with a screenshot; the helpdesk triages against the catalogue; the division takes it; a comment
thread; the division head checks, the head approves, the helpdesk closes; the reporter's inbox
shows every move."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.support.tickets import catalogue

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 48


def _step(page: Page, tid: int, action: str, fields: dict[str, str] | None = None, button: str = "") -> None:
    """Open the ticket, fill the action's form and send it; the page comes back with the new state."""
    page.goto(f"/tickets/{tid}")
    form = page.locator(f"#act-{action} form{button}")
    for name, value in (fields or {}).items():
        target = form.locator(f"[name={name}]")
        if target.evaluate("e => e.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".flash-success")).to_be_visible()


def test_a_ticket_from_the_reporters_words_to_its_close(login, live, tmp_path):
    with live.api() as api:
        services = catalogue(api, live.world)
    shot = tmp_path / "layar-simpus.png"
    shot.write_bytes(PNG)

    reporter = login("contact_a")
    reporter.goto("/tickets/new")
    reporter.fill("input[name=subject]", "SIMPUS tidak bisa dibuka")
    reporter.fill("textarea[name=description]",
                  "Sejak pukul 08.00 halaman login SIMPUS memuat terus di semua puskesmas.")
    reporter.set_input_files("input[name=file]", str(shot))
    reporter.click("#ticket-form button[type=submit]")
    reporter.wait_for_load_state()
    tid = int(reporter.url.rsplit("/", 1)[1])
    expect(reporter.locator("#state")).to_contain_text("Diajukan")
    expect(reporter.locator("p.prewrap").first).to_contain_text("halaman login SIMPUS memuat terus")
    expect(reporter.locator("#files a")).to_have_text("layar-simpus.png")

    helpdesk = login("helpdesk")
    helpdesk.goto("/tickets")
    expect(helpdesk.locator(f"tr[data-ticket='{tid}']")).to_be_visible()
    _step(helpdesk, tid, "triage", {"service": str(services["SRV-ACCESS"])})
    expect(helpdesk.locator("#division")).to_have_text("Bidang Aptika")
    expect(helpdesk.locator("#priority")).to_contain_text("Tinggi")

    officer = login("officer")
    officer.goto("/queue")
    expect(officer.locator(f"#tickets-waiting tr[data-ticket='{tid}']")).to_be_visible()
    _step(officer, tid, "take")
    # The thread: the officer asks, the reporter answers, the officer sees the answer.
    officer.fill("#comments textarea[name=body]", "Apakah terjadi juga dari jaringan kantor dinas?")
    officer.click("#comments button[type=submit]")
    officer.wait_for_load_state()
    reporter.goto(f"/tickets/{tid}")
    expect(reporter.locator("#comments [data-comment]")).to_have_count(1)
    reporter.fill("#comments textarea[name=body]", "Ya, dari kantor dinas juga sama.")
    reporter.click("#comments button[type=submit]")
    reporter.wait_for_load_state()
    officer.goto(f"/tickets/{tid}")
    expect(officer.locator("#comments [data-comment]").nth(1)).to_contain_text("dari kantor dinas juga sama")
    # The reporter's screenshot opens for the officer of the division.
    with officer.expect_download() as download:
        officer.locator("#files a").click()
    assert download.value.suggested_filename == "layar-simpus.png"
    _step(officer, tid, "resolve", {"resolution": "Sertifikat TLS diperbarui, layanan web dimulai ulang."})

    kabid = login("division_head")
    kabid.goto("/inbox")
    expect(kabid.locator(f"#tickets-waiting tr[data-ticket='{tid}']")).to_be_visible()
    _step(kabid, tid, "check", button=":has(button[data-check=ok])")
    kadis = login("head")
    kadis.goto("/inbox")
    expect(kadis.locator(f"#tickets-waiting tr[data-ticket='{tid}']")).to_be_visible()
    _step(kadis, tid, "approve_closure")
    expect(kadis.locator("#state")).to_contain_text("Disetujui Kadis")
    _step(helpdesk, tid, "close")
    expect(helpdesk.locator("#state")).to_contain_text("Ditutup")
    expect(helpdesk.locator("#actions")).to_have_count(0)

    # The reporter was told of each move, newest first, and of the officer's comment.
    reporter.goto("/notifications")
    moves = reporter.locator("[data-kind=ticket_progress] strong").all_inner_texts()
    assert moves == [f"Tiket #{tid}: {s}" for s in (
        "Ditutup", "Disetujui Kadis", "Diperiksa Kabid", "Diselesaikan", "Ditangani petugas", "Di bidang")], moves
    expect(reporter.locator("[data-kind=ticket_comment]")).to_have_count(1)
    expect(reporter.locator("[data-kind=ticket_progress]").nth(3)).to_contain_text("Sertifikat TLS diperbarui")

"""A server's intake in a real browser: letter, dispositions, slot on the elevation, inspection,
both signatures, placing, configuring with access checks, the unit's confirmation; in Indonesian,
then in English; and what another unit and a forged form get."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.support import custody as flow

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def act(page: Page, action: str, fill: dict[str, str] | None = None, button: str | None = None) -> None:
    form = page.locator(f"form[data-action={action}]").first
    for name, value in (fill or {}).items():
        form.locator(f"[name={name}]").fill(value)
    form.locator(button or "button[type=submit]").click()
    page.wait_for_load_state()


def test_intake_in_the_browser(login, live, web_service):
    # The unit's contact person files the letter (Indonesian by default).
    unit = login("contact_a")
    assert unit.locator("html").get_attribute("lang") == "id"
    expect(unit.locator("h1")).to_have_text("Server Dinas Kesehatan")
    unit.click("nav >> text=Ajukan permohonan")
    form = unit.locator("form[action='/requests']")
    for name, value in {"letter_number": "005/321/DINKES/2026", "letter_date": "2026-11-20", "brand": "Dell",
                        "model": "PowerEdge R660", "serial_number": "E2E-R660-01", "height_u": "2",
                        "power_w": "700", "purpose": "Sistem informasi puskesmas"}.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("[name=letter_file]").set_input_files(
        {"name": "surat-permohonan.pdf", "mimeType": "application/pdf", "buffer": PDF})
    form.locator("button[type=submit]").click()
    expect(unit.locator(".flash-success")).to_contain_text("telah diajukan")
    rid = int(re.search(r"/requests/(\d+)$", unit.url).group(1))
    expect(unit.locator("#state")).to_contain_text("Permohonan diajukan")

    # The head and the division head, one click each, with the letter at hand.
    head = login("head")
    card = head.locator(f"[data-request='{rid}']")
    letter = card.locator("a[data-doc=letter]").get_attribute("href")
    assert head.request.get(letter).body() == PDF
    card.locator("form[data-action=head_dispose] button").click()
    expect(head.locator(".flash-success")).to_contain_text("Disposisi ke Kepala Bidang: berhasil")
    expect(head.locator(f"[data-request='{rid}']")).to_have_count(0)
    division = login("division_head")
    card = division.locator(f"[data-request='{rid}']")
    card.locator("select[name=officer]").select_option("officer")
    card.locator("form[data-action=division_dispose] button").click()
    expect(division.locator(".flash-success")).to_contain_text("Disposisi ke petugas")

    # The officer: the queue shows it with its due time; a free range is picked on the elevation.
    officer = login("officer")
    row = officer.locator(f"tr[data-request='{rid}']")
    expect(row).to_contain_text("Didisposisi ke petugas")
    expect(row.locator("td").nth(4)).to_contain_text("WIB")
    row.locator("a").first.click()
    officer.click("text=Pilih slot di rak")
    officer.locator("svg.rack a.u-pick[data-rack=R02][data-u='10']").click()
    expect(officer.locator("h1")).to_have_text("Pesan slot ini?")
    officer.click("#confirm-slot")
    expect(officer.locator("#state")).to_contain_text("Ruang tersedia")
    expect(officer.locator("main")).to_contain_text("Rak R02, U10–U11")
    act(officer, "receive")
    form = officer.locator("form[data-action=inspect]")
    for box in form.locator("input[type=checkbox]").all():
        box.check()
    form.locator("input[name=passed][value='1']").check()
    form.locator("button[type=submit]").click()
    expect(officer.locator("#state")).to_contain_text("Sudah diperiksa")
    act(officer, "sign_handover", {"nip": flow.NIP_OFFICER, "position": "Pranata Komputer"})
    expect(officer.locator(".flash-success")).to_contain_text("berhasil")

    # The unit signs too; the handover form (BAST) is issued and can be downloaded.
    unit.goto(f"/requests/{rid}")
    act(unit, "sign_handover", {"name": "Ayu Kartika", "nip": flow.NIP_CONTACT, "position": "Kepala Seksi Data"})
    expect(unit.locator("#state")).to_contain_text("Serah terima ditandatangani")
    handover = unit.locator("a[data-doc=handover]").get_attribute("href")
    assert unit.request.get(handover).body().startswith(b"%PDF-")

    # Placing, then configuring with access checks against a service on 127.0.0.1.
    officer.goto(f"/requests/{rid}")
    act(officer, "place")
    expect(officer.locator("#state")).to_contain_text("Terpasang di rak")
    act(officer, "configure", {"management_ip": "127.0.0.1", "ports": str(web_service),
                               "urls": f"http://127.0.0.1:{web_service}/"})
    expect(officer.locator("#state")).to_contain_text("Sudah dikonfigurasi")
    expect(officer.locator(".badge", has_text="OK")).to_have_count(2)
    officer.goto(f"/rooms/{live.world.ids['room']}")
    held = officer.locator("svg.rack g[data-rack=R02][data-u='10']")
    assert held.get_attribute("data-state") == "occupied"
    expect(held.locator("title")).to_contain_text("DISKES")

    # The unit sees it reachable, confirms access, and is told about it.
    unit.goto("/servers")
    row = unit.locator("tr[data-serial='E2E-R660-01']")
    expect(row.locator("[data-reach=ok]")).to_have_text("Dapat diakses")
    row.locator("button", has_text="Server dapat diakses").click()
    expect(unit.locator("tr[data-serial='E2E-R660-01']")).to_contain_text("Aktif")
    unit.click("nav >> text=Notifikasi")
    expect(unit.locator("main")).to_contain_text("sudah dapat diakses")
    unit.goto(f"/requests/{rid}")
    timeline = unit.locator("#timeline")
    for step in ("Permohonan diajukan", "Disposisi ke Kepala Bidang", "Pesan ruang rak", "Pemeriksaan",
                 "Konfigurasi dan periksa akses", "Konfirmasi akses"):
        expect(timeline).to_contain_text(step)

    # English after the switch, on the same pages.
    unit.goto("/servers")
    unit.click("a[lang=en]")
    assert unit.locator("html").get_attribute("lang") == "en"
    expect(unit.locator("h1")).to_have_text("Servers of Dinas Kesehatan")
    row = unit.locator("tr[data-serial='E2E-R660-01']")
    expect(row).to_contain_text("Active")
    expect(row.locator("[data-reach=ok]")).to_have_text("Reachable")
    unit.goto(f"/requests/{rid}")
    expect(unit.locator("#timeline h2")).to_have_text("Timeline")
    expect(unit.locator("nav")).to_contain_text("My servers")

    # Another unit's contact person sees none of it, by page or by direct address.
    other = login("contact_b")
    for path in ("/requests", "/servers", "/documents", "/notifications"):
        other.goto(path)
        expect(other.locator("main")).not_to_contain_text("E2E-R660-01")
        expect(other.locator("main")).not_to_contain_text("DISKES")
    for path in (f"/requests/{rid}", handover, letter):
        response = other.goto(path)
        assert response.status == 404, path
        expect(other.locator("h1")).to_have_text("Tidak ditemukan")
    assert other.goto(f"/rooms/{live.world.ids['room']}").status == 403


def test_a_form_without_the_token_is_refused(login, live):
    officer = login("officer")
    with live.api() as api:
        rid = flow.submit(api, live.world)["id"]
    for data in ({}, {"csrf_token": "forged"}):
        r = officer.request.post(f"/requests/{rid}/actions/head_dispose", form=data, max_redirects=0)
        assert r.status == 403 and "tidak berasal dari Titip" in r.text()
        r = officer.request.post("/logout", form=data, max_redirects=0)
        assert r.status == 403
    officer.goto("/queue")  # still logged in: the forged logout did nothing
    expect(officer.locator("h1")).to_have_text("Antrean kerja")
    officer.goto(f"/requests/{rid}")
    expect(officer.locator("#state")).to_contain_text("Permohonan diajukan")


def test_errors_show_as_messages_and_the_page_fits_a_phone(login, live):
    with live.api() as api:
        rid = flow.submit(api, live.world)["id"]
        flow.to_assigned(api, live.world, rid)
        other = flow.submit(api, live.world)["id"]
        flow.to_assigned(api, live.world, other)
        flow.act(api, live.world, other, "reserve_space", "officer",
                 {"rack_id": live.world.ids["rack1"], "u_bottom": 30})
    officer = login("officer")
    # A stale confirmation page: the range is taken meanwhile; the service says no, politely.
    officer.goto(f"/requests/{rid}/space/confirm?rack_id={live.world.ids['rack1']}&u_bottom=30")
    officer.click("#confirm-slot")
    expect(officer.locator(".flash-error")).to_contain_text("bertentangan dengan data yang ada")
    expect(officer.locator("#state")).to_contain_text("Didisposisi ke petugas")

    phone = login("contact_a", viewport={"width": 390, "height": 844})
    phone.goto("/servers")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.locator("meta[name=viewport]").count() == 1

"""Taking over an existing room in a real browser: the admin imports a 40-server spreadsheet (its
three bad rows named in the dry run, then fixed), every server shows in its rack, the officer runs
the monthly inventory from its page, and a server's page carries the import in its history; the
admin then creates a rack and a user in pages."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from controller.services.importer import XLSX_TYPE
from tests.integration.test_import import BAD_ROWS, room_rows, xlsx


def upload(page, rows: list[dict]) -> None:
    page.goto("/admin/import")
    page.locator("form[action='/admin/import'] input[name=file]").set_input_files(
        {"name": "ruang-server.xlsx", "mimeType": XLSX_TYPE, "buffer": xlsx(rows)})
    page.locator("form[action='/admin/import'] button[type=submit]").click()
    page.wait_for_load_state()


def test_import_a_room_then_inventory_it(login, live):
    admin = login("admin")
    admin.click("nav >> text=Administrasi")
    admin.click("text=Mengambil alih ruang server")
    expect(admin.locator("h1")).to_have_text("Impor ruang server yang sudah ada")

    upload(admin, room_rows(broken=True))
    errors = admin.locator("table.import-errors tbody tr")
    expect(errors).to_have_count(3)
    found = {int(errors.nth(i).get_attribute("data-row")): errors.nth(i).get_attribute("data-column")
             for i in range(3)}
    assert found == BAD_ROWS
    expect(admin.locator("table.import-errors")).to_contain_text("bukan alamat IP")
    expect(admin.locator("#dry-run [data-summary]")).to_contain_text("37 valid, 3 bermasalah")

    upload(admin, room_rows(broken=False))
    expect(admin.locator("table.import-errors")).to_have_count(0)
    admin.click("text=Impor 40 server")
    admin.wait_for_load_state()
    expect(admin.locator(".flash-success")).to_contain_text("Impor selesai: 40 server ditulis.")
    expect(admin.locator("[data-outcome]")).to_contain_text("40 di rak, 40 dititipkan")

    officer = login("officer")
    officer.goto(f"/rooms/{live.world.ids['room']}")
    for rack, n in (("R01", 14), ("R02", 14), ("R03", 12)):
        card = officer.locator(f".rack-card[data-rack='{rack}']")
        expect(card.locator("a.u-server g[data-state=occupied]")).to_have_count(n)

    officer.click("nav >> text=Inventarisasi")
    officer.click("text=Mulai inventarisasi")
    officer.wait_for_load_state()
    expect(officer.locator("tr[data-serial^='IMP-']")).to_have_count(40, timeout=60_000)

    # A server's page from its rack: the import in its history.
    officer.goto(f"/rooms/{live.world.ids['room']}")
    officer.locator(".rack-card[data-rack='R03'] a.u-server").first.click()
    officer.wait_for_load_state()
    assert re.search(r"/servers/\d+", officer.url)
    expect(officer.locator("#history")).to_contain_text("Impor dari ruang-server.xlsx")


def test_admin_creates_a_rack_and_a_user_in_pages(login, live):
    admin = login("admin")
    admin.goto("/admin/racks")
    room = admin.locator("[data-room='Ruang Server Utama']")
    form = room.locator("form[action='/admin/racks']")
    form.locator("[name=name]").fill("R10")
    form.locator("[name=power_capacity_w]").fill("4000")
    form.locator("button[type=submit]").click()
    expect(admin.locator(".flash-success")).to_contain_text("Rak sudah dibuat.")
    expect(admin.locator("tr[data-rack='R10']")).to_have_count(1)

    admin.goto("/admin/users")
    form = admin.locator("form[action='/admin/users']")
    for name, value in {"username": "petugas2", "full_name": "Budi Santoso",
                        "password": "jalan-pagi-ke-pasar-baru"}.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("[name=role]").select_option("officer")
    form.locator("button[type=submit]").click()
    expect(admin.locator(".flash-success")).to_contain_text("Pengguna sudah dibuat.")
    expect(admin.locator("tr[data-user='petugas2']")).to_contain_text("Budi Santoso")

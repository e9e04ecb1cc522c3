"""Needs planning and issue to a user in a real browser (Indonesian): a unit's plan with two items,
the head's disposition, the division head's review, the officer's assessment, the head's per-item
decision (one item back for revision, resubmitted, approved), the RKPD and Bakeuda records on
behalf of the outside bodies, the approved plan's XLSX; then a procurement from the approved item,
the asset into the register, the procurement's activity report (a PDF), the asset's issue by the
Kepala Seksi to another unit with a BAST that both sides sign in the app, the user's installation report
and the office's receipt."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.unit.test_official_forms import text_of


def act(page: Page, action: str, fill: dict[str, str] | None = None, button: str | None = None) -> None:
    form = page.locator(f"form[data-action={action}]").first
    for name, value in (fill or {}).items():
        field = form.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.locator(button or "button[type=submit]").first.click()
    page.wait_for_load_state()


def done(page: Page) -> None:
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".flash-error")).to_have_count(0)


def test_needs_planning_and_issue_to_a_user_in_the_browser(login, live):
    # The unit's contact person: the plan with two items, from the menu.
    unit = login("contact_a")
    unit.click("nav >> text=Kebutuhan dan penyerahan")
    expect(unit.locator("h1")).to_have_text("Rencana kebutuhan aset TIK")
    unit.click("#new-plan")
    form = unit.locator("#plan-form")
    for name, value in {"budget_year": "2027", "letter_number": "027/55/DINKES/2026", "title": "Kebutuhan TIK 2027",
                        "description_1": "Laptop petugas", "quantity_1": "4", "unit_price_1": "14500000",
                        "justification_1": "Pelayanan keliling", "description_2": "Switch 24 port",
                        "quantity_2": "1", "unit_price_2": "7250000.50",
                        "justification_2": "Jaringan puskesmas"}.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("[name=kind_1]").select_option("end_user_device")
    form.locator("[name=kind_2]").select_option("network_device")
    form.locator("button[type=submit]").click()
    expect(unit.locator(".flash-success")).to_contain_text("telah diajukan")
    plan_url = unit.url
    plan_id = int(re.search(r"/plans/(\d+)$", plan_url).group(1))
    expect(unit.locator("#state")).to_contain_text("Usulan diajukan")
    expect(unit.locator("#total-proposed")).to_have_text("Rp 65.250.000,50")
    expect(unit.locator("#next-steps")).to_contain_text("Kepala Dinas")
    expect(unit.locator("#actions")).to_have_count(0)

    # Another unit does not see it.
    other = login("contact_b")
    assert other.goto(plan_url).status == 404

    head = login("head")
    head.goto(plan_url)
    act(head, "disposition", {"note": "Kabid, mohon ditelaah"})
    done(head)
    division = login("division_head")
    division.goto(plan_url)
    act(division, "review", {"findings": "Sesuai renstra"})
    done(division)
    officer = login("officer")
    officer.goto(plan_url)
    act(officer, "assess")
    done(officer)
    expect(officer.locator("#state")).to_contain_text("Dinilai pejabat fungsional")

    # The head: the laptops approved, the switch back for revision.
    head.goto(plan_url)
    selects = head.locator("form[data-action=decide] select")
    selects.nth(1).select_option("revise")
    head.locator("form[data-action=decide] [name^=decision_note_]").nth(1).fill("Cukup switch 16 port")
    head.locator("[data-submit=return_for_revision]").click()
    head.wait_for_load_state()
    done(head)
    expect(head.locator("#state")).to_contain_text("Dikembalikan untuk perbaikan")

    unit.goto(plan_url)
    act(unit, "resubmit", {"unit_price_" + unit.locator("form[data-action=resubmit] [name^=item_]").first
                           .get_attribute("name").split("_")[1]: "4100000"})
    done(unit)
    division.goto(plan_url)
    act(division, "review", {"findings": "Perbaikan sesuai"})
    officer.goto(plan_url)
    act(officer, "assess")
    head.goto(plan_url)
    act(head, "decide", {"decision_number": "027/301/KOMINFO/2026"})
    done(head)
    expect(head.locator("#state")).to_contain_text("Disetujui Kepala Dinas")
    expect(head.locator("#total-approved")).to_have_text("Rp 62.100.000,00")

    # Into the RKPD (the unit) and to Bakeuda (the officer, on the unit's behalf, with the letter).
    unit.goto(plan_url)
    expect(unit.locator("#act-record_rkpd .notice")).to_contain_text("Bupati")
    act(unit, "record_rkpd", {"rkpd_reference": "1.02.02.2.01 Penyediaan layanan kesehatan",
                              "letter_number": "Perbup 31 Tahun 2026"})
    done(unit)
    expect(unit.locator("#timeline [data-step=record_rkpd] .on-behalf")).to_contain_text("Perbup 31 Tahun 2026")
    officer.goto(plan_url)
    act(officer, "send_to_finance", {"letter_number": "900/12/DINKES/2027", "simbada_reference": "SIMBADA-0042"})
    done(officer)
    expect(officer.locator("#state")).to_contain_text("Dikirim ke Bakeuda")
    behalf = officer.locator("#timeline [data-step=send_to_finance] .on-behalf")
    expect(behalf).to_contain_text("Dinas Kesehatan")   # the unit's step, recorded by the office
    expect(behalf).to_contain_text("900/12/DINKES/2027")

    # The approved plan as the finance office takes it.
    officer.goto("/plans")
    xlsx = officer.request.get(officer.locator("[data-export='2027']").get_attribute("href"))
    assert xlsx.ok
    rows = list(load_workbook(io.BytesIO(xlsx.body())).active.iter_rows(values_only=True))
    data = [r for r in rows[7:] if isinstance(r[0], int)]
    assert [(r[4], r[5], Decimal(str(r[8]))) for r in data] == [
        ("Laptop petugas", 4, Decimal("58000000")), ("Switch 24 port", 1, Decimal("4100000"))]
    assert Decimal(str(next(r for r in rows if r[1] == "JUMLAH TOTAL")[8])) == Decimal("62100000")

    # Procurement of the laptops: one arrives, enters the register, and is issued to BAPPEDA.
    officer.goto(plan_url)
    procure = officer.locator("form[data-procure]").first
    officer.locator("details summary").first.click()
    for name, value in {"vendor": "PT Data Nusantara", "contract_number": "SP/027/11/2027",
                        "contract_date": "2027-02-20", "contract_value": "14500000", "quantity": "1"}.items():
        procure.locator(f"[name={name}]").fill(value)
    procure.locator("button[type=submit]").click()
    officer.wait_for_load_state()
    done(officer)
    act(officer, "receive", {"received_on": "2027-03-02", "receipt_number": "BA/PDN/7", "brand_1": "Lenovo",
                             "model_1": "ThinkPad T14", "serial_number_1": "E2E-LAP-01"})
    done(officer)
    expect(officer.locator("#assets")).to_contain_text("E2E-LAP-01")
    # The activity report (SOP 001 Perencanaan 5-6): a numbered, sealed PDF linked on the page.
    act(officer, "report", {"report": "Laptop diterima dan dicatat dalam daftar barang"})
    done(officer)
    expect(officer.locator("#state")).to_contain_text("Laporan kegiatan selesai")
    report = officer.locator("[data-document=activity_report]")
    number = re.search(r"LAP/\d{3}/\d{4}", report.inner_text()).group(0)
    pdf = officer.request.get(report.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = text_of(pdf.body())
    assert f"Nomor: {number}" in text and "Laptop petugas" in text and "E2E-LAP-01" in text
    assert "SP/027/11/2027" in text and "20 Februari 2027" in text
    assert other.request.get(report.get_attribute("href")).status == 404   # BAPPEDA's contact person
    # The Kepala Seksi hands it over (SOP 001 Penggunaan 1).
    kasi = login("section_head")
    kasi.goto(officer.locator("#assets a[href^='/issues/new']").first.get_attribute("href"))
    issue = kasi.locator("#issue-form")
    expect(issue.locator("#issue-assets input[name=server_ids]:checked")).to_have_count(1)
    issue.locator("[name=to_unit]").select_option("BAPPEDA")
    issue.locator("[name=recipient_name]").fill("Siti Rahma")
    issue.locator("[name=recipient_nip]").fill("198705122010012003")
    issue.locator("[name=bast_number]").fill("BAST/TIK/E2E/1")
    issue.locator("button[type=submit]").click()
    kasi.wait_for_load_state()
    done(kasi)
    issue_url = kasi.url
    expect(kasi.locator("#state")).to_contain_text("BAST dibuat, menunggu tanda tangan")
    expect(kasi.locator("#assets")).to_contain_text("E2E-LAP-01")
    expect(kasi.locator("[data-document=issue_bast]")).to_have_count(0)   # issued once both have signed
    # Both sides sign the BAST in the app: the Kepala Seksi for the office, then the user's unit.
    act(kasi, "sign_as_giver", {"nip": "197001011995031001", "position": "Kepala Seksi Aplikasi Informatika"})
    done(kasi)
    expect(kasi.locator("#state")).to_contain_text("Ditandatangani PIHAK PERTAMA")
    expect(kasi.locator("form[data-action=sign_as_giver]")).to_have_count(0)
    expect(kasi.locator("#signatures [data-side=giver]")).to_contain_text("197001011995031001")

    user = login("contact_b")
    user.click("nav >> text=Kebutuhan dan penyerahan")
    user.click("text=Penyerahan ke pengguna")
    user.locator("#issues a").first.click()
    assert user.url == issue_url
    expect(user.locator("form[data-action=report_installation]")).to_have_count(0)
    act(user, "sign_as_recipient", {"name": "Rina Kontak", "nip": "198001012005012002",
                                    "position": "Pengelola TIK BAPPEDA"})
    done(user)
    expect(user.locator("#state")).to_contain_text("BAST ditandatangani")
    expect(user.locator("#signatures [data-side=recipient]")).to_contain_text("Rina Kontak")
    bast = user.request.get(user.locator("[data-document=issue_bast]").get_attribute("href"))
    assert bast.ok and bast.body().startswith(b"%PDF-")
    signed = text_of(bast.body())
    assert "BAST/TIK/E2E/1" in signed and "E2E-LAP-01" in signed and "Rina Kontak" in signed
    assert "198001012005012002" in signed and "197001011995031001" in signed
    assert "Ditandatangani melalui Titip" in signed

    # The user reports the installation; the office receives it.
    act(user, "report_installation", {"installed_on": "2027-03-04",
                                      "report": "Windows 11, domain BAPPEDA, antivirus terpasang"})
    done(user)
    expect(user.locator("[data-document=install_report]")).to_be_visible()
    kasi.goto(issue_url)
    act(kasi, "acknowledge")
    done(kasi)
    expect(kasi.locator("#state")).to_contain_text("Laporan diterima")
    assert other.goto(issue_url).status == 200   # contact_b is BAPPEDA: the asset is theirs now
    assert unit.goto(issue_url).status == 404
    assert plan_id > 0

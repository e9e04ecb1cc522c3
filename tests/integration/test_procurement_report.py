"""The procurement's activity report (Laporan Kegiatan Pengadaan Aset, SOP 001 Perencanaan
Kebutuhan dan Penganggaran 5-6): issued at the report move, numbered from the office's register,
sealed, kept once, and downloadable by exactly those who may see the procurement."""

from __future__ import annotations

import re

import pytest

from tests.integration.test_official_letters import no_english
from tests.integration.test_web_pages import Browser
from tests.support.planning import act, call, submit, to_approved
from tests.support.seal import sealed_ok, sealed_settings
from tests.unit.test_official_forms import text_of

KASI = ("Rina Marlina", "198203152006042011")
KABID = ("Sri Wahyuni", "197505052000032002")
OFFICER = ("Agus Prasetyo", "198901012015031002")


@pytest.fixture
def settings(db_url, demo_pki):
    return sealed_settings(db_url, demo_pki)


def _people(app) -> None:
    from sqlalchemy import update

    from controller.models import User

    with app.state.sessions() as s:
        for username, (name, nip) in {"section_head": KASI, "division_head": KABID, "officer": OFFICER}.items():
            s.execute(update(User).where(User.username == username).values(full_name=name, nip=nip))
        s.commit()


def _assets(tag: str) -> list[dict]:
    return [{"brand": "Dell", "model": "PowerEdge R760", "serial_number": f"{tag}-SRV-{n}", "height_u": 2,
             "asset_code": "1.3.2.10.01.02.001", "nup": f"{tag}0{n}"} for n in (1, 2)]


def _received(client, world, tag: str = "LAP", who: str = "officer") -> tuple[dict, dict]:
    """An approved plan, and the procurement of its first item (two servers) received."""
    plan = to_approved(client, world, submit(client, world))
    p = call(client, world, "POST", "procurements", who, {
        "item_id": plan["items"][0]["id"], "method": "tender", "vendor": "PT Sinar Data",
        "contract_number": "SPK/027/PBJ/2027", "contract_date": "2027-02-10", "contract_value": "360000000.00",
        "quantity": 2}, expect=201)
    assert p["contract_date"] == "2027-02-10" and p["documents"] == [] and p["report_number"] is None
    got = act(client, world, f"procurements/{p['id']}", "receive", who, {
        "received_on": "2027-03-10", "receipt_number": "BAST/PT-SD/031/2027", "assets": _assets(tag)})
    assert got["documents"] == []   # the report is issued at the report move, not before
    return plan, got


def test_the_report_move_issues_a_numbered_sealed_activity_report(client, world, app, demo_pki):
    _people(app)
    plan, p = _received(client, world)
    path = f"procurements/{p['id']}"
    done = act(client, world, path, "report", "section_head",
               {"report": "Dua server diterima lengkap dan dicatat dalam daftar barang."})
    assert done["state"] == "reported"
    number = done["report_number"]
    assert re.fullmatch(r"LAP/001/\d{4}", number), number
    [doc] = done["documents"]
    assert doc["kind"] == "activity_report" and doc["number"] == number
    assert doc["url"] == f"/api/v1/documents/{doc['id']}"

    first = client.get(doc["url"], headers=world.auth("officer"))
    assert first.status_code == 200 and first.headers["content-type"] == "application/pdf"
    assert first.headers["x-content-sha256"] == doc["sha256"]
    assert sealed_ok(first.content, demo_pki["ca"])
    text = text_of(first.content)
    assert "LAPORAN KEGIATAN" in text and "Pengadaan Aset Sistem Elektronik" in text and f"Nomor: {number}" in text
    # The plan item it fulfils.
    assert "Dinas Kesehatan (DISKES)" in text and "Tahun anggaran 2027" in text and "027/201/KOMINFO/2026" in text
    assert "1. Server rak 2U untuk SIMPUS (Server)" in text and "Jumlah yang disetujui 2 unit" in text
    assert "Anggaran Rp 370.000.000,00" in text
    # What was bought.
    assert "Tender" in text and "Penyedia PT Sinar Data" in text and "SPK/027/PBJ/2027" in text
    assert "10 Februari 2027" in text and "Nilai kontrak Rp 360.000.000,00" in text
    assert "Harga satuan Rp 180.000.000,00" in text and "BAST/PT-SD/031/2027" in text
    # The assets it entered in the register, with their register codes.
    for n in (1, 2):
        assert f"LAP-SRV-{n}" in text and f"1.3.2.10.01.02.001 / LAP0{n}" in text
    # Who carried it out, and the signers by name and NIP.
    assert f"{OFFICER[0]} (NIP {OFFICER[1]})" in text
    assert f"Yang membuat laporan, Kepala Seksi {KASI[0]} NIP. {KASI[1]}" in text
    assert f"Dicatat melalui Titip oleh {KASI[0]} (section_head)" in text
    assert f"Mengetahui, Kepala Bidang Aplikasi Informatika {KABID[0]} NIP. {KABID[1]}" in text
    assert "Dua server diterima lengkap" in text
    no_english(text)

    # Kept once: a second download and a second read give the same stored document.
    again = client.get(doc["url"], headers=world.auth("head"))
    assert again.content == first.content
    assert call(client, world, "GET", path, "officer")["documents"] == [doc]
    # The public check printed on it finds it by its number.
    assert doc["sha256"] in client.get(f"/verify/{number}").text
    # The next report of the office takes the register's next number.
    _, other = _received(client, world, "NEXT")
    assert act(client, world, f"procurements/{other['id']}", "report", "officer",
               {"report": "Selesai"})["report_number"] == number.replace("/001/", "/002/")


def test_who_may_download_the_report(client, world, app):
    _, p = _received(client, world)
    done = act(client, world, f"procurements/{p['id']}", "report", "officer", {"report": "Selesai"})
    [doc] = done["documents"]
    for who in ("contact_a", "head", "division_head", "section_head", "property_manager"):
        r = client.get(doc["url"], headers=world.auth(who))
        assert r.status_code == 200 and r.content.startswith(b"%PDF-"), who
    # A contact person of another unit sees neither the procurement nor its report.
    call(client, world, "GET", f"procurements/{p['id']}", "contact_b", expect=404)
    assert client.get(doc["url"], headers=world.auth("contact_b")).status_code == 404
    assert client.get(doc["url"]).status_code == 401
    assert call(client, world, "GET", "procurements", "contact_b")["items"] == []


def test_an_officer_records_the_report_for_the_kepala_seksi(client, world, app):
    _people(app)
    _, p = _received(client, world)
    done = act(client, world, f"procurements/{p['id']}", "report", "officer", {"report": "Selesai"})
    text = text_of(client.get(done["documents"][0]["url"], headers=world.auth("officer")).content)
    # The Kasi makes the report and signs it on paper; the officer is recorded as the one who entered it.
    assert f"Yang membuat laporan, Kepala Seksi {KASI[0]} NIP. {KASI[1]}" in text
    assert f"Dicatat melalui Titip oleh {KASI[0]}" not in text
    assert f"Pelaksana, Pejabat Fungsional/Pelaksana {OFFICER[0]} NIP. {OFFICER[1]}" in text
    assert f"Dicatat melalui Titip oleh {OFFICER[0]} (officer)" in text
    no_english(text)


def test_the_procurement_page_links_the_report(client, world, app):
    _, p = _received(client, world)
    officer, unit_a, unit_b = Browser(app, "officer"), Browser(app, "contact_a"), Browser(app, "contact_b")
    assert 'data-document="activity_report"' not in officer.get(f"/procurements/{p['id']}").text
    r = officer.post(f"/procurements/{p['id']}/actions/report", {"report": "Selesai melalui halaman"})
    assert r.status_code == 303
    page = unit_a.get(f"/procurements/{p['id']}").text
    link = re.search(r'href="(/documents/\d+)" data-document="activity_report">[^<]*(LAP/\d{3}/\d{4})', page)
    assert link, page[page.find('id="documents"'):][:400]
    pdf = unit_a.get(link.group(1))
    assert pdf.status_code == 200 and link.group(2) in text_of(pdf.content)
    assert unit_b.get(f"/procurements/{p['id']}").status_code == 404
    assert unit_b.get(link.group(1)).status_code == 404

"""The office's other forms: each is numbered from the register, sealed (pyHanko validates it
against the demo CA), names people by name and NIP, and speaks only Indonesian."""

from __future__ import annotations

import re

import pytest

from tests.support import custody as flow
from tests.support.seal import sealed_ok, sealed_settings
from tests.unit.test_official_forms import ENGLISH, legal_text, text_of


@pytest.fixture
def settings(db_url, demo_pki):
    return sealed_settings(db_url, demo_pki, office_address="Jl. Pahlawan No. 1, Kota Contoh")


def no_english(text: str) -> None:
    found = ENGLISH.findall(legal_text(text).replace("PowerEdge", ""))
    assert not found, found


def test_each_disposition_issues_a_sealed_lembar_disposisi(client, world, demo_pki, app):
    with app.state.sessions() as s:  # names and NIPs as an office has them
        from sqlalchemy import update

        from controller.models import User

        s.execute(update(User).where(User.username == "head").values(full_name="Budi Santoso",
                                                                     nip="197001011990031001"))
        s.execute(update(User).where(User.username == "division_head").values(full_name="Sri Wahyuni",
                                                                              nip="197505052000032002"))
        s.execute(update(User).where(User.username == "officer").values(full_name="Agus Prasetyo",
                                                                        nip=flow.NIP_OFFICER))
        s.commit()
    rid = flow.submit(client, world)["id"]
    out = flow.to_assigned(client, world, rid)
    sheets = [d for d in out["documents"] if d["kind"] == "disposition"]
    assert len(sheets) == 2
    agenda, second = sheets[0]["number"], sheets[1]["number"]
    assert re.fullmatch(r"AGENDA/001/\d{4}", agenda) and re.fullmatch(r"DISP/001/\d{4}", second)

    first_pdf = client.get(sheets[0]["url"], headers=world.auth("contact_a")).content
    second_pdf = client.get(sheets[1]["url"], headers=world.auth("contact_a")).content
    for content in (first_pdf, second_pdf):
        assert sealed_ok(content, demo_pki["ca"])
        text = text_of(content)
        assert "LEMBAR DISPOSISI" in text and f"Nomor agenda {agenda}" in text
        assert "Surat dari Dinas Kesehatan" in text and "Jl. Pahlawan No. 1, Kota Contoh" in text
        assert "Teruskan ke Kabid Aptika" in text                      # the head's instruction
        assert "Didisposisikan melalui Titip oleh Budi Santoso (head)" in text
        assert "NIP. 197001011990031001" in text
        no_english(text)
    text = text_of(second_pdf)
    assert f"Nomor: {second}" in text and "Sri Wahyuni" in text and "Agus Prasetyo" in text
    assert "Didisposisikan melalui Titip oleh Sri Wahyuni (division_head)" in text
    assert "NIP. 197505052000032002" in text and f"NIP. {flow.NIP_OFFICER}" in text

    # A second letter takes the next agenda number.
    other = flow.submit(client, world)["id"]
    flow.act(client, world, other, "head_dispose", "head")
    again = client.get(f"/api/v1/custody-requests/{other}", headers=world.auth("head")).json()["documents"]
    assert [d["number"] for d in again if d["kind"] == "disposition"] == [agenda.replace("/001/", "/002/")]


# --- lifecycle cases (SOP 001) ------------------------------------------------------------------

def _people(app):
    from sqlalchemy import update

    from controller.models import User

    names = {"head": ("Budi Santoso", "197001011990031001"), "division_head": ("Sri Wahyuni", "197505052000032002"),
             "officer": ("Agus Prasetyo", flow.NIP_OFFICER), "contact_a": ("Ayu Kartika", flow.NIP_CONTACT),
             "contact_b": ("Bayu Saputra", "198801012012011004"),
             "section_head": ("Bambang Kasi", "197001011995031001")}
    with app.state.sessions() as s:
        for username, (name, nip) in names.items():
            s.execute(update(User).where(User.username == username).values(full_name=name, nip=nip))
        s.commit()


def _doc(client, world, docs, kind, who="officer"):
    [doc] = [d for d in docs if d["kind"] == kind]
    return doc, client.get(doc["url"], headers=world.auth(who)).content


def test_maintenance_issues_a_numbered_assignment_letter_and_an_activity_report(client, world, app, demo_pki):
    from tests.integration.test_lifecycle import act, open_case

    _people(app)
    sid = world.ids["server_a"]
    cid = open_case(client, world, "maintenance-cases", "officer",
                    {"server_id": sid, "kind": "repair", "analysis": "Kipas CPU berisik, suhu 85 C"})["id"]
    sent = act(client, world, "maintenance-cases", cid, "issue_memo", "section_head",
               {"note": "Mohon didahulukan, server layanan publik"})
    # SOP 001 Perbaikan 2: the Kasi's nota dinas to the Kabid, numbered, sealed, citing the analysis.
    memo, content = _doc(client, world, sent["documents"], "nota_dinas")
    assert re.fullmatch(r"ND/001/\d{4}", memo["number"]) and sent["state"] == "memo_sent"
    assert sealed_ok(content, demo_pki["ca"])
    text = text_of(content)
    assert "NOTA DINAS" in text and f"Nomor: {memo['number']}" in text
    assert "Kepala Bidang Aplikasi Informatika (Sri Wahyuni)" in text          # to the Kabid
    assert "Kepala Seksi (Bambang Kasi)" in text                               # from the Kasi
    assert "Kipas CPU berisik, suhu 85 C" in text and "Agus Prasetyo" in text   # the analysis and its maker
    assert "Rencana Kegiatan Perbaikan Server Dell PowerEdge R740" in text
    assert "Mohon didahulukan, server layanan publik" in text
    assert "Disetujui melalui Titip oleh Bambang Kasi (section_head)" in text and "NIP. 197001011995031001" in text
    no_english(text)
    act(client, world, "maintenance-cases", cid, "approve", "division_head")
    assigned = act(client, world, "maintenance-cases", cid, "assign", "head", {"officer": "officer"})
    assert re.fullmatch(r"SPT/001/\d{4}", assigned["letter_number"])   # the register's, not free text
    doc, content = _doc(client, world, assigned["documents"], "assignment")
    assert sealed_ok(content, demo_pki["ca"])
    text = text_of(content)
    assert "SURAT PENUGASAN" in text and f"Nomor: {assigned['letter_number']}" in text
    assert "Agus Prasetyo" in text and f"NIP {flow.NIP_OFFICER}" in text and "melaksanakan perbaikan" in text
    assert "Disetujui melalui Titip oleh Budi Santoso (head)" in text and "Kepala Dinas" in text
    no_english(text)

    act(client, world, "maintenance-cases", cid, "record_work", "officer", {
        "work_done": "Kipas CPU diganti", "downtime_start": "2026-11-20T02:00:00Z",
        "downtime_end": "2026-11-20T04:00:00Z", "parts": [{"name": "Kipas CPU", "quantity": 1}]})
    done = act(client, world, "maintenance-cases", cid, "report", "officer",
               {"report": "Server kembali normal", "condition_after": "baik"})
    doc, content = _doc(client, world, done["documents"], "activity_report")
    assert sealed_ok(content, demo_pki["ca"])
    text = text_of(content)
    assert re.search(r"Nomor: LAP/001/\d{4}", text)
    assert "LAPORAN KEGIATAN" in text and f"Surat Penugasan Nomor {assigned['letter_number']}" in text
    assert "Kipas CPU diganti" in text and "Kipas CPU (1)" in text and "Kondisi setelah kegiatan Baik" in text
    assert "Dicatat melalui Titip oleh Agus Prasetyo (officer)" in text and "Mengetahui" in text
    no_english(text)
    # A number given by hand must not be one the register already gave.
    other = open_case(client, world, "maintenance-cases", "officer",
                      {"server_id": sid, "kind": "maintenance", "analysis": "Pembersihan debu"})["id"]
    clash = act(client, world, "maintenance-cases", other, "issue_memo", "section_head",
                {"memo_number": memo["number"]}, expect=409)
    assert clash["field"] == "memo_number"
    second = act(client, world, "maintenance-cases", other, "issue_memo", "section_head")
    assert [d["number"] for d in second["documents"]] == [memo["number"].replace("/001/", "/002/")]
    assert "Pembersihan debu" in text_of(_doc(client, world, second["documents"], "nota_dinas")[1])
    act(client, world, "maintenance-cases", other, "approve", "division_head")
    clash = act(client, world, "maintenance-cases", other, "assign", "head",
                {"officer": "officer", "letter_number": assigned["letter_number"]}, expect=409)
    assert clash["field"] == "letter_number"


def test_transfer_record_names_both_units_signers_with_nip(client, world, app, demo_pki):
    from tests.integration.test_lifecycle import act, open_case

    _people(app)
    body = {"server_id": world.ids["server_a"], "to_unit": "BAPPEDA", "reason": "Aplikasi pindah ke Bappeda",
            "letter_number": "030/77/DISKES/2026"}
    cid = open_case(client, world, "transfers", "contact_a", body)["id"]
    act(client, world, "transfers", cid, "approve", "division_head")
    act(client, world, "transfers", cid, "approve", "head")
    out = act(client, world, "transfers", cid, "record_transfer", "officer")
    assert re.fullmatch(r"BA-PT/001/\d{4}", out["record_number"])
    doc, content = _doc(client, world, out["documents"], "transfer", who="contact_b")
    assert sealed_ok(content, demo_pki["ca"])
    text = text_of(content)
    assert f"Nomor: {out['record_number']}" in text
    assert "BERITA ACARA ALIH STATUS PENGGUNAAN BARANG" in text
    assert "Dinas Kesehatan (DISKES)" in text and "Badan Perencanaan Pembangunan Daerah (BAPPEDA)" in text
    for name, nip in (("Ayu Kartika", flow.NIP_CONTACT), ("Bayu Saputra", "198801012012011004"),
                      ("Agus Prasetyo", flow.NIP_OFFICER)):
        assert name in text and f"NIP. {nip}" in text
    assert "Disetujui melalui Titip oleh Budi Santoso (head)" in text   # Mengetahui: the head's approval
    no_english(text)


def test_disposal_issues_assignment_handover_record_and_activity_report(client, world, app, demo_pki):
    from tests.integration.test_lifecycle import act, open_case

    _people(app)
    sid = world.ids["server_a"]
    cid = open_case(client, world, "disposals", "officer",
                    {"server_id": sid, "method": "penghapusan", "reason": "Usang, tidak didukung vendor"})["id"]
    reviewed = act(client, world, "disposals", cid, "review", "officer",
                   {"eligible": True, "findings": "Memenuhi syarat: umur 9 tahun, suku cadang tidak tersedia"})
    # SOP 001 Penghapusan 2: the review's telaahan, numbered and sealed, on which the head decides.
    doc, content = _doc(client, world, reviewed["documents"], "disposal_review")
    assert re.fullmatch(r"TL-HPS/001/\d{4}", doc["number"])
    assert sealed_ok(content, demo_pki["ca"])
    text = text_of(content)
    assert "TELAAHAN PENGHAPUSAN BARANG MILIK DAERAH" in text and f"Nomor: {doc['number']}" in text
    assert "Memenuhi syarat: umur 9 tahun, suku cadang tidak tersedia" in text
    assert "Kesimpulan Memenuhi persyaratan penghapusan." in text and "Cara Penghapusan" in text
    assert "Usang, tidak didukung vendor" in text and "SN-A-001" in text and "Dinas Kesehatan" in text
    assert "Dicatat melalui Titip oleh Agus Prasetyo (officer)" in text and f"NIP. {flow.NIP_OFFICER}" in text
    no_english(text)
    approved = act(client, world, "disposals", cid, "approve", "head")
    doc, content = _doc(client, world, approved["documents"], "assignment")
    assert sealed_ok(content, demo_pki["ca"]) and re.search(r"Nomor: SPT/001/\d{4}", text_of(content))
    assert "Agus Prasetyo" in text_of(content) and "melaksanakan penghapusan" in text_of(content)
    act(client, world, "disposals", cid, "record_wipe", "officer", {
        "backup": "NAS kantor", "method": "shred 3x", "wiped_by": "Agus Prasetyo",
        "wiped_at": "2026-11-20T03:00:00Z", "report_text": "shred selesai"})
    handed = act(client, world, "disposals", cid, "hand_over", "officer", {"recipient_name": "Pengurus Barang BPKAD"})
    assert re.fullmatch(r"BA-HPS/001/\d{4}", handed["record_number"])
    doc, content = _doc(client, world, handed["documents"], "disposal")
    text = text_of(content)
    assert sealed_ok(content, demo_pki["ca"]) and "PENGHAPUSAN" in text and "Pengurus Barang BPKAD" in text
    no_english(text)
    gone = act(client, world, "disposals", cid, "dispose", "officer")
    doc, content = _doc(client, world, gone["documents"], "activity_report")
    text = text_of(content)
    assert sealed_ok(content, demo_pki["ca"]) and "LAPORAN KEGIATAN" in text and handed["record_number"] in text
    no_english(text)


def test_a_review_that_finds_a_disposal_ineligible_still_issues_its_telaahan(client, world, app, demo_pki):
    """The Kasi's review ends the case, and says why in a numbered telaahan the unit can read."""
    from tests.integration.test_lifecycle import act, open_case

    _people(app)
    cid = open_case(client, world, "disposals", "contact_b",
                    {"server_id": world.ids["server_b"], "method": "pemusnahan", "reason": "Rusak berat"})["id"]
    reviewed = act(client, world, "disposals", cid, "review", "section_head",
                   {"eligible": False, "findings": "Masih dapat diperbaiki, belum ada berita acara kerusakan"})
    assert reviewed["state"] == "rejected"
    doc, content = _doc(client, world, reviewed["documents"], "disposal_review", who="contact_b")
    assert re.fullmatch(r"TL-HPS/001/\d{4}", doc["number"]) and sealed_ok(content, demo_pki["ca"])
    text = text_of(content)
    assert "TELAAHAN PEMUSNAHAN BARANG MILIK DAERAH" in text
    assert "Masih dapat diperbaiki, belum ada berita acara kerusakan" in text
    assert "Tidak memenuhi persyaratan pemusnahan." in text and "tidak dapat diproses lebih lanjut" in text
    assert "Yang menelaah, Kepala Seksi" in text and "Bambang Kasi" in text and "NIP. 197001011995031001" in text
    no_english(text)
    assert client.get(doc["url"], headers=world.auth("contact_a")).status_code == 404   # another unit's


def test_the_register_steps_past_a_number_given_by_hand(client, world, app):
    import datetime as dt

    from tests.integration.test_lifecycle import act, open_case

    year = dt.datetime.now(dt.UTC).year  # the office's year (WIB) equals UTC's except on New Year's Eve night
    for i, server in enumerate(("server_a", "server_b")):
        body = {"server_id": world.ids[server], "to_unit": "BAPPEDA" if i == 0 else "DISKES", "reason": "Pindah"}
        who = "contact_a" if i == 0 else "contact_b"
        cid = open_case(client, world, "transfers", who, body)["id"]
        act(client, world, "transfers", cid, "approve", "division_head")
        act(client, world, "transfers", cid, "approve", "head")
        given = {"record_number": f"BA-PT/001/{year}"} if i == 0 else None
        out = act(client, world, "transfers", cid, "record_transfer", "officer", given)
        assert out["record_number"] == (f"BA-PT/001/{year}" if i == 0 else f"BA-PT/002/{year}")


def test_the_asset_card_names_people_and_speaks_indonesian(client, world, app):
    from tests.integration.test_lifecycle import place

    _people(app)
    sid = world.ids["server_a"]
    place(client, world, "server_a", 5)
    assert client.patch(f"/api/v1/servers/{sid}", headers=world.auth("officer"),
                        json={"condition": "rusak_ringan"}).status_code == 200
    bare = text_of(client.get(f"/api/v1/servers/{sid}/asset-card.pdf", headers=world.auth("officer")).content)
    assert "Kode barang belum dicatat" in bare and "Nilai perolehan belum dicatat" in bare
    asset = {"asset_code": "1.3.2.10.01.02.001", "nup": "0007", "owner": "office", "acquired_on": "2024-03-01",
             "acquisition_value": "125000000.00"}
    assert client.put(f"/api/v1/servers/{sid}/asset", headers=world.auth("officer"), json=asset).status_code == 200
    text = text_of(client.get(f"/api/v1/servers/{sid}/asset-card.pdf", headers=world.auth("officer")).content)
    assert "1.3.2.10.01.02.001" in text and "0007" in text and "Rp 125.000.000,00" in text
    assert "Agus Prasetyo" in text and "Rusak Ringan" in text and "Dipesan" in text
    assert not re.search(r"\b(reserved|occupied|released|officer)\b", text)
    no_english(text.replace("Hostname", ""))


def test_handover_and_return_forms_carry_mengetahui(client, world, app):
    from tests.integration.test_server_custodies import to_active

    _people(app)
    rid = flow.submit(client, world)["id"]
    to_active(client, world, rid)
    flow.act(client, world, rid, "request_return", "contact_a",
             {"reason": "Migrasi ke cloud", "letter_number": "006/RET/2026", "letter_date": "2026-11-27"})
    flow.act(client, world, rid, "approve_return", "division_head")
    final = flow.act(client, world, rid, "release", "officer", flow.release_body())
    docs = {d["kind"]: d for d in final["documents"]}
    handover = text_of(client.get(docs["handover"]["url"], headers=world.auth("contact_a")).content)
    assert "Mengetahui, Kepala Dinas Komunikasi dan Informatika" in handover
    assert "Didisposisikan melalui Titip oleh Budi Santoso (head)" in handover
    ret = text_of(client.get(docs["return"]["url"], headers=world.auth("contact_a")).content)
    assert "Mengetahui, Kepala Bidang Aplikasi Informatika" in ret
    assert "Pengembalian disetujui melalui Titip oleh Sri Wahyuni (division_head)" in ret
    assert "NIP. 197505052000032002" in ret
    no_english(handover)
    no_english(ret)


def test_the_case_page_lists_its_letters(client, world, app):
    from tests.integration.test_lifecycle import act, open_case
    from tests.integration.test_web_pages import Browser

    cid = open_case(client, world, "maintenance-cases", "officer",
                    {"server_id": world.ids["server_a"], "kind": "maintenance", "analysis": "Pembersihan"})["id"]
    act(client, world, "maintenance-cases", cid, "issue_memo", "section_head")
    act(client, world, "maintenance-cases", cid, "approve", "division_head")
    act(client, world, "maintenance-cases", cid, "assign", "head", {"officer": "officer"})
    page = Browser(app, "officer").get(f"/cases/maintenance/{cid}").text
    assert 'data-doc="assignment"' in page and "Surat penugasan" in page
    assert 'data-doc="nota_dinas"' in page and "Nota dinas" in page
    did = open_case(client, world, "disposals", "officer",
                    {"server_id": world.ids["server_b"], "method": "penghapusan", "reason": "Usang"})["id"]
    act(client, world, "disposals", did, "review", "officer", {"eligible": True, "findings": "Memenuhi syarat"})
    page = Browser(app, "officer").get(f"/cases/disposal/{did}").text
    assert 'data-doc="disposal_review"' in page and "Telaahan penghapusan" in page


def test_an_issued_asset_s_bast_and_installation_report_are_sealed(client, world, app, demo_pki):
    """SOP 001 Penggunaan: the BAST of an issue and the user's installation report are issued
    documents like the others: sealed, and the seal validates against the office's CA."""
    from tests.support import planning

    plan = planning.to_approved(client, world, planning.submit(client, world))
    proc = planning.call(client, world, "POST", "procurements", "officer", {
        "item_id": plan["items"][1]["id"], "method": "e_purchasing", "vendor": "PT Laptop",
        "contract_number": "SP/2", "contract_value": "14500000", "quantity": 1}, expect=201)
    got = planning.act(client, world, f"procurements/{proc['id']}", "receive", "officer", {
        "received_on": "2027-03-11", "receipt_number": "BAST/PTL/2",
        "assets": [{"brand": "Lenovo", "model": "ThinkPad T14", "serial_number": "SEAL-LAP-01"}]})
    issue = planning.call(client, world, "POST", "asset-issues", "section_head", {
        "server_id": got["assets"][0]["server_id"], "to_unit": "BAPPEDA", "recipient_name": "Siti Rahma",
        "recipient_nip": "198705122010012003", "purpose": "Pengolahan data", "bast_number": "BAST/TIK/021/2027"},
        expect=201)
    planning.sign_bast(client, world, issue["id"])
    installed = planning.act(client, world, f"asset-issues/{issue['id']}", "report_installation", "contact_b",
                             {"installed_on": "2027-03-12", "report": "Terpasang dan terkonfigurasi"})
    kinds = {d["kind"]: d["url"] for d in installed["documents"]}
    assert set(kinds) == {"issue_bast", "install_report"}
    for url in kinds.values():
        content = client.get(url, headers=world.auth("officer")).content
        assert sealed_ok(content, demo_pki["ca"]), url

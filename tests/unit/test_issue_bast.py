"""The BAST of assets issued to a user: one table line per asset, both signatures as given in Titip."""

from __future__ import annotations

from datetime import UTC, date, datetime

from controller.documents.issue_form import IssueBast, IssuedItem, render_issue_bast_pdf
from controller.documents.letterhead import Letterhead
from controller.documents.letters import Frame, Signer
from tests.unit.test_official_forms import text_of

AT = datetime(2027, 3, 12, 3, 15, tzinfo=UTC)   # 10.15 WIB


def _bast(sealed: bool, n: int = 3) -> str:
    frame = Frame(letterhead=Letterhead(lines=("PEMERINTAH KABUPATEN CONTOH", "DINAS KOMUNIKASI DAN INFORMATIKA")),
                  number="BAST/TIK/030/2027", date=date(2027, 3, 12), place="Contoh", sealed=sealed)
    bast = IssueBast(
        giver=Signer("Yang Menyerahkan", "Pengelola Barang", "Bambang Kasi", "197001011995031001", "Diskominfo",
                     "app", "pengelola", AT),
        recipient=Signer("Yang Menerima", "Pengelola TIK", "Rina Kontak", "198001012005012002", "Bappeda", "app",
                         "kontak", AT),
        recipient_unit="Bappeda (BAPPEDA)", user_name="Siti Rahma", user_nip="198705122010012003",
        purpose="Pengolahan data",
        items=[IssuedItem("PC / laptop / printer", "Lenovo ThinkPad T14", f"SN-{i:02d}", "1.3.2.10.02.03.001",
                          str(i), "rusak_ringan" if i == 2 else "baik") for i in range(1, n + 1)])
    return text_of(render_issue_bast_pdf(frame, bast))


def test_each_asset_is_a_line_and_both_sides_signed_with_name_nip_and_time():
    text = _bast(sealed=True)
    for i in (1, 2, 3):
        assert f"SN-{i:02d}" in text
    assert text.count("1.3.2.10.02.03.001") == 3 and "3 (tiga) unit barang" in text and "Rusak Ringan" in text
    assert "Siti Rahma (NIP 198705122010012003)" in text and "untuk keperluan Pengolahan data" in text
    for who, nip, login in (("Bambang Kasi", "197001011995031001", "pengelola"),
                            ("Rina Kontak", "198001012005012002", "kontak")):
        assert f"Ditandatangani melalui Titip oleh {who} ({login}), Jumat, 12 Maret 2027 pukul 10.15 WIB" in text
        assert f"NIP. {nip}" in text
    assert "PIHAK PERTAMA (yang menyerahkan)" in text and "PIHAK KEDUA (yang menerima)" in text
    assert "UU No. 11 Tahun 2008" in text    # sealed: the footer's legal note


def test_an_unsealed_bast_claims_no_seal():
    assert "UU No. 11 Tahun 2008" not in _bast(sealed=False, n=1)

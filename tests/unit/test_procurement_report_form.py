"""The procurement's activity report form from hand-built data (no database): every section and
signer printed, user input escaped, and the legal text in Indonesian only."""

from __future__ import annotations

from datetime import UTC, date, datetime

from controller.documents.letterhead import Letterhead
from controller.documents.letters import Frame, Signer
from controller.documents.procurement_report import AcquiredRow, ProcurementActivity, render_html, render_pdf
from tests.unit.test_official_forms import ENGLISH, legal_text, text_of

FRAME = Frame(letterhead=Letterhead(lines=("PEMERINTAH KABUPATEN CONTOH", "DINAS KOMINFO")), number="LAP/007/2027",
              date=date(2027, 3, 12), place="Kota Contoh", verify_url="https://titip.contoh.go.id/verify/LAP/007/2027")


def _report(narrative: str = "Pengadaan selesai.", assets: list[AcquiredRow] | None = None) -> ProcurementActivity:
    at = datetime(2027, 3, 12, 3, 0, tzinfo=UTC)
    return ProcurementActivity(
        opening="Telah dilaksanakan pengadaan aset:",
        plan=[("Uraian barang", "1. Switch 24 port (Perangkat jaringan)")],
        purchase=[("Nomor kontrak / SPK", "SPK/9/2027"), ("Tanggal kontrak / SPK", None)],
        assets=[AcquiredRow("Perangkat jaringan", "Cisco C9200", "FOC123", "1.3.2.10.02.01.001", "0001",
                            "Rp 4.100.000,00")] if assets is None else assets,
        narrative=narrative,
        signers=[Signer("Yang membuat laporan,", "Kepala Seksi", "Rina Marlina", "198203152006042011",
                        act="recorded", username="kasi", at=at)],
        acknowledger=Signer("Mengetahui,", "Kepala Bidang Aplikasi Informatika", "Sri Wahyuni", "197505052000032002"))


def test_every_section_and_signer_is_printed_in_indonesian():
    text = text_of(render_pdf(FRAME, _report()))
    for part in ("LAPORAN KEGIATAN", "Pengadaan Aset Sistem Elektronik", "Nomor: LAP/007/2027",
                 "A. Rencana kebutuhan yang dipenuhi", "Switch 24 port", "B. Pelaksanaan pengadaan", "SPK/9/2027",
                 "C. Aset yang dicatat dalam daftar barang", "FOC123", "1.3.2.10.02.01.001 / 0001",
                 "D. Uraian kegiatan", "Pengadaan selesai.", "Kota Contoh, 12 Maret 2027",
                 "Rina Marlina", "NIP. 198203152006042011", "Mengetahui,", "Sri Wahyuni", "NIP. 197505052000032002",
                 "Dicatat melalui Titip oleh Rina Marlina (kasi)"):
        assert part in text, part
    assert "Tanggal kontrak / SPK -" in text   # unknown, said so
    assert not ENGLISH.findall(legal_text(text).replace("Cisco", "")), ENGLISH.findall(legal_text(text))


def test_no_assets_is_said_and_the_narrative_is_escaped():
    html = render_html(FRAME, _report(narrative="<script>alert(1)</script>", assets=[]))
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "Tidak ada aset yang dicatat." in html

"""The nota dinas form from hand-built data (no database): the memo's head, its text, the cited
analysis and the sender's signature, escaped and in Indonesian only."""

from __future__ import annotations

import datetime as dt

from controller.documents.letterhead import Letterhead
from controller.documents.letters import Frame, Signer
from controller.documents.memo import Memo, render_html, render_memo
from tests.unit.test_official_forms import ENGLISH, legal_text, text_of

FRAME = Frame(letterhead=Letterhead(lines=("PEMERINTAH KABUPATEN CONTOH", "DINAS KOMUNIKASI DAN INFORMATIKA")),
              number="ND/007/2026", date=dt.date(2026, 12, 5), place="Kota Contoh", sealed=True,
              verify_url="https://titip.contoh.go.id/v/ND-007")


def _memo(analysis: str = "Kipas CPU berisik, suhu 85 C") -> Memo:
    return Memo(to="Kepala Bidang Aplikasi Informatika (Sri Wahyuni)", sender="Kepala Seksi (Bambang Kasi)",
                subject="Rencana Kegiatan Perbaikan Server Dell R740", attachment="1 (satu) berkas Telaahan",
                paragraphs=["Bersama ini kami sampaikan rencana kegiatan perbaikan server berikut:"],
                facts=[("Nomor seri", "SN-A-001")], quoted=analysis, quoted_label="Telaahan Perbaikan Aset",
                closing="Mohon persetujuan.",
                signer=Signer("Kepala Seksi,", None, "Bambang Kasi", "197001011995031001", act="app",
                              username="kasi", at=dt.datetime(2026, 12, 5, 3, 0, tzinfo=dt.UTC)))


def test_the_memo_names_whom_it_goes_to_and_from_and_cites_the_analysis():
    text = text_of(render_memo(FRAME, _memo()))
    for expected in ("NOTA DINAS", "Nomor: ND/007/2026", "Kepada Yth. : Kepala Bidang Aplikasi Informatika "
                     "(Sri Wahyuni)", "Dari : Kepala Seksi (Bambang Kasi)", "Sifat : Biasa",
                     "Lampiran : 1 (satu) berkas Telaahan", "Hal : Rencana Kegiatan Perbaikan Server Dell R740",
                     "Telaahan Perbaikan Aset Kipas CPU berisik, suhu 85 C", "Bambang Kasi",
                     "NIP. 197001011995031001", "Disetujui melalui Titip oleh Bambang Kasi (kasi)"):
        assert expected in text, (expected, text)
    assert not ENGLISH.findall(legal_text(text)), ENGLISH.findall(legal_text(text))


def test_the_analysis_is_text_not_markup():
    page = render_html(FRAME, _memo("<script>alert(1)</script> & <b>tebal</b>"))
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;tebal&lt;/b&gt;" in page

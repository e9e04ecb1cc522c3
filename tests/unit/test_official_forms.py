"""Issued forms read as Indonesian official documents: the full letterhead, A4 or F4, a
"Mengetahui" block, checklist items in Indonesian, and no English inside the legal text."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from controller.documents import HandoverDoc, Inspection, Item, Party, render_handover_pdf
from controller.documents.letterhead import PAPER, Letterhead, LogoError, logo_uri

T = dt.datetime(2026, 11, 24, 3, 15, tzinfo=dt.UTC)
# Words of the English glosses the forms used to carry; none may appear in an Indonesian form.
ENGLISH = re.compile(r"\b(hereinafter|handover|handing|receiving|signed|item|items|condition|notes|party|"
                     r"reason|inspection|passed|failed|position|civil servant|work unit|brand|serial|qty|"
                     r"record|transfer|disposal|the|of|and|by|on|at|we)\b", re.IGNORECASE)


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def legal_text(text: str) -> str:
    """The text without what is not Indonesian prose: URLs, the QR's caption, serial/brand values."""
    return re.sub(r"https?://\S+", "", text)


@pytest.fixture
def logo(tmp_path):
    from PIL import Image

    path = tmp_path / "logo.png"
    Image.new("RGB", (60, 72), (20, 80, 160)).save(path)
    return path


def _doc(lh: Letterhead, **kw) -> HandoverDoc:
    return HandoverDoc(
        kind="penitipan", number="027/003/406.020/2026", date=dt.date(2026, 11, 24), place="Kota Contoh",
        office_name=None, unit_name="Dinas Kesehatan", unit_code="DINKES",
        parties=[Party("Ayu Kartika", "198402142010012003", "Kepala Seksi Data", "Dinas Kesehatan", "penyerah", T,
                       "app", "contact_a"),
                 Party("Agus Prasetyo", "198905052015031001", "Pranata Komputer", "Diskominfo", "penerima", T,
                       "app", "officer")],
        items=[Item("Server", "Dell PowerEdge R650", "ABC123")],
        inspection=Inspection(True, {"physical": True, "serial_matches": True, "rails": False, "psu": True,
                                     "accessories": True}, "Lengkap"),
        letter_number="005/1/DINKES/2026", letter_date=dt.date(2026, 11, 20), letterhead=lh, **kw)


def test_the_letterhead_carries_logo_address_phone_site_and_the_paper_size(logo):
    lh = Letterhead(lines=("PEMERINTAH KABUPATEN CONTOH", "DINAS KOMUNIKASI DAN INFORMATIKA"),
                    address="Jl. Pahlawan No. 1, Kota Contoh 66311", phone="(0355) 791234",
                    website="diskominfo.contoh.go.id", logo_uri=logo_uri(str(logo)), paper="F4")
    pdf = render_handover_pdf(_doc(lh))
    text = text_of(pdf)
    assert "Jl. Pahlawan No. 1, Kota Contoh 66311" in text
    assert "Telepon (0355) 791234, Laman diskominfo.contoh.go.id" in text
    reader = PdfReader(io.BytesIO(pdf))
    width, height = (float(x) for x in reader.pages[0].mediabox[2:])
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (215, 330)     # F4
    images = [name for page in reader.pages for name in page.images]
    assert images, "the logo is embedded"
    a4 = PdfReader(io.BytesIO(render_handover_pdf(_doc(Letterhead(lines=("DINAS",), paper="A4")))))
    assert round(float(a4.pages[0].mediabox[3]) / 72 * 25.4) == 297 and PAPER["A4"] == "210mm 297mm"


def test_a_bad_logo_is_named_at_once(tmp_path):
    with pytest.raises(LogoError, match="TITIP_OFFICE_LOGO"):
        logo_uri(str(tmp_path / "missing.png"))
    (tmp_path / "logo.gif").write_bytes(b"GIF89a")
    with pytest.raises(LogoError, match="png"):
        logo_uri(str(tmp_path / "logo.gif"))


def test_mengetahui_block_names_the_head_and_their_act():
    head = Party("Budi Santoso", "197001011990031001", "Kepala Dinas Komunikasi dan Informatika", "Diskominfo",
                 "penerima", T, "app", "kadis")
    text = text_of(render_handover_pdf(_doc(Letterhead(lines=("DINAS",)), acknowledger=head)))
    assert "Mengetahui, Kepala Dinas Komunikasi dan Informatika" in text
    assert "Didisposisikan melalui Titip oleh Budi Santoso (kadis), Selasa, 24 November 2026 pukul 10.15 WIB" in text
    assert "NIP. 197001011990031001" in text


def test_checklist_items_in_indonesian_and_no_english_in_the_legal_text():
    text = text_of(render_handover_pdf(_doc(Letterhead(lines=("DINAS",)))))
    for label in ("Kondisi fisik baik, tidak ada kerusakan", "Nomor seri sesuai dengan surat permohonan",
                  "Rel pemasangan (rail kit) tersedia", "Catu daya (power supply) berfungsi"):
        assert label in text
    assert "serial_matches" not in text and "accessories" not in text
    prose = legal_text(text).replace("Dell PowerEdge R650", "").replace("(rail kit)", "").replace(
        "(power supply)", "")
    assert not ENGLISH.findall(prose), ENGLISH.findall(prose)


def test_a_bad_logo_setting_fails_at_start(tmp_path):
    from pydantic import ValidationError

    from controller.settings import Settings

    with pytest.raises(ValidationError, match="TITIP_OFFICE_LOGO"):
        Settings(office_logo=str(tmp_path / "nope.png"))

"""Handover form (BAST) renderers: what the printed form says, not how it looks."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from controller.documents import HandoverDoc, Inspection, Item, Party, bast_number, render_handover_pdf, render_html
from controller.documents.indonesian import long_date, spell_number
from controller.documents.model import Side

OFFICE = "PEMERINTAH KABUPATEN TRENGGALEK\nDINAS KOMUNIKASI DAN INFORMATIKA"
UNIT = "Dinas Pendidikan, Pemuda dan Olahraga"


BUDI = ("Budi Santoso, S.Kom.", "19850312 201001 1 004")
SITI = ("Siti Rahmawati, S.T.", "19900101 201503 2 001")


def _unit_contact(side: Side, signed_at: datetime | None) -> Party:
    return Party(*BUDI, "Pranata Komputer", UNIT, side, signed_at)


def _officer(side: Side, signed_at: datetime | None) -> Party:
    return Party(*SITI, "Pelaksana", "Bidang Aptika", side, signed_at)


def intake_doc(**changes: object) -> HandoverDoc:
    fields: dict[str, object] = dict(
        kind="penitipan",
        number=bast_number(7, "DISDIK", 2026),
        date=date(2026, 11, 24),
        place="Trenggalek",
        office_name=OFFICE,
        unit_name=UNIT,
        unit_code="DISDIK",
        parties=[
            _unit_contact("penyerah", datetime(2026, 11, 24, 2, 15, tzinfo=UTC)),
            _officer("penerima", datetime(2026, 11, 24, 3, 0, tzinfo=UTC)),
        ],
        items=[Item("Server 2U", "Dell PowerEdge R740", "SN-7XK29Q2", 1, "baik", "dengan rail kit")],
        inspection=Inspection(
            passed=True,
            checklist={"Kondisi fisik baik": True, "Catu daya redundan": False},
            notes="Satu catu daya tidak terpasang.",
        ),
        letter_number="027/123/406.010/2026",
        letter_date=date(2026, 11, 20),
    )
    fields.update(changes)
    return HandoverDoc(**fields)  # type: ignore[arg-type]


def return_doc() -> HandoverDoc:
    return HandoverDoc(
        kind="pengembalian",
        number=bast_number(3, "DISDIK", 2027, kind="pengembalian"),
        date=date(2027, 2, 1),
        place="Trenggalek",
        office_name=OFFICE,
        unit_name=UNIT,
        unit_code="DISDIK",
        parties=[_officer("penyerah", datetime(2027, 2, 1, 9, 30)), _unit_contact("penerima", None)],
        items=[Item("Server 2U", "Dell PowerEdge R740", "SN-7XK29Q2", 1, "rusak_ringan", None)],
        inspection=None,
        reason="Server dipindahkan ke pusat data nasional.",
        letter_number="027/045/406.010/2027",
        letter_date=date(2027, 1, 25),
    )


def pdf_text(data: bytes) -> str:
    """Page text with whitespace collapsed, since line breaks fall wherever the layout puts them."""
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


# -- numbering -------------------------------------------------------------------------------


def test_bast_number_formats() -> None:
    assert bast_number(7, "DISDIK", 2026) == "BAST/007/DISDIK/2026"
    assert bast_number(7, "DISDIK", 2026, kind="pengembalian") == "BAST-K/007/DISDIK/2026"
    assert bast_number(1234, "BPBD", 2026) == "BAST/1234/BPBD/2026"


@pytest.mark.parametrize(
    "seq, unit_code, year",
    [(0, "DISDIK", 2026), (-1, "DISDIK", 2026), (1, "", 2026), (1, "A/B", 2026),
     (1, "A B", 2026), (1, "X", 26)],
)
def test_bast_number_refuses_what_breaks_the_format(seq: int, unit_code: str, year: int) -> None:
    with pytest.raises(ValueError):
        bast_number(seq, unit_code, year)


# -- Indonesian wording ----------------------------------------------------------------------


def test_dates_and_numbers_in_indonesian() -> None:
    assert long_date(date(2026, 11, 24)) == "Selasa, 24 November 2026"
    assert spell_number(2026) == "dua ribu dua puluh enam"
    assert spell_number(1111) == "seribu seratus sebelas"
    assert spell_number(19) == "sembilan belas"


# -- the intake form -------------------------------------------------------------------------


def test_intake_pdf_holds_what_the_sop_asks() -> None:
    text = pdf_text(render_handover_pdf(intake_doc()))

    assert "BERITA ACARA SERAH TERIMA BARANG" in text
    assert "PENITIPAN SERVER" in text
    assert "BAST/007/DISDIK/2026" in text
    assert "Trenggalek, 24 November 2026" in text
    assert "Pada hari ini Selasa tanggal dua puluh empat bulan November" in text
    assert "SN-7XK29Q2" in text
    assert UNIT in text
    for name, nip in (BUDI, SITI):
        assert name in text
        assert nip in text
    assert "PIHAK PERTAMA" in text and "PIHAK KEDUA" in text
    assert "Kondisi fisik baik Ya" in text
    assert "Catu daya redundan Tidak" in text
    assert "MEMENUHI SYARAT" in text
    # Signature times are shown in the office's zone (WIB = UTC+7).
    assert (
        "Disetujui melalui Titip oleh Budi Santoso, S.Kom., "
        "Selasa, 24 November 2026 pukul 09.15 WIB"
    ) in text
    assert "Baik" in text


def test_intake_pdf_metadata_and_reproducibility() -> None:
    first = render_handover_pdf(intake_doc())
    assert first == render_handover_pdf(intake_doc())
    meta = PdfReader(io.BytesIO(first)).metadata
    assert meta is not None
    assert meta.title == "Berita Acara Serah Terima Barang BAST/007/DISDIK/2026"
    assert meta["/CreationDate"].startswith("D:20261124000000+07")
    # Last change is the last signature, 03:00 UTC = 10:00 WIB.
    assert meta["/ModDate"].startswith("D:20261124100000+07")


def test_unsigned_party_is_shown_as_not_signed() -> None:
    doc = intake_doc(parties=[_unit_contact("penyerah", None), _officer("penerima", None)])
    text = pdf_text(render_handover_pdf(doc))
    assert "Belum ditandatangani" in text
    assert "Disetujui melalui Titip" not in text and "secara elektronik" not in text


# -- the return form -------------------------------------------------------------------------


def test_return_pdf_holds_reason_and_parties() -> None:
    text = pdf_text(render_handover_pdf(return_doc()))

    assert "PENGEMBALIAN SERVER" in text
    assert "BAST-K/003/DISDIK/2027" in text
    assert "Server dipindahkan ke pusat data nasional." in text
    assert "SN-7XK29Q2" in text
    assert "Rusak Ringan" in text
    for name, nip in (BUDI, SITI):
        assert name in text and nip in text
    # The office hands back, so the officer is PIHAK PERTAMA; naive times are taken as local.
    assert "oleh Siti Rahmawati, S.T., Senin, 1 Februari 2027 pukul 09.30 WIB" in text
    assert "Hasil Pemeriksaan" not in text  # no inspection given, none printed


# -- robustness ------------------------------------------------------------------------------


def test_missing_fields_render_without_crashing() -> None:
    doc = HandoverDoc(
        kind="penitipan",
        number=None,
        date=None,
        place=None,
        office_name=None,
        unit_name=None,
        unit_code=None,
        parties=[Party(None, None, None, None, "penyerah", None)],
        items=[Item(None, None, None, None, None, None), Item("Switch", condition="hilang_sebagian")],
        inspection=Inspection(passed=False, checklist={"Nomor seri sesuai": None}, notes=None),
        reason=None,
        letter_number=None,
        letter_date=None,
        timezone="XYZ",
    )
    text = pdf_text(render_handover_pdf(doc))
    assert "BERITA ACARA SERAH TERIMA BARANG" in text
    assert "TIDAK MEMENUHI SYARAT" in text
    assert "Hilang Sebagian" in text  # unknown condition tidied, not refused
    assert "PIHAK KEDUA" in text  # the missing side still gets a block to sign

    empty = render_handover_pdf(HandoverDoc("pengembalian", None, None, None, None, None, None))
    assert "Tidak ada barang" in pdf_text(empty)


def test_structural_fields_are_checked() -> None:
    with pytest.raises(ValueError):
        Party("A", "1", "B", "C", "saksi", None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        HandoverDoc("pinjam", None, None, None, None, None, None)  # type: ignore[arg-type]


def test_html_escapes_malicious_input() -> None:
    evil = '<script>alert("x")</script><img src="http://169.254.169.254/">'
    doc = intake_doc(
        parties=[Party(evil, "1", "x", "y", "penyerah", None), _officer("penerima", None)],
        office_name="DINAS <b>X</b>",
        items=[Item(evil, serial_number='"><svg onload=1>')],
    )
    html = render_html(doc)
    for markup in ("<script>", "<img", "<svg", "<b>X"):
        assert markup not in html
    assert "&lt;script&gt;" in html
    # The PDF prints the text literally and fetches nothing.
    assert "<script>alert" in pdf_text(render_handover_pdf(doc))


def test_html_preview_is_self_contained() -> None:
    html = render_html(intake_doc())
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "<link" not in html and "src=" not in html
    assert "BAST/007/DISDIK/2026" in html

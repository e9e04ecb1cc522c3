"""The office's other forms: each is numbered from the register, sealed (pyHanko validates it
against the demo CA), names people by name and NIP, and speaks only Indonesian."""

from __future__ import annotations

import io
import re

import pytest

from tests.support import custody as flow
from tests.unit.test_official_forms import ENGLISH, legal_text, text_of

PASSPHRASE = "seal-test-passphrase"


@pytest.fixture(scope="module")
def demo_pki(tmp_path_factory):
    from controller.documents.seal import init_demo

    return init_demo(tmp_path_factory.mktemp("pki"), "Dinas Komunikasi dan Informatika", PASSPHRASE)


@pytest.fixture
def settings(db_url, demo_pki):
    from controller.settings import Settings

    return Settings(database_url=db_url, secret_key="test-secret-key-0123456789abcdef", scheduler_enabled=False,
                    seal_p12=str(demo_pki["p12"]), seal_passphrase=PASSPHRASE, public_url="http://titip.contoh.go.id",
                    office_address="Jl. Pahlawan No. 1, Kota Contoh")


def sealed_ok(content: bytes, ca) -> bool:
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(content), strict=False)
    [sig] = reader.embedded_signatures
    status = validate_pdf_signature(sig, ValidationContext(trust_roots=[load_cert_from_pemder(str(ca))]))
    return bool(status.bottom_line and status.coverage.name == "ENTIRE_FILE")


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

"""The office's electronic seal on issued forms: readers and validators see it signed and unchanged."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess

import pytest

from tests.support import custody as flow
from tests.support.seal import sealed_settings


@pytest.fixture
def settings(db_url, demo_pki):
    return sealed_settings(db_url, demo_pki)


def _validate(content: bytes, ca_path):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(content), strict=False)
    assert len(reader.embedded_signatures) == 1
    ctx = ValidationContext(trust_roots=[load_cert_from_pemder(str(ca_path))])
    return validate_pdf_signature(reader.embedded_signatures[0], ctx)


def _handover(client, world) -> tuple[dict, bytes]:
    req = flow.submit(client, world)
    done = flow.to_handed_over(client, world, req["id"])
    doc = next(d for d in done["documents"] if d["kind"] == "handover")
    r = client.get(doc["url"], headers=world.auth("contact_a"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    return doc, r.content


def test_issued_handover_form_is_sealed_over_the_whole_file(client, world, demo_pki, tmp_path):
    doc, content = _handover(client, world)
    # The stored (and audited) bytes are the sealed ones.
    events = client.get("/api/v1/audit/events?entity=document&limit=500", headers=world.auth("admin")).json()["items"]
    audited = {json.loads(e["after"])["number"]: json.loads(e["after"])["sha256"] for e in events}
    assert hashlib.sha256(content).hexdigest() == doc["sha256"] == audited[doc["number"]]

    path = tmp_path / "bast.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60).stdout
    assert out.count("Signature #") == 1, out
    assert "Total document signed" in out and "Signature is Valid" in out
    assert "Segel Elektronik Dinas Komunikasi dan Informatika" in out

    status = _validate(content, demo_pki["ca"])
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.signing_cert.subject.native["common_name"].startswith("Segel Elektronik")


def test_a_byte_changed_after_sealing_is_reported(client, world, demo_pki, tmp_path):
    _doc, content = _handover(client, world)
    # Change one byte inside the signed range (the first page's content, well before the signature).
    at = content.index(b"/Type /Page") + 2
    tampered = content[:at] + bytes([content[at] ^ 0x01]) + content[at + 1:]
    status = _validate(tampered, demo_pki["ca"])
    assert not status.intact and not status.bottom_line

    path = tmp_path / "tampered.pdf"
    path.write_bytes(tampered)
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60).stdout
    assert "Signature is Valid" not in out and ("Digest Mismatch" in out or "Invalid" in out), out


def test_without_a_seal_the_form_is_issued_unsealed(db_url, tmp_path):
    """No certificate configured: issued as before, nothing claims a seal."""
    from fastapi.testclient import TestClient
    from pypdf import PdfReader

    from controller.app import create_app
    from controller.settings import Settings
    from tests.support.world import build_world

    app = create_app(Settings(database_url=db_url, secret_key="test-secret-key-0123456789abcdef",
                              scheduler_enabled=False))
    try:
        with TestClient(app) as client:
            world = build_world(app)
            _doc, content = _handover(client, world)
            assert PdfReader(io.BytesIO(content)).get_fields() in (None, {})
    finally:
        app.state.engine.dispose()
        app.state.read_engine.dispose()
        app.state.ingest_engine.dispose()


def test_a_wrong_passphrase_stops_the_start(db_url, demo_pki):
    from controller.app import create_app
    from controller.documents.seal import SealConfigError
    from controller.settings import Settings

    with pytest.raises(SealConfigError, match="TITIP_SEAL_PASSPHRASE"):
        create_app(Settings(database_url=db_url, secret_key="test-secret-key-0123456789abcdef",
                            scheduler_enabled=False, seal_p12=str(demo_pki["p12"]), seal_passphrase="wrong"))


def _text(content: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())


def test_forms_print_each_signature_as_what_it_was(client, world, demo_pki):
    """Handover: both approved in Titip (name, username, time). Return: signed on paper, with the
    return letter's date; the seal is real, so the footer may cite UU ITE."""
    from tests.integration.test_server_custodies import to_active

    req = flow.submit(client, world)
    rid = req["id"]
    to_active(client, world, rid)
    flow.act(client, world, rid, "request_return", "contact_a",
             {"reason": "Migrasi ke cloud", "letter_number": "006/RET/2026", "letter_date": "2026-11-27"})
    flow.act(client, world, rid, "approve_return", "division_head")
    final = flow.act(client, world, rid, "release", "officer", flow.release_body())
    docs = {d["kind"]: d for d in final["documents"]}

    handover = _text(client.get(docs["handover"]["url"], headers=world.auth("contact_a")).content)
    assert "Disetujui melalui Titip oleh Ayu Kartika (contact_a)," in handover
    assert "Disetujui melalui Titip oleh Agus Prasetyo (officer)," in handover and "WIB" in handover
    assert "di atas kertas" not in handover
    assert "secara elektronik oleh" not in handover  # no claim of a personal electronic signature
    assert "UU No. 11 Tahun 2008" in handover and "disegel secara elektronik" in handover
    number = docs["handover"]["number"]
    assert f"http://titip.contoh.go.id/verify/{number}" in handover

    ret = _text(client.get(docs["return"]["url"], headers=world.auth("contact_a")).content)
    assert ret.count("Ditandatangani di atas kertas") == 2 and "Disetujui melalui Titip" not in ret
    assert "006/RET/2026 tanggal 27 November 2026" in ret


def test_unsealed_form_claims_no_electronic_signature(db_url):
    from fastapi.testclient import TestClient

    from controller.app import create_app
    from controller.settings import Settings
    from tests.support.world import build_world

    app = create_app(Settings(database_url=db_url, secret_key="test-secret-key-0123456789abcdef",
                              scheduler_enabled=False))
    try:
        with TestClient(app) as client:
            world = build_world(app)
            _doc, content = _handover(client, world)
    finally:
        app.state.engine.dispose()
        app.state.read_engine.dispose()
        app.state.ingest_engine.dispose()
    text = _text(content)
    assert "UU No. 11 Tahun 2008" not in text and "elektronik" not in text
    assert "Disetujui melalui Titip oleh Ayu Kartika (contact_a)" in text


def test_public_check_by_number_and_by_upload(client, world, demo_pki):
    """No login: the number's page shows the hash and a match; an upload is identical or not."""
    import re

    doc, content = _handover(client, world)
    client.cookies.clear()  # a member of the public, logged in nowhere
    page = client.get(f"/verify/{doc['number']}")
    assert page.status_code == 200
    assert 'data-verify="match"' in page.text and doc["sha256"] in page.text and doc["number"] in page.text
    for private in ("Dinas Kesehatan", "Ayu Kartika", "PowerEdge", "CUST-"):
        assert private not in page.text
    assert client.get("/verify/BAST/999/NOPE/2026").status_code == 404

    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    same = client.post("/verify", data={"csrf_token": token}, files={"file": ("bast.pdf", content, "application/pdf")})
    assert same.status_code == 200 and 'data-verify="match"' in same.text and doc["number"] in same.text
    at = content.index(b"/Type /Page") + 2
    changed = content[:at] + bytes([content[at] ^ 0x01]) + content[at + 1:]
    other = client.post("/verify", data={"csrf_token": token},
                        files={"file": ("bast.pdf", changed, "application/pdf")})
    assert other.status_code == 200 and 'data-verify="no-match"' in other.text
    assert doc["sha256"] not in other.text
    empty = client.post("/verify", data={"csrf_token": token})
    assert empty.status_code == 400


def test_public_check_sees_a_stored_file_changed_behind_its_back(client, world, app):
    from sqlalchemy import update

    from controller.models import Document

    doc, content = _handover(client, world)
    with app.state.engine.begin() as conn:  # someone with the database's owner rights edits it directly
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE documents DISABLE TRIGGER documents_write_once")
        else:
            conn.exec_driver_sql("DROP TRIGGER documents_no_update")
        conn.execute(update(Document).where(Document.number == doc["number"]).values(content=content + b"\n"))
    page = client.get(f"/verify/{doc['number']}")
    assert page.status_code == 200 and 'data-verify="altered"' in page.text


def test_the_transfer_record_is_sealed_too(client, world, demo_pki):
    """Every issued kind goes through the same store: the transfer record (lifecycle) as well."""
    from tests.integration.test_lifecycle import act, open_case

    body = {"server_id": world.ids["server_a"], "to_unit": "BAPPEDA", "reason": "Aplikasi pindah ke Bappeda"}
    cid = open_case(client, world, "transfers", "contact_a", body)["id"]
    act(client, world, "transfers", cid, "approve", "division_head")
    act(client, world, "transfers", cid, "approve", "head")
    out = act(client, world, "transfers", cid, "record_transfer", "officer", {"record_number": "BA-PT/001/2026"})
    doc = out["documents"][0]
    content = client.get(doc["url"], headers=world.auth("contact_b")).content
    status = _validate(content, demo_pki["ca"])
    assert doc["kind"] == "transfer" and status.bottom_line and status.coverage.name == "ENTIRE_FILE"
    assert hashlib.sha256(content).hexdigest() == doc["sha256"]

"""A signer signs the handover form with their own BSrE certificate (through the esign-client
service, here a real HTTP stand-in on loopback); the office's seal follows; both stay valid."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from tests.support import custody as flow
from tests.support.fake_bsre import FakeBsre, running

PASSPHRASE = "seal-test-passphrase"
NIK = "3501014402840003"
TTE_PASSPHRASE = "Rahasia-TTE-Ayu-77"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    from controller.documents.seal import init_demo

    office = init_demo(tmp_path_factory.mktemp("office"), "Dinas Komunikasi dan Informatika", PASSPHRASE)
    person = init_demo(tmp_path_factory.mktemp("person"), "Ayu Kartika", PASSPHRASE)
    return office, person


@pytest.fixture
def bsre(pki):
    _office, person = pki
    with running(FakeBsre(url="", p12=person["p12"], p12_passphrase=PASSPHRASE, users={NIK: TTE_PASSPHRASE})) as svc:
        yield svc


@pytest.fixture
def settings(db_url, pki, bsre):
    from controller.settings import Settings

    office, _person = pki
    return Settings(database_url=db_url, secret_key="test-secret-key-0123456789abcdef", scheduler_enabled=False,
                    seal_p12=str(office["p12"]), seal_passphrase=PASSPHRASE, bsre_url=bsre.url,
                    bsre_username=bsre.username, bsre_password=bsre.password, bsre_timeout_seconds=20)


def _to_contacts_signature(client, world) -> int:
    rid = flow.submit(client, world)["id"]
    flow.to_assigned(client, world, rid)
    flow.act(client, world, rid, "reserve_space", "officer", {})
    flow.act(client, world, rid, "receive", "officer")
    flow.act(client, world, rid, "inspect", "officer", {"passed": True, "checklist": flow.CHECKLIST_OK})
    flow.act(client, world, rid, "sign_handover", "officer",
             {"name": "Agus Prasetyo", "nip": flow.NIP_OFFICER, "position": "Pranata Komputer"})
    return rid


def _contact_signs(client, world, rid, bsre_body, expect=200):
    return flow.act(client, world, rid, "sign_handover", "contact_a",
                    {"name": "Ayu Kartika", "nip": flow.NIP_CONTACT, "position": "Kepala Seksi Data",
                     "bsre": bsre_body}, expect=expect)


def _signatures(content: bytes, *roots):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(content), strict=False)
    ctx = ValidationContext(trust_roots=[load_cert_from_pemder(str(r)) for r in roots])
    return [(s.field_name, validate_pdf_signature(s, ctx)) for s in reader.embedded_signatures]


def test_the_last_signer_signs_with_bsre_then_the_seal_covers_the_whole(client, world, app, pki, bsre):
    office, person = pki
    rid = _to_contacts_signature(client, world)
    done = _contact_signs(client, world, rid, {"nik": NIK, "passphrase": TTE_PASSPHRASE})
    assert done["state"] == "handed_over"
    doc = next(d for d in done["documents"] if d["kind"] == "handover")
    content = client.get(doc["url"], headers=world.auth("contact_a")).content

    sigs = _signatures(content, office["ca"], person["ca"])
    assert [name for name, _ in sigs] == ["BSrE_TTE", "SegelElektronikTitip"]
    (_, personal), (_, seal) = sigs
    assert personal.bottom_line and personal.intact and personal.trusted
    assert personal.signing_cert.subject.native["common_name"] == "Segel Elektronik Ayu Kartika"
    assert personal.coverage.name == "ENTIRE_REVISION"   # the seal's revision came after it
    assert seal.bottom_line and seal.coverage.name == "ENTIRE_FILE"

    from pypdf import PdfReader

    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())
    assert "Ditandatangani secara elektronik oleh Ayu Kartika dengan sertifikat elektronik BSrE" in text
    assert "Disetujui melalui Titip oleh Agus Prasetyo (officer)" in text

    # The service got the documented form; the passphrase went there and nowhere else.
    assert bsre.received[-1] == {"nik": NIK, "passphrase": TTE_PASSPHRASE, "tampilan": "invisible",
                                 "reason": f"Berita Acara Serah Terima {doc['number']}", "location": "Kota Contoh"}
    from controller.models import CustodyStep

    with app.state.sessions() as s:
        kept = json.dumps([x for x in s.scalars(select(CustodyStep.data)) if x])
    events = client.get("/api/v1/audit/events?limit=500", headers=world.auth("admin")).text
    timeline = client.get(f"/api/v1/custody-requests/{rid}", headers=world.auth("admin")).text
    for where in (kept, events, timeline):
        assert TTE_PASSPHRASE not in where
    assert "Ayu Kartika" in kept  # the rest of the act is kept as given


@pytest.mark.parametrize(("body", "field", "says"), [
    ({"nik": NIK, "passphrase": "salah"}, "passphrase", "Passphrase anda salah"),
    ({"nik": "3501019999999999", "passphrase": TTE_PASSPHRASE}, "nik", "User tidak terdaftar"),
    ({"nik": "123", "passphrase": TTE_PASSPHRASE}, "bsre.nik", None),
])
def test_a_refused_signature_issues_nothing(client, world, bsre, body, field, says):
    rid = _to_contacts_signature(client, world)
    calls = len(bsre.received)
    out = _contact_signs(client, world, rid, body, expect=422)
    assert out["field"] == field and (says is None or says in out["detail"])
    assert "salah" not in json.dumps(out).replace("Passphrase anda salah", "")  # the given passphrase not echoed
    assert len(bsre.received) == calls + (says is not None)
    req = client.get(f"/api/v1/custody-requests/{rid}", headers=world.auth("contact_a")).json()
    assert req["state"] == "inspected" and not [d for d in req["documents"] if d["kind"] == "handover"]
    # Signing in Titip still works afterwards.
    flow.act(client, world, rid, "sign_handover", "contact_a",
             {"name": "Ayu Kartika", "nip": flow.NIP_CONTACT, "position": "Kepala Seksi Data"})


def test_the_first_signer_cannot_sign_a_form_not_yet_issued(client, world, bsre):
    rid = flow.submit(client, world)["id"]
    flow.to_assigned(client, world, rid)
    flow.act(client, world, rid, "reserve_space", "officer", {})
    flow.act(client, world, rid, "receive", "officer")
    flow.act(client, world, rid, "inspect", "officer", {"passed": True, "checklist": flow.CHECKLIST_OK})
    out = flow.act(client, world, rid, "sign_handover", "officer",
                   {"name": "Agus Prasetyo", "nip": flow.NIP_OFFICER, "position": "Pranata Komputer",
                    "bsre": {"nik": NIK, "passphrase": TTE_PASSPHRASE}}, expect=409)
    assert out["field"] == "bsre" and not bsre.received


def test_the_service_down_is_a_503_and_nothing_is_issued(client, world, bsre, app):
    rid = _to_contacts_signature(client, world)
    app.state.settings.bsre_url = "http://127.0.0.1:9"   # discard port: nothing listens
    out = _contact_signs(client, world, rid, {"nik": NIK, "passphrase": TTE_PASSPHRASE}, expect=503)
    assert "nothing was signed" in out["detail"] and TTE_PASSPHRASE not in json.dumps(out)


def test_without_the_setting_nothing_calls_out(db_url, pki, bsre):
    from fastapi.testclient import TestClient

    from controller.app import create_app
    from controller.settings import Settings
    from tests.support.world import build_world

    office, _person = pki
    app = create_app(Settings(database_url=db_url, secret_key="test-secret-key-0123456789abcdef",
                              scheduler_enabled=False, seal_p12=str(office["p12"]), seal_passphrase=PASSPHRASE))
    try:
        with TestClient(app) as client:
            world = build_world(app)
            rid = _to_contacts_signature(client, world)
            out = _contact_signs(client, world, rid, {"nik": NIK, "passphrase": TTE_PASSPHRASE}, expect=422)
            assert out["field"] == "bsre"
            done = flow.act(client, world, rid, "sign_handover", "contact_a",
                            {"name": "Ayu Kartika", "nip": flow.NIP_CONTACT, "position": "Kepala Seksi Data"})
            doc = next(d for d in done["documents"] if d["kind"] == "handover")
            content = client.get(doc["url"], headers=world.auth("contact_a")).content
    finally:
        app.state.engine.dispose()
        app.state.read_engine.dispose()
        app.state.ingest_engine.dispose()
    assert [name for name, _ in _signatures(content, office["ca"])] == ["SegelElektronikTitip"]
    assert bsre.received == []


def test_the_request_page_offers_bsre_signing_and_signs_through_it(client, world, app, pki, bsre):
    from tests.integration.test_web_pages import Browser

    office, person = pki
    rid = _to_contacts_signature(client, world)
    contact = Browser(app, "contact_a")
    page = contact.get(f"/requests/{rid}").text
    assert 'name="bsre_nik"' in page and 'type="password" name="bsre_passphrase"' in page
    assert "sertifikat elektronik BSrE" in page   # Indonesian by default
    wrong = contact.post(f"/requests/{rid}/actions/sign_handover", {
        "name": "Ayu Kartika", "nip": flow.NIP_CONTACT, "position": "Kepala Seksi Data",
        "bsre_nik": NIK, "bsre_passphrase": "salah-sekali"})
    assert wrong.status_code == 303
    shown = contact.get(wrong.headers["location"]).text
    assert "Passphrase anda salah" in shown and "salah-sekali" not in shown
    done = contact.act(rid, "sign_handover", {"name": "Ayu Kartika", "nip": flow.NIP_CONTACT,
                                              "position": "Kepala Seksi Data", "bsre_nik": NIK,
                                              "bsre_passphrase": TTE_PASSPHRASE})
    assert "salah-sekali" not in done and TTE_PASSPHRASE not in done
    doc = next(d for d in client.get(f"/api/v1/custody-requests/{rid}", headers=world.auth("contact_a")).json()
               ["documents"] if d["kind"] == "handover")
    content = client.get(doc["url"], headers=world.auth("contact_a")).content
    assert [name for name, _ in _signatures(content, office["ca"], person["ca"])] == ["BSrE_TTE",
                                                                                     "SegelElektronikTitip"]


def test_without_the_setting_the_page_offers_no_bsre_fields(db_url, pki):
    from fastapi.testclient import TestClient

    from controller.app import create_app
    from controller.settings import Settings
    from tests.integration.test_web_pages import Browser
    from tests.support.world import build_world

    app = create_app(Settings(database_url=db_url, secret_key="test-secret-key-0123456789abcdef",
                              scheduler_enabled=False))
    try:
        with TestClient(app) as client:
            world = build_world(app)
            rid = _to_contacts_signature(client, world)
            assert "bsre_nik" not in Browser(app, "contact_a").get(f"/requests/{rid}").text
    finally:
        app.state.engine.dispose()
        app.state.read_engine.dispose()
        app.state.ingest_engine.dispose()

"""The BSrE signing-service client against the service's documented answers (respx: an HTTP
client's unit tests are where a mocked transport belongs)."""

from __future__ import annotations

import httpx
import pytest
import respx
from pydantic import SecretStr

from controller.signing import bsre

BASE = "http://esign.contoh.go.id"
NIK = "3501010101900001"
PASS = SecretStr("rahasia-tte-123")
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
SIGNED = PDF + b"% signed by BSrE\n%%EOF\n"


@pytest.fixture
def client() -> bsre.BsreClient:
    return bsre.BsreClient(base_url=BASE, username="titip", password=SecretStr("akun-rahasia"), timeout=2)


@respx.mock
def test_sign_sends_the_documented_form_and_answers_the_signed_pdf(client):
    route = respx.post(f"{BASE}/api/sign/pdf").mock(return_value=httpx.Response(
        200, content=SIGNED, headers={"content-type": "application/pdf", "id_dokumen": "42"}))
    out = client.sign_pdf(PDF, NIK, PASS, filename="BAST_001.pdf", reason="Serah terima", location="Kota Contoh")
    assert out == SIGNED
    request = route.calls.last.request
    assert request.headers["authorization"] == httpx.BasicAuth("titip", "akun-rahasia")._auth_header
    body = request.content
    assert b'name="file"; filename="BAST_001.pdf"' in body and PDF in body
    for name, value in (("nik", NIK), ("passphrase", "rahasia-tte-123"), ("tampilan", "invisible"),
                        ("reason", "Serah terima"), ("location", "Kota Contoh")):
        assert f'name="{name}"\r\n\r\n{value}\r\n'.encode() in body


@pytest.mark.parametrize(("status", "answer", "error", "field"), [
    (400, {"error": "Passphrase anda salah", "status_code": 2031}, bsre.WrongPassphrase, "passphrase"),
    (400, {"error": "User tidak terdaftar", "status_code": 2011}, bsre.NotRegistered, "nik"),
    (400, {"error": "Sertifikat user sudah expired", "status_code": 2050}, bsre.CertificateExpired, "nik"),
    (400, {"error": "Sertifikat telah dicabut (revoked)", "status_code": 2051}, bsre.CertificateRevoked, "nik"),
    (400, {"error": "Dokumen gagal diproses", "status_code": 2099}, bsre.SigningRefused, "nik"),
])
@respx.mock
def test_each_refusal_names_what_to_correct(client, status, answer, error, field):
    respx.post(f"{BASE}/api/sign/pdf").mock(return_value=httpx.Response(status, json=answer))
    with pytest.raises(error) as caught:
        client.sign_pdf(PDF, NIK, PASS)
    assert type(caught.value) is error  # not merely a parent class
    assert caught.value.status == 422 and caught.value.field == field
    assert answer["error"] in caught.value.message and caught.value.extra["service_code"] == answer["status_code"]
    assert "rahasia-tte-123" not in caught.value.message + repr(caught.value.body())


@pytest.mark.parametrize("status", [500, 502, 503])
@respx.mock
def test_a_server_error_is_the_service_unavailable(client, status):
    respx.post(f"{BASE}/api/sign/pdf").mock(return_value=httpx.Response(status, text="<html>Bad Gateway</html>"))
    with pytest.raises(bsre.SigningUnavailable) as caught:
        client.sign_pdf(PDF, NIK, PASS)
    assert caught.value.status == 503 and str(status) in caught.value.message


@respx.mock
def test_the_office_account_refused_is_an_administrators_matter(client):
    respx.post(f"{BASE}/api/sign/pdf").mock(return_value=httpx.Response(401, json={"error": "Unauthorized"}))
    with pytest.raises(bsre.SigningMisconfigured, match="TITIP_BSRE_USERNAME"):
        client.sign_pdf(PDF, NIK, PASS)


@pytest.mark.parametrize("failure", [httpx.ReadTimeout("timed out"), httpx.ConnectTimeout("timed out"),
                                     httpx.ConnectError("refused")])
@respx.mock
def test_timeouts_and_unreachable_service(client, failure):
    respx.post(f"{BASE}/api/sign/pdf").mock(side_effect=failure)
    with pytest.raises(bsre.SigningUnavailable, match="nothing was signed") as caught:
        client.sign_pdf(PDF, NIK, PASS)
    assert caught.value.status == 503


@pytest.mark.parametrize(("content", "kind"), [
    (b'{"ok": true}', "application/json"),
    (b"<html>login</html>", "text/html"),
    (b"not a pdf at all", "application/pdf"),
])
@respx.mock
def test_an_answer_that_is_not_a_signed_pdf_is_refused(client, content, kind):
    respx.post(f"{BASE}/api/sign/pdf").mock(return_value=httpx.Response(200, content=content,
                                                                        headers={"content-type": kind}))
    with pytest.raises(bsre.SigningUnavailable, match="instead of a signed PDF"):
        client.sign_pdf(PDF, NIK, PASS)


@respx.mock
def test_a_malformed_nik_or_empty_passphrase_never_leaves(client):
    route = respx.post(f"{BASE}/api/sign/pdf")
    with pytest.raises(bsre.Invalid) as caught:
        client.sign_pdf(PDF, "12345", PASS)
    assert caught.value.field == "nik"
    with pytest.raises(bsre.Invalid) as caught:
        client.sign_pdf(PDF, NIK, SecretStr(""))
    assert caught.value.field == "passphrase"
    assert not route.called


@respx.mock
def test_verify_reads_the_documented_answer(client):
    answer = {"nama_dokumen": "signed.pdf", "jumlah_signature": 1, "summary": "VALID",
              "notes": "Dokumen valid", "details": [{"signature_field": "sig_1"}]}
    route = respx.post(f"{BASE}/api/sign/verify").mock(return_value=httpx.Response(200, json=answer))
    out = client.verify_pdf(SIGNED)
    assert out == bsre.Verification(1, "VALID", "Dokumen valid", [{"signature_field": "sig_1"}])
    assert b'name="signed_file"' in route.calls.last.request.content


@respx.mock
def test_user_status(client):
    respx.get(f"{BASE}/api/user/status/{NIK}").mock(return_value=httpx.Response(200, json={
        "status_code": 1110, "status": "NOT_REGISTERED", "message": "User belum terdaftar"}))
    status = client.user_status(NIK)
    assert status.code == 1110 and not status.can_sign


def test_the_passphrase_and_account_never_show_in_a_repr(client):
    assert "akun-rahasia" not in repr(client) and "rahasia" not in repr(PASS)


def test_without_the_setting_there_is_no_client():
    from controller.settings import Settings

    assert bsre.client_from(Settings()) is None
    made = bsre.client_from(Settings(bsre_url=BASE, bsre_username="titip", bsre_password="x"))
    assert made is not None and made.base_url == BASE

"""Client of BSrE's signing service (*esign-client*): a signer's certified electronic signature.

Indonesian officials hold signing certificates from BSrE (Balai Sertifikasi Elektronik, BSSN).
An office reaches them through the *esign-client* service it runs or is given access to; the
service holds the keys, and a signer unlocks theirs with their NIK and passphrase per document.

What this module relies on (no official specification was reachable; these are the shapes that
the public client libraries agree on):

- ``POST {base}/api/sign/pdf``, HTTP Basic auth (the office's esign-client account), multipart
  form: ``file`` (the PDF), ``nik``, ``passphrase``, ``tampilan`` = ``invisible`` | ``visible``
  (visible needs ``page``, ``xAxis``, ``yAxis``, ``width``, ``height``, and ``image``/``linkQR``),
  optional ``reason``, ``location``. Success: HTTP 200 with the signed PDF's bytes and an
  ``id_dokumen`` header. Sources: pemkotbekasi/node-esign-BSrE (``EsignBsre.js``, ``README.md``:
  endpoint, fields, Basic auth, 7 s timeout); packagist ``diskominfotik-banda-aceh/e-sign-bsre-php``
  and ``opendesa/e-sign-bsre`` (README: ``sign($nik, $passphrase)`` answers a status, errors and
  the PDF blob).
- Errors: a JSON body ``{"error": "<message>", "status_code": <code>}``, HTTP 400 for a refused
  signature. ``2031`` = "Passphrase anda salah" (a CodeIgniter wrapper's comment quoting the
  answer, and a Laravel controller's switch); ``2011`` = "User tidak terdaftar" (the same Laravel
  switch). No code was found for an expired or revoked certificate: those are told apart by the
  message (``expired``/``kedaluwarsa``/``kadaluarsa``, ``revoke``/``dicabut``), and any other
  refusal is reported with the service's own message.
- ``POST {base}/api/sign/verify`` with ``signed_file``: JSON ``jumlah_signature``, ``summary``,
  ``notes``, ``details`` (node-esign-BSrE README, sample answers).
- ``GET {base}/api/user/status/{nik}``: JSON ``status_code`` 1111 / ``status`` ISSUE (has a
  certificate), 1110 / NOT_REGISTERED (node-esign-BSrE README).

The passphrase is sent once, to the configured service, and kept nowhere: not in an error, a
log line, a repr or the step row of the act.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr

from ..errors import Invalid, TitipError

SIGN_PATH = "/api/sign/pdf"
VERIFY_PATH = "/api/sign/verify"
STATUS_PATH = "/api/user/status/{nik}"

WRONG_PASSPHRASE = 2031
NOT_REGISTERED = 2011
_NIK = re.compile(r"^[0-9]{16}$")


class SigningRefused(Invalid):
    """The service refused this signer's signature (422, naming the field to correct)."""

    reason = "refused"


class WrongPassphrase(SigningRefused):
    reason = "wrong_passphrase"


class NotRegistered(SigningRefused):
    reason = "not_registered"


class CertificateExpired(SigningRefused):
    reason = "certificate_expired"


class CertificateRevoked(SigningRefused):
    reason = "certificate_revoked"


class SigningUnavailable(TitipError):
    """The service did not answer usably (down, slow, 5xx, not a PDF): nothing was signed; try again."""

    status = 503


class SigningMisconfigured(SigningUnavailable):
    """The service refused the office's own account (HTTP 401/403): an administrator's matter."""


@dataclass(frozen=True)
class Verification:
    signatures: int
    summary: str | None
    notes: str | None
    details: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class UserStatus:
    code: int | None
    status: str | None
    message: str | None

    @property
    def can_sign(self) -> bool:
        return self.status == "ISSUE"


@dataclass(frozen=True, repr=False)
class BsreClient:
    """One configured service; ``transport`` is for tests (respx mocks httpx either way)."""

    base_url: str
    username: str
    password: SecretStr
    timeout: float = 30.0
    verify_tls: bool | str = True

    def __repr__(self) -> str:  # the account's password never shows
        return f"BsreClient({self.base_url!r}, username={self.username!r})"

    def _client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url.rstrip("/"), timeout=self.timeout, verify=self.verify_tls,
                            auth=httpx.BasicAuth(self.username, self.password.get_secret_value()))

    def sign_pdf(self, pdf: bytes, nik: str, passphrase: SecretStr, *, filename: str = "dokumen.pdf",
                 reason: str | None = None, location: str | None = None) -> bytes:
        """The PDF signed with the NIK's certificate (invisible field; the form prints the act)."""
        if not _NIK.match(nik or ""):
            raise Invalid("nik: a NIK has 16 digits", field="nik")
        if not passphrase.get_secret_value():
            raise Invalid("passphrase: give the passphrase of your electronic certificate", field="passphrase")
        data = {"nik": nik, "passphrase": passphrase.get_secret_value(), "tampilan": "invisible"}
        if reason:
            data["reason"] = reason
        if location:
            data["location"] = location
        answer = self._post(SIGN_PATH, data=data, files={"file": (filename, pdf, "application/pdf")})
        if answer.status_code != 200:
            raise _refusal(answer)
        kind = answer.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in ("application/pdf", "application/octet-stream") or not answer.content.startswith(b"%PDF-"):
            raise SigningUnavailable(f"the signing service answered {kind or 'no content type'} instead of "
                                     "a signed PDF; nothing was signed")
        return answer.content

    def verify_pdf(self, pdf: bytes, filename: str = "dokumen.pdf") -> Verification:
        answer = self._post(VERIFY_PATH, files={"signed_file": (filename, pdf, "application/pdf")})
        if answer.status_code != 200:
            raise _refusal(answer)
        body = _json(answer)
        data = body.get("data", body) if isinstance(body.get("data"), dict) else body
        return Verification(signatures=int(data.get("jumlah_signature") or 0), summary=data.get("summary"),
                            notes=data.get("notes"), details=list(data.get("details") or []))

    def user_status(self, nik: str) -> UserStatus:
        if not _NIK.match(nik or ""):
            raise Invalid("nik: a NIK has 16 digits", field="nik")
        try:
            with self._client() as client:
                answer = client.get(STATUS_PATH.format(nik=nik))
        except httpx.TimeoutException:
            raise SigningUnavailable("the signing service did not answer in time") from None
        except httpx.TransportError as exc:
            raise SigningUnavailable(f"the signing service cannot be reached ({type(exc).__name__})") from None
        if answer.status_code != 200:
            raise _refusal(answer)
        body = _json(answer)
        data = body.get("data", body) if isinstance(body.get("data"), dict) else body
        code = data.get("status_code")
        return UserStatus(code=int(code) if isinstance(code, int | str) and str(code).isdigit() else None,
                          status=data.get("status"), message=data.get("message"))

    def _post(self, path: str, **kwargs: Any) -> httpx.Response:
        try:
            with self._client() as client:
                return client.post(path, **kwargs)
        except httpx.TimeoutException:
            raise SigningUnavailable("the signing service did not answer in time; nothing was signed") from None
        except httpx.TransportError as exc:
            # The exception's text may quote the request; say only what kind of failure it was.
            raise SigningUnavailable(f"the signing service cannot be reached ({type(exc).__name__}); "
                                     "nothing was signed") from None


def _json(answer: httpx.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        raise SigningUnavailable(f"the signing service answered HTTP {answer.status_code} without JSON") from None
    if not isinstance(body, dict):
        raise SigningUnavailable(f"the signing service answered HTTP {answer.status_code} with unexpected JSON")
    return body


def _refusal(answer: httpx.Response) -> TitipError:
    """The error of a non-200 answer: the signer's to correct (422) or the service's (503)."""
    status = answer.status_code
    if status in (401, 403):
        return SigningMisconfigured(f"the signing service refused the office's account (HTTP {status}); "
                                    "tell the administrator (TITIP_BSRE_USERNAME / TITIP_BSRE_PASSWORD)")
    if status >= 500:
        return SigningUnavailable(f"the signing service failed (HTTP {status}); nothing was signed, try again")
    try:
        body = answer.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return SigningUnavailable(f"the signing service answered HTTP {status} without an explanation")
    message = str(body.get("error") or body.get("message") or "").strip()[:300]
    code = body.get("status_code")
    said = f"{message} ({code})" if code is not None else message
    lowered = message.lower()
    if code == WRONG_PASSPHRASE or "passphrase" in lowered:
        return WrongPassphrase(f"passphrase: the signing service says the passphrase is wrong: {said}",
                               field="passphrase", service_code=code)
    if code == NOT_REGISTERED or "tidak terdaftar" in lowered or "belum terdaftar" in lowered:
        return NotRegistered(f"nik: no electronic certificate is registered for this NIK: {said}",
                             field="nik", service_code=code)
    if any(w in lowered for w in ("revoke", "dicabut")):
        return CertificateRevoked(f"nik: the certificate of this NIK has been revoked: {said}",
                                  field="nik", service_code=code)
    if any(w in lowered for w in ("expired", "kedaluwarsa", "kadaluarsa", "kadaluwarsa")):
        return CertificateExpired(f"nik: the certificate of this NIK has expired: {said}",
                                  field="nik", service_code=code)
    return SigningRefused(f"nik: the signing service refused the signature: {said or f'HTTP {status}'}",
                          field="nik", service_code=code)


def client_from(settings: Any) -> BsreClient | None:
    """The configured client, or None: without TITIP_BSRE_URL nothing ever calls out."""
    if not getattr(settings, "bsre_url", None):
        return None
    return BsreClient(base_url=settings.bsre_url, username=settings.bsre_username or "",
                      password=SecretStr(settings.bsre_password or ""), timeout=settings.bsre_timeout_seconds,
                      verify_tls=settings.bsre_ca_file or True)

"""A signer's own certified signature (BSrE) on the document their act issues, when the office has it.

The NIK and passphrase come with the act (``"bsre": {"nik": ..., "passphrase": ...}``) and are
split off before anything else sees the act's data: the step row keeps what the actor gave, and
the passphrase must be kept nowhere. They ride on the session only while the act runs, for the
one document it issues.

Order of signatures: the rendered form goes to BSrE first and the office's seal is added after,
as an incremental update (pyHanko appends a revision; the bytes BSrE signed stay as they were),
so both stay valid and the seal covers the whole file. Sealing first would leave the office's
seal at BSrE's mercy: a service that rewrote the file instead of appending would break it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from sqlalchemy.orm import Session

from .. import validation
from ..errors import Conflict, Invalid
from ..settings import Settings
from .bsre import client_from

KEY = "bsre"
_PENDING = "personal_signature"


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    nik: str = Field(pattern=r"^[0-9]{16}$")
    passphrase: SecretStr = Field(min_length=1, max_length=200)


@dataclass(frozen=True)
class Pending:
    """Who signs the document being issued, and with what (never stored)."""

    username: str
    credentials: Credentials


def take(settings: Settings, action: str, data: dict[str, Any] | None,
         actions: frozenset[str]) -> tuple[dict[str, Any], Credentials | None]:
    """The act's data without the credentials, and the credentials (checked) if any were given."""
    data = dict(data or {})
    given = data.pop(KEY, None)
    if given is None:
        return data, None
    if client_from(settings) is None:
        raise Invalid("bsre: signing with a BSrE certificate is not enabled in this office; sign in Titip",
                      field=KEY)
    if action not in actions:
        raise Invalid(f"bsre: '{action}' issues no document to sign; only {sorted(actions)} do", field=KEY)
    return data, validation.parse(Credentials, given, prefix=KEY)


@contextmanager
def pending(session: Session, username: str, credentials: Credentials | None) -> Iterator[None]:
    """The credentials available to the document this act issues, and gone when the act ends."""
    if credentials is None:
        yield
        return
    session.info[_PENDING] = Pending(username, credentials)
    try:
        yield
    finally:
        session.info.pop(_PENDING, None)


def pending_of(session: Session) -> Pending | None:
    return session.info.get(_PENDING)


def require_issuing(session: Session, issues: bool) -> None:
    """Credentials given for an act that issues nothing yet (the first of two signers) are refused:
    the document does not exist until the last signature, and the passphrase cannot wait for it."""
    if pending_of(session) is not None and not issues:
        raise Conflict("bsre: the form is issued when the last side signs; sign in Titip now, or sign "
                       "with BSrE as the last signer", field=KEY)


def sign(session: Session, settings: Settings, pdf: bytes, filename: str, reason: str) -> bytes:
    """The PDF signed by the pending signer through BSrE (the caller seals it afterwards)."""
    who = pending_of(session)
    client = client_from(settings)
    if who is None or client is None:
        return pdf
    return client.sign_pdf(pdf, who.credentials.nik, who.credentials.passphrase, filename=filename,
                           reason=reason, location=settings.office_city)

"""A person's notifications and the audit trail's check."""

from __future__ import annotations

from .common import Answer, Timestamp


class NotificationOut(Answer):
    id: int
    kind: str
    subject: str
    body: str
    request_id: int | None
    created_at: Timestamp
    read_at: Timestamp | None
    email_status: str


class AlteredDocument(Answer):
    id: int
    number: str | None
    reason: str


class AuditCheckOut(Answer):
    """The keyed chain checked, and every stored document re-hashed against its audit event."""

    ok: bool
    checked: int
    first_bad_seq: int | None
    reason: str | None
    documents_checked: int
    documents_altered: list[AlteredDocument]

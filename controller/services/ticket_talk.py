"""Around a ticket's steps: comments by anyone involved, and files attached to it.

Both are open to the ticket's people only (services.tickets.involved): the reporter and their
unit, the helpdesk, the heads and the ticket's division. A closed ticket takes neither.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import validation
from ..domain.ticket_flow import TicketState
from ..errors import Conflict, Invalid, NotFound
from ..models import Document, Ticket, TicketAttachment, TicketComment, User
from ..models.base import utcnow
from ..settings import Settings
from . import papers
from .notify import queue
from .tickets import get, owners, require_involved

DOCUMENT_KIND = "ticket"   # the stored documents' kind: served from the ticket, to its people only
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 10
# What a reporter usually has: a screenshot, a scanned letter, a log. Recognised by the bytes, not
# by the name or the browser's word: (magic, content type, extension).
_KINDS = ((b"%PDF-", "application/pdf", ".pdf"), (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
          (b"\xff\xd8\xff", "image/jpeg", ".jpg"))
ALLOWED_TYPES = ("application/pdf", "image/png", "image/jpeg", "text/plain")


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    body: str = Field(min_length=1, max_length=5000)


def _open(t: Ticket, what: str) -> None:
    if t.state == TicketState.closed:
        raise Conflict(f"ticket {t.id} is closed: no more {what}")


def comment(session: Session, settings: Settings, user: User, ticket_id: int, data: Any) -> TicketComment:
    """A comment by someone involved; the others involved who owe or watch the ticket are told."""
    t = get(session, user, ticket_id)
    require_involved(session, user, t, "comment on a ticket")
    body = validation.parse(CommentIn, data)
    _open(t, "comments")
    row = TicketComment(ticket_id=t.id, author=user.username, role=user.role, body=body.body, at=utcnow())
    session.add(row)
    session.flush()
    told: dict[int, User] = {u.id: u for u in owners(session, t)}
    for name in {t.created_by, t.officer} - {None}:
        person = session.scalar(select(User).where(User.username == name, User.is_active.is_(True)))
        if person is not None:
            told[person.id] = person
    told.pop(user.id, None)
    queue(session, settings, told.values(), "ticket_comment", f"Tiket #{t.id}: komentar baru dari {user.full_name}",
          f"{user.full_name} menulis pada tiket #{t.id} \"{t.subject}\":\n\n{body.body}\n\n"
          f"Buka /tickets/{t.id} di Titip.",
          f"{user.full_name} commented on ticket #{t.id}: open /tickets/{t.id} in Titip.")
    return row


def comments(session: Session, t: Ticket) -> list[dict[str, Any]]:
    rows = session.scalars(select(TicketComment).where(TicketComment.ticket_id == t.id).order_by(TicketComment.id))
    return [{"id": c.id, "author": c.author, "role": c.role, "body": c.body, "at": c.at} for c in rows]


def content_type_of(content: bytes) -> tuple[str, str]:
    """(content type, extension) of an upload from its bytes; Invalid when it is none we take."""
    for magic, kind, ext in _KINDS:
        if content.startswith(magic):
            return kind, ext
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and "\x00" not in text:
        return "text/plain", ".txt"
    raise Invalid("the file must be a PDF, a PNG or JPEG image, or plain text", field="file")


def attach(session: Session, user: User, ticket_id: int, filename: str, content: bytes) -> TicketAttachment:
    """Keep a file with a ticket, stored as a document of the ticket's unit."""
    t = get(session, user, ticket_id)
    require_involved(session, user, t, "attach files to a ticket")
    _open(t, "files")
    if not content:
        raise Invalid("the file is empty", field="file")
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise Invalid(f"the file is larger than {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB", field="file")
    count = session.scalar(select(func.count()).select_from(TicketAttachment)
                           .where(TicketAttachment.ticket_id == t.id)) or 0
    if count >= MAX_ATTACHMENTS:
        raise Conflict(f"ticket {t.id} already has {MAX_ATTACHMENTS} files", field="file")
    kind, ext = content_type_of(content)
    stem = "".join(c for c in filename.rsplit(".", 1)[0] if c.isalnum() or c in "._-")[-80:] or "lampiran"
    doc = papers.store(session, kind=DOCUMENT_KIND, unit_id=t.unit_id, request_id=None, filename=stem + ext,
                       content_type=kind, content=content, actor=user.username)
    row = TicketAttachment(ticket_id=t.id, document_id=doc.id, uploaded_by=user.username, at=utcnow())
    session.add(row)
    session.flush()
    return row


def attachments(session: Session, t: Ticket) -> list[dict[str, Any]]:
    rows = session.execute(select(TicketAttachment, Document.filename, Document.content_type, Document.size,
                                  Document.sha256)
                           .join(Document, Document.id == TicketAttachment.document_id)
                           .where(TicketAttachment.ticket_id == t.id).order_by(TicketAttachment.id)).all()
    return [{"id": a.id, "filename": name, "content_type": kind, "size": size, "sha256": sha,
             "uploaded_by": a.uploaded_by, "at": a.at, "url": f"/tickets/{t.id}/attachments/{a.id}"}
            for a, name, kind, size, sha in rows]


def attachment_file(session: Session, user: User, ticket_id: int, attachment_id: int) -> Document:
    """The stored bytes of a ticket's file, for those involved."""
    t = get(session, user, ticket_id)
    require_involved(session, user, t, "download a ticket's files")
    row = session.get(TicketAttachment, attachment_id)
    if row is None or row.ticket_id != t.id:
        raise NotFound(f"attachment {attachment_id} of ticket {ticket_id} not found")
    return session.get_one(Document, row.document_id)

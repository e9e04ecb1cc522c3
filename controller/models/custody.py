"""Custody: one request per server from the unit's letter to the return, its steps and papers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Audited, Base, BigKey, UTCDateTime, utcnow
from .org import Unit
from .space import Allocation, Server

# A request is open until it reaches a terminal state of the custody table
# (domain.custody_flow.TERMINAL); the database holds one open request per server.
OPEN_CUSTODY = text("state NOT IN ('lapsed', 'rejected', 'returned', 'withdrawn', 'refused')")


class CustodyRequest(Audited, Base):
    """One custody of a server, from the unit's letter to its end; a server may have many, in turn."""

    __tablename__ = "custody_requests"
    __audit_name__ = "custody_request"
    __table_args__ = (Index("uq_custody_requests_open_per_server", "server_id", unique=True,
                            sqlite_where=OPEN_CUSTODY, postgresql_where=OPEN_CUSTODY),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="RESTRICT"), index=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    state_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    letter_number: Mapped[str] = mapped_column(String(100))
    letter_date: Mapped[date] = mapped_column(Date)
    purpose: Mapped[str | None] = mapped_column(String(500))
    network_needs: Mapped[str | None] = mapped_column(String(500))
    officer: Mapped[str | None] = mapped_column(String(64))
    allocation_id: Mapped[int | None] = mapped_column(ForeignKey("allocations.id", ondelete="RESTRICT"))
    reserved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    inspection: Mapped[str | None] = mapped_column(Text)       # JSON: passed, checklist, notes
    return_reason: Mapped[str | None] = mapped_column(String(500))
    return_letter_number: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # One letter about several servers: the requests filed with it share the first one's id; the
    # dispositions are taken once for all of them, every other step per server.
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)

    unit: Mapped[Unit] = relationship(lazy="joined")
    server: Mapped[Server] = relationship(lazy="joined")
    allocation: Mapped[Allocation | None] = relationship(lazy="joined")


class CustodyStep(Audited, Base):
    """One move of a request: the timeline users read (the audit trail has the raw rows too)."""

    __tablename__ = "custody_steps"
    __audit_name__ = "custody_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("custody_requests.id", ondelete="RESTRICT"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[str | None] = mapped_column(Text)               # JSON of what the actor gave
    # A step the SOP gives to an office outside (domain/on_behalf.py), recorded for it by an office role.
    on_behalf_of: Mapped[str | None] = mapped_column(String(200))
    letter_number: Mapped[str | None] = mapped_column(String(100))
    letter_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"))


class Signature(Audited, Base):
    __tablename__ = "signatures"
    __audit_name__ = "signature"
    __table_args__ = (UniqueConstraint("request_id", "form", "side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("custody_requests.id", ondelete="RESTRICT"), index=True)
    form: Mapped[str] = mapped_column(String(16))                # handover | return
    side: Mapped[str] = mapped_column(String(16))                # officer | unit_contact
    username: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    nip: Mapped[str | None] = mapped_column(String(32))
    position: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Document(Audited, Base):
    """A stored paper: written once, never rewritten; its SHA-256 is on the audit trail."""

    __tablename__ = "documents"
    __audit_name__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("custody_requests.id", ondelete="RESTRICT"), index=True)
    # None for an office-wide paper (the signed monthly inventory): staff only, no unit sees it.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))                # handover | return | letter | inventory
    number: Mapped[str | None] = mapped_column(String(100), unique=True)
    year: Mapped[int | None] = mapped_column(Integer)
    seq: Mapped[int | None] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, info={"audit_skip": True})
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccessCheck(Base):
    """One probe result (after configuration, and on schedule): measurements, not audited."""

    __tablename__ = "access_checks"
    # The latest round per server is what pages and /metrics read; a request's view reads its own.
    __table_args__ = (Index("ix_access_checks_server_checked", "server_id", "checked_at"),
                      Index("ix_access_checks_request_checked", "request_id", "checked_at"))

    id: Mapped[int] = mapped_column(BigKey, primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="RESTRICT"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("custody_requests.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(300))
    ok: Mapped[bool] = mapped_column(Boolean)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[str | None] = mapped_column(String(500))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "configure": the checks the configure step ran, the evidence that access was verified,
    # kept for good; "schedule": the 15-minute rounds, measurements that retention prunes.
    origin: Mapped[str] = mapped_column(String(16), default="schedule", server_default="schedule")


class Notification(Base):
    """In-app inbox entry and e-mail outbox row in one: mail is retried until it is sent."""

    __tablename__ = "notifications"
    # Every page counts the reader's unread notices (web.deps.get_web_user).
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(BigKey, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("custody_requests.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_to: Mapped[str | None] = mapped_column(String(254))
    email_status: Mapped[str] = mapped_column(String(16), default="none", index=True)  # none|pending|sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

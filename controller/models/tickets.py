"""Helpdesk tickets (SOP 003): a user's problem, from filing to closure, and what it is checked
against: the office's divisions (*bidang*) and its service catalogue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Audited, Base, UTCDateTime, utcnow


class Division(Audited, Base):
    """A division of the office (*bidang*: Aptika, Infrastruktur TIK, ...) that takes tickets."""

    __tablename__ = "divisions"
    __audit_name__ = "division"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DivisionMember(Audited, Base):
    """An officer or division head working in a division: who may take its tickets' steps."""

    __tablename__ = "division_members"
    __audit_name__ = "division_member"
    __table_args__ = (UniqueConstraint("division_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    division_id: Mapped[int] = mapped_column(ForeignKey("divisions.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)


class ServiceItem(Audited, Base):
    """One service of the catalogue (SOP 003 step 3: *katalog layanan*), handled by one division."""

    __tablename__ = "service_items"
    __audit_name__ = "service_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))       # the default of its tickets
    division_id: Mapped[int] = mapped_column(ForeignKey("divisions.id", ondelete="RESTRICT"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Ticket(Audited, Base):
    __tablename__ = "tickets"
    __audit_name__ = "ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    server_id: Mapped[int | None] = mapped_column(ForeignKey("servers.id", ondelete="RESTRICT"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("custody_requests.id", ondelete="RESTRICT"))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)           # the reporter's own words
    attachment: Mapped[str | None] = mapped_column(Text)    # JSON machine findings, e.g. the failed probe results
    state: Mapped[str] = mapped_column(String(16), index=True)
    state_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    division_id: Mapped[int | None] = mapped_column(ForeignKey("divisions.id", ondelete="RESTRICT"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service_items.id", ondelete="RESTRICT"))
    category: Mapped[str | None] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16), default="normal", server_default="normal")
    officer: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[str | None] = mapped_column(Text)
    close_reason: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TicketStep(Audited, Base):
    __tablename__ = "ticket_steps"
    __audit_name__ = "ticket_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="RESTRICT"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)


class TicketComment(Audited, Base):
    """A message on a ticket by someone involved; never edited."""

    __tablename__ = "ticket_comments"
    __audit_name__ = "ticket_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="RESTRICT"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TicketAttachment(Audited, Base):
    """A file given with a ticket (a screenshot, a log); its bytes are a stored Document."""

    __tablename__ = "ticket_attachments"
    __audit_name__ = "ticket_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="RESTRICT"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"), unique=True)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

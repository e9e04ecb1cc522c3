"""Helpdesk tickets (SOP 003): a user's problem, from filing to closure."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Audited, Base, UTCDateTime, utcnow


class Ticket(Audited, Base):
    __tablename__ = "tickets"
    __audit_name__ = "ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    server_id: Mapped[int | None] = mapped_column(ForeignKey("servers.id", ondelete="RESTRICT"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("custody_requests.id", ondelete="RESTRICT"))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    attachment: Mapped[str | None] = mapped_column(Text)    # JSON, e.g. the failed probe results
    state: Mapped[str] = mapped_column(String(16), index=True)
    state_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
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

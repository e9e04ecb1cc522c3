"""Who: government work units and the people (and roles) using Titip."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Audited, Base, UTCDateTime, utcnow


class Unit(Audited, Base):
    """A government work unit (OPD) that brings servers in."""

    __tablename__ = "units"
    __audit_name__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Audited, Base):
    __tablename__ = "users"
    __audit_name__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    nip: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    password_hash: Mapped[str] = mapped_column(String(255), info={"secret": True})
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # In every token and web session; raised by a logout, a password change, a role change or a
    # deactivation, which ends every session and token issued before.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Mail for notices: "immediate" (each as it comes) or "digest" (one mail a day of the unread
    # ones; services.notify.send_digests).
    notice_mail: Mapped[str] = mapped_column(String(16), default="immediate", server_default="immediate")

    unit: Mapped[Unit | None] = relationship(lazy="joined")

"""What machines tell us about servers: agents and their reports, latest status, findings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Audited, Base, BigKey, UTCDateTime, utcnow


class EnrollmentToken(Audited, Base):
    """One-time token an officer makes for a server; only its hash is stored."""

    __tablename__ = "enrollment_tokens"
    __audit_name__ = "enrollment_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="RESTRICT"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info={"secret": True})
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Agent(Audited, Base):
    """An enrolled agent: a machine identity bound to exactly one server by its credential."""

    __tablename__ = "agents"
    __audit_name__ = "agent"

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="RESTRICT"), index=True)
    credential_hash: Mapped[str] = mapped_column(String(64), unique=True, info={"secret": True})
    hostname: Mapped[str | None] = mapped_column(String(253))
    agent_version: Mapped[str | None] = mapped_column(String(32))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AgentReport(Base):
    """Every report once, by its id, as received; measurements, so not on the audit chain."""

    __tablename__ = "agent_reports"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True)
    report_id: Mapped[str] = mapped_column(String(64), unique=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="RESTRICT"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="RESTRICT"))
    source: Mapped[str] = mapped_column(String(16), default="agent")
    kind: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dropped_heartbeats: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[str] = mapped_column(Text)


class ServerStatus(Base):
    """The latest of everything about a server, one row, so pages and metrics read it cheaply."""

    __tablename__ = "server_status"

    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="RESTRICT"), primary_key=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_heartbeat: Mapped[str | None] = mapped_column(Text)
    # `domain.vitals.pack` of last_heartbeat, written with it: what scrapes read (no JSON decode of the whole heartbeat)
    vitals: Mapped[str | None] = mapped_column(Text)
    last_inventory: Mapped[str | None] = mapped_column(Text)
    last_inventory_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_inventory_source: Mapped[str | None] = mapped_column(String(16))
    # The hardware the office accepted as this server's (cpu, memory, disks, nics); drift is
    # measured against it.
    hardware: Mapped[str | None] = mapped_column(Text)
    agent_version: Mapped[str | None] = mapped_column(String(32))
    dropped_heartbeats: Mapped[int] = mapped_column(Integer, default=0)
    inventory_requested: Mapped[bool] = mapped_column(Boolean, default=False)


class Finding(Audited, Base):
    """Something a machine saw that a person must decide on: drift, a placeholder serial, a new
    SSH host key."""

    __tablename__ = "findings"
    __audit_name__ = "finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(32))          # drift | placeholder_serial | ...
    field: Mapped[str] = mapped_column(String(64))
    recorded: Mapped[str | None] = mapped_column(Text)
    observed: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open|accepted|rejected
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(500))

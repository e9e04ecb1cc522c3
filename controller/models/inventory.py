"""The monthly inventory: collection targets, one run per period, one item per server."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Audited, Base, BigKey, UTCDateTime, utcnow


class CollectionTarget(Audited, Base):
    """How to reach a server (or a device in front of it) without an agent: SNMP or SSH."""

    __tablename__ = "collection_targets"
    __audit_name__ = "collection_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(8))                     # snmp | ssh
    role: Mapped[str] = mapped_column(String(16), default="server")  # server | switch | pdu | bmc
    address: Mapped[str] = mapped_column(String(253))
    port: Mapped[int] = mapped_column(Integer)
    snmp_version: Mapped[str | None] = mapped_column(String(4))
    snmp_user: Mapped[str | None] = mapped_column(String(64))
    auth_protocol: Mapped[str | None] = mapped_column(String(16))
    priv_protocol: Mapped[str | None] = mapped_column(String(16))
    ssh_username: Mapped[str | None] = mapped_column(String(64))
    device_type: Mapped[str | None] = mapped_column(String(64))
    secrets: Mapped[str | None] = mapped_column(Text, info={"secret": True})   # Fernet token
    host_key: Mapped[str | None] = mapped_column(Text)                # pinned OpenSSH public key line
    host_key_fingerprint: Mapped[str | None] = mapped_column(String(100))
    host_key_pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_ok: Mapped[bool | None] = mapped_column(Boolean)
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Collected by the workers of this site (`titip worker --site`); empty: any worker.
    site: Mapped[str] = mapped_column(String(64), default="", server_default="")


class InventoryRun(Audited, Base):
    """The month's inventory. The unique period is what keeps it to one run, however many
    controllers share the database; the lease is what lets another worker resume a dead one."""

    __tablename__ = "inventory_runs"
    __audit_name__ = "inventory_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7), unique=True)          # YYYY-MM
    status: Mapped[str] = mapped_column(String(16), default="running")   # running | completed | signed
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total: Mapped[int] = mapped_column(Integer, default=0)
    reached: Mapped[int] = mapped_column(Integer, default=0)
    signed_by: Mapped[str | None] = mapped_column(String(64))
    signed_name: Mapped[str | None] = mapped_column(String(200))
    signed_nip: Mapped[str | None] = mapped_column(String(32))
    signed_position: Mapped[str | None] = mapped_column(String(200))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resumed: Mapped[int] = mapped_column(Integer, default=0)


class InventoryItem(Base):
    """One server in one month's run: written once per (run, server), so a resumed run never
    repeats a server."""

    __tablename__ = "inventory_items"
    # The key serves a run; a server's page reads its own items, newest first.
    __table_args__ = (UniqueConstraint("run_id", "server_id"),
                      Index("ix_inventory_items_server_collected", "server_id", "collected_at"))

    id: Mapped[int] = mapped_column(BigKey, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("inventory_runs.id", ondelete="RESTRICT"), index=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="RESTRICT"))
    reached: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str | None] = mapped_column(String(16))     # agent | ssh | snmp | None
    record: Mapped[str | None] = mapped_column(Text)           # the inventory record (JSON)
    condition: Mapped[str | None] = mapped_column(Text)        # the condition record used (JSON)
    proposed_condition: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[str | None] = mapped_column(Text)          # JSON list of why
    errors: Mapped[str | None] = mapped_column(Text)           # JSON list of what failed
    drift_findings: Mapped[int] = mapped_column(Integer, default=0)
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

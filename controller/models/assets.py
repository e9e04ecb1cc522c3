"""The asset lifecycle: asset register fields, maintenance, transfer and disposal cases.

Every table is audited; nothing here is ever deleted. A disposed server keeps its rows: its
asset record gets ``disposed_at``, which takes it out of the active register.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.lifecycle_flow import FLOWS
from .base import Audited, Base, UTCDateTime, utcnow
from .space import Server


def one_open_case_per_server(table: str, kind: str) -> Index:
    """At most one open case of a kind per server, held by the database: two officers opening
    one at the same moment both pass the check in code, one of them fails here (a 409)."""
    closed = ", ".join(f"'{s}'" for s in sorted(FLOWS[kind].terminal_states))  # StrEnum: the value
    where = text(f"state NOT IN ({closed})")
    return Index(f"uq_{table}_open_per_server", "server_id", unique=True, sqlite_where=where, postgresql_where=where)


class AssetRecord(Audited, Base):
    """The register side of a server (*kartu inventaris*): kode barang, NUP, acquisition."""

    __tablename__ = "asset_records"
    __audit_name__ = "asset_record"
    __table_args__ = (UniqueConstraint("asset_code", "nup"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="RESTRICT"), unique=True)
    asset_code: Mapped[str | None] = mapped_column(String(64))       # kode barang
    nup: Mapped[str | None] = mapped_column(String(32))              # nomor urut pendaftaran
    owner: Mapped[str] = mapped_column(String(8), default="unit")    # office | unit
    acquired_on: Mapped[date | None] = mapped_column(Date)
    acquisition_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    server: Mapped[Server] = relationship(lazy="joined")


class MaintenanceCase(Audited, Base):
    __tablename__ = "maintenance_cases"
    __audit_name__ = "maintenance_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="RESTRICT"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    state_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))                    # maintenance | repair
    analysis: Mapped[str] = mapped_column(Text)                      # telaahan
    officer: Mapped[str | None] = mapped_column(String(64))
    letter_number: Mapped[str | None] = mapped_column(String(100))   # surat penugasan
    downtime_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    downtime_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    work_done: Mapped[str | None] = mapped_column(Text)
    report: Mapped[str | None] = mapped_column(Text)
    condition_after: Mapped[str | None] = mapped_column(String(16))
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    server: Mapped[Server] = relationship(lazy="joined")


class MaintenancePart(Audited, Base):
    """A part replaced during the work: one row each, so spares can be counted later."""

    __tablename__ = "maintenance_parts"
    __audit_name__ = "maintenance_part"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("maintenance_cases.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    serial_removed: Mapped[str | None] = mapped_column(String(100))
    serial_installed: Mapped[str | None] = mapped_column(String(100))


class TransferCase(Audited, Base):
    __tablename__ = "transfer_cases"
    __audit_name__ = "transfer_case"
    __table_args__ = (one_open_case_per_server("transfer_cases", "transfer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="RESTRICT"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)  # from
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    state_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(500))
    letter_number: Mapped[str | None] = mapped_column(String(100))
    record_number: Mapped[str | None] = mapped_column(String(100))   # berita acara alih status penggunaan
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"))
    transferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    server: Mapped[Server] = relationship(lazy="joined")


class DisposalCase(Audited, Base):
    __tablename__ = "disposal_cases"
    __audit_name__ = "disposal_case"
    __table_args__ = (one_open_case_per_server("disposal_cases", "disposal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="RESTRICT"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    state_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    method: Mapped[str] = mapped_column(String(16))                  # penghapusan | pemusnahan | pemindahtanganan
    reason: Mapped[str] = mapped_column(String(500))
    findings: Mapped[str | None] = mapped_column(Text)               # hasil telaah
    eligible: Mapped[bool | None] = mapped_column(Boolean)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    regent_name: Mapped[str | None] = mapped_column(String(200))     # Bupati, for destruction
    decree_number: Mapped[str | None] = mapped_column(String(100))
    backup: Mapped[str | None] = mapped_column(String(500))          # where the data was backed up
    wipe_method: Mapped[str | None] = mapped_column(String(200))
    wiped_by: Mapped[str | None] = mapped_column(String(200))
    wiped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wipe_sha256: Mapped[str | None] = mapped_column(String(64))
    wipe_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"))
    recipient_name: Mapped[str | None] = mapped_column(String(200))
    record_number: Mapped[str | None] = mapped_column(String(100))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"))
    released_allocation_id: Mapped[int | None] = mapped_column(ForeignKey("allocations.id", ondelete="RESTRICT"))
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    server: Mapped[Server] = relationship(lazy="joined")


class LifecycleStep(Audited, Base):
    """One move of a lifecycle case: the timeline people read and the asset card prints."""

    __tablename__ = "lifecycle_steps"
    __audit_name__ = "lifecycle_step"
    __table_args__ = (Index("ix_lifecycle_steps_case", "kind", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))                    # maintenance | transfer | disposal
    case_id: Mapped[int] = mapped_column(Integer)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="RESTRICT"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[str | None] = mapped_column(Text)                   # JSON of what the actor gave
    # A step the SOP gives to an office outside (domain/on_behalf.py), recorded for it by an office role.
    on_behalf_of: Mapped[str | None] = mapped_column(String(200))
    letter_number: Mapped[str | None] = mapped_column(String(100))
    letter_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"))

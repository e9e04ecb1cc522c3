"""What makes a signed monthly inventory evidence: the officer's condition decisions before
signing, and the form's bytes stored once at signing (write-once documents, hashed in the audit
trail), so a later change in the register cannot change what was signed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Audited, Base, UTCDateTime, utcnow


class InventoryDecision(Audited, Base):
    """The condition the officer decided for one server in one month's run (the machine only
    proposes); a reason is kept when it differs from the proposal."""

    __tablename__ = "inventory_decisions"
    __audit_name__ = "inventory_decision"
    __table_args__ = (UniqueConstraint("run_id", "server_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("inventory_runs.id", ondelete="RESTRICT"))
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="RESTRICT"))
    condition: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(500))
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SignedInventoryForm(Audited, Base):
    """The signed form of a run in one format (pdf | xlsx): the document that is served for ever."""

    __tablename__ = "inventory_forms"
    __audit_name__ = "signed_inventory_form"
    __table_args__ = (UniqueConstraint("run_id", "format"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("inventory_runs.id", ondelete="RESTRICT"))
    format: Mapped[str] = mapped_column(String(8))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"), unique=True)


class ReconciliationReport(Audited, Base):
    """The month's *laporan rekonsiliasi aset TIK* (SOP 000 Penggunaan 4) to the Asisten: issued
    once per period by the Pengelola Barang, its sealed PDF kept as a write-once document. The
    unique period is what makes a second issue a conflict, even between two concurrent ones."""

    __tablename__ = "reconciliation_reports"
    __audit_name__ = "reconciliation_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7), unique=True)          # YYYY-MM
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"), unique=True)
    signed_name: Mapped[str] = mapped_column(String(200))
    signed_nip: Mapped[str | None] = mapped_column(String(32))
    signed_position: Mapped[str] = mapped_column(String(200))
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

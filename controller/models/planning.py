"""Needs plans, procurements and issues of assets to users (SOPs 000 and 001), with their steps.

Audited like every case table; nothing is deleted. A revised item keeps its row (the change is in
the audit trail and the step's data), so the plan the head approved is the plan in the export.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Audited, Base, UTCDateTime, utcnow
from .org import Unit
from .space import Server


class NeedsPlan(Audited, Base):
    """A unit's list of ICT needs for one budget year (*rencana kebutuhan barang TIK*)."""

    __tablename__ = "needs_plans"
    __audit_name__ = "needs_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    budget_year: Mapped[int] = mapped_column(Integer, index=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    state_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    letter_number: Mapped[str] = mapped_column(String(100))          # surat pengantar
    letter_date: Mapped[date | None] = mapped_column(Date)
    title: Mapped[str | None] = mapped_column(String(200))
    findings: Mapped[str | None] = mapped_column(Text)                # the division head's review
    decision_number: Mapped[str | None] = mapped_column(String(100))  # the head's approval letter
    decided_by: Mapped[str | None] = mapped_column(String(64))
    rkpd_reference: Mapped[str | None] = mapped_column(String(200))   # programme / activity in the RKPD
    finance_letter_number: Mapped[str | None] = mapped_column(String(100))
    simbada_reference: Mapped[str | None] = mapped_column(String(100))
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")


class NeedsItem(Audited, Base):
    """One line of a needs plan, with the officer's assessment and the head's decision."""

    __tablename__ = "needs_items"
    __audit_name__ = "needs_item"
    __table_args__ = (UniqueConstraint("plan_id", "line_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("needs_plans.id", ondelete="RESTRICT"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[int] = mapped_column(Integer)
    uom: Mapped[str] = mapped_column(String(32), default="unit")      # satuan
    unit_price: Mapped[Decimal] = mapped_column(Numeric(18, 2))       # estimated, rupiah
    justification: Mapped[str] = mapped_column(Text)
    recommended: Mapped[bool | None] = mapped_column(Boolean)         # the officer's assessment
    assessment: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(16))          # approved | revise | rejected
    decision_note: Mapped[str | None] = mapped_column(String(500))


class Procurement(Audited, Base):
    """Procurement of one approved needs item, until its report (SOP 001 Perencanaan 5-6)."""

    __tablename__ = "procurements"
    __audit_name__ = "procurement"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("needs_items.id", ondelete="RESTRICT"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("needs_plans.id", ondelete="RESTRICT"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    state_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    method: Mapped[str] = mapped_column(String(32))                   # e-purchasing, pengadaan langsung, ...
    vendor: Mapped[str] = mapped_column(String(200))
    contract_number: Mapped[str] = mapped_column(String(100))        # the contract or SPK
    contract_date: Mapped[date | None] = mapped_column(Date)
    contract_value: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    quantity: Mapped[int] = mapped_column(Integer)
    received_on: Mapped[date | None] = mapped_column(Date)
    receipt_number: Mapped[str | None] = mapped_column(String(100))  # the vendor's handover record
    report: Mapped[str | None] = mapped_column(Text)
    # The laporan kegiatan pengadaan issued at the report (services.procurement_report).
    report_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"))
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProcuredAsset(Audited, Base):
    """A register row that a procurement brought in (one per asset received)."""

    __tablename__ = "procured_assets"
    __audit_name__ = "procured_asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    procurement_id: Mapped[int] = mapped_column(ForeignKey("procurements.id", ondelete="RESTRICT"), index=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="RESTRICT"), unique=True)


class AssetIssue(Audited, Base):
    """Assets handed to their user on one BAST, signed in Titip by both sides, then the user's
    installation report. The assets are the case's items (``AssetIssueItem``), its two signatures
    ``AssetIssueSignature`` rows."""

    __tablename__ = "asset_issues"
    __audit_name__ = "asset_issue"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)  # the user's
    state: Mapped[str] = mapped_column(String(32), index=True)
    state_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_nip: Mapped[str | None] = mapped_column(String(32))
    purpose: Mapped[str | None] = mapped_column(String(500))
    bast_number: Mapped[str] = mapped_column(String(100))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"))
    installed_on: Mapped[date | None] = mapped_column(Date)
    report: Mapped[str | None] = mapped_column(Text)
    report_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[AssetIssueItem]] = relationship(order_by="AssetIssueItem.line_no", lazy="selectin")


class AssetIssueItem(Audited, Base):
    """One register asset on an issue's BAST (a line of its table), and the unit it came from."""

    __tablename__ = "asset_issue_items"
    __audit_name__ = "asset_issue_item"
    __table_args__ = (UniqueConstraint("issue_id", "server_id"), UniqueConstraint("issue_id", "line_no"))

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("asset_issues.id", ondelete="RESTRICT"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="RESTRICT"), index=True)
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))

    server: Mapped[Server] = relationship(lazy="joined")


class AssetIssueSignature(Audited, Base):
    """One side's signature of an issue's BAST, given in Titip by the person logged in: the giver
    (PIHAK PERTAMA, the office) or the recipient (PIHAK KEDUA, the user's unit). One per side."""

    __tablename__ = "asset_issue_signatures"
    __audit_name__ = "asset_issue_signature"
    __table_args__ = (UniqueConstraint("issue_id", "side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("asset_issues.id", ondelete="RESTRICT"), index=True)
    side: Mapped[str] = mapped_column(String(16))                # giver | recipient
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    nip: Mapped[str | None] = mapped_column(String(32))
    position: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProcedureStep(Audited, Base):
    """One move of a needs plan, procurement or issue case: the timeline people read.

    ``on_behalf_of`` and ``letter_number`` say when the move was recorded by the office for a body
    outside it (the Bupati's RKPD regulation: ``domain.on_behalf``; the unit's letter to Bakeuda),
    and under which of that body's letters; ``letter_document_id`` is the letter's scan, if given.
    """

    __tablename__ = "procedure_steps"
    __audit_name__ = "procedure_step"
    __table_args__ = (Index("ix_procedure_steps_case", "kind", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))                    # needs_plan | procurement | asset_issue
    case_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    on_behalf_of: Mapped[str | None] = mapped_column(String(200))
    letter_number: Mapped[str | None] = mapped_column(String(100))
    letter_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[str | None] = mapped_column(Text)                   # JSON of what the actor gave

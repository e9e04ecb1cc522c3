"""Response bodies of needs plans, procurements and issues to users (the request bodies are the
services' own payload models, so the API and the runner validate alike)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from .answers.common import Timestamp


class LabelOut(BaseModel):
    id: str
    en: str
    colour: str


class StepOut(BaseModel):
    """One move in the history, with the SOP row it carries out."""

    action: str
    actor: str
    role: str
    from_state: str | None
    to_state: str
    at: Timestamp
    note: str | None
    on_behalf_of: str | None        # an outside office's code (domain.on_behalf) or whose step it was
    letter_number: str | None
    letter_document_id: int | None  # the scan of that letter (POST /letter-scans), if given
    sop: str | None
    sop_actor: str | None
    output: str | None
    sop_time: str | None
    data: dict[str, Any] | None


class NextStepOut(BaseModel):
    action: str
    roles: list[str]
    sop: str | None
    sop_actor: str | None
    output: str | None
    sop_time: str | None
    on_behalf_of: str | None


class CaseOut(BaseModel):
    id: int
    state: str
    state_label: LabelOut
    state_since: Timestamp
    due_at: Timestamp | None
    overdue: bool
    service_time: str | None
    allowed_actions: list[str]
    next_steps: list[NextStepOut]
    history: list[StepOut]
    created_by: str
    created_at: Timestamp


class DocumentRef(BaseModel):
    id: int
    kind: str
    filename: str
    sha256: str
    url: str


class ProcurementDocument(DocumentRef):
    number: str | None


class NeedsItemOut(BaseModel):
    id: int
    line_no: int
    kind: str
    description: str
    quantity: int
    uom: str
    unit_price: Decimal
    total: Decimal
    justification: str
    recommended: bool | None
    assessment: str | None
    decision: str | None
    decision_note: str | None
    procured_quantity: int


class NeedsPlanOut(CaseOut):
    unit_code: str
    unit_name: str
    budget_year: int
    letter_number: str
    letter_date: date | None
    title: str | None
    findings: str | None
    decision_number: str | None
    decided_by: str | None
    rkpd_reference: str | None
    finance_letter_number: str | None
    simbada_reference: str | None
    reject_reason: str | None
    items: list[NeedsItemOut]
    total_proposed: Decimal
    total_approved: Decimal


class AssetOut(BaseModel):
    server_id: int
    kind: str
    brand: str
    model: str
    serial_number: str
    unit_code: str


class ProcurementOut(CaseOut):
    plan_id: int
    item_id: int
    item_description: str
    unit_code: str
    method: str
    vendor: str
    contract_number: str
    contract_date: date | None
    contract_value: Decimal
    quantity: int
    received_on: date | None
    receipt_number: str | None
    report: str | None
    reject_reason: str | None
    assets: list[AssetOut]
    report_number: str | None        # the laporan kegiatan's number in the office's register
    documents: list[ProcurementDocument]   # the laporan kegiatan, once reported


class IssuedAssetOut(AssetOut):
    """One line of an issue's BAST: the asset, and the unit whose register it came from."""

    line_no: int
    from_unit_code: str


class IssueSignatureOut(BaseModel):
    side: str                   # giver (PIHAK PERTAMA, the office) | recipient (PIHAK KEDUA, the unit)
    username: str
    role: str
    name: str
    nip: str | None
    position: str
    signed_at: Timestamp


class IssueOut(CaseOut):
    server_id: int              # the first asset, as before batches
    asset: IssuedAssetOut       # likewise
    assets: list[IssuedAssetOut]
    unit_code: str
    from_unit_code: str         # the first asset's
    recipient_name: str
    recipient_nip: str | None
    purpose: str | None
    bast_number: str
    installed_on: date | None
    report: str | None
    signatures: list[IssueSignatureOut]
    documents: list[DocumentRef]


class PlanPage(BaseModel):
    items: list[NeedsPlanOut]
    total: int
    offset: int
    limit: int


class ProcurementPage(BaseModel):
    items: list[ProcurementOut]
    total: int
    offset: int
    limit: int


class IssuePage(BaseModel):
    items: list[IssueOut]
    total: int
    offset: int
    limit: int

"""What each move of needs planning, procurement and issue-to-user takes (request bodies).

The same models are the API's typed bodies and what the runner validates, so a bad field is a
422 naming it whichever way the data came in (JSON or a web form).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .. import validation
from ..domain.planning_flow import Decision, ItemKind
from .custody_payloads import Nip, Note

Id = Field(ge=1, le=2**31 - 1)
Number = Field(min_length=1, max_length=100)
Money = Field(ge=0, le=Decimal("9999999999999999.99"), max_digits=18, decimal_places=2)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: Note = None
    # The scan of an outside office's letter (POST /letter-scans), for a step recorded on its behalf;
    # the runner takes it out before the move's own fields are read and refuses it on any other step.
    letter_document_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class OnBehalf(Body):
    """A move the office records for a body outside it (Bappeda, Bakeuda): whose, and its letter."""

    on_behalf_of: str | None = Field(default=None, max_length=200)


class Reason(Body):
    reason: str = Field(min_length=1, max_length=500)


# --- needs plan ------------------------------------------------------------------------------

class NeedsItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: ItemKind
    description: str = Field(min_length=1, max_length=500)
    quantity: int = Field(ge=1, le=100_000)
    uom: str = Field(default="unit", min_length=1, max_length=32)
    unit_price: Decimal = Money
    justification: str = Field(min_length=1, max_length=5000)


class SubmitPlan(Body):
    unit_code: str | None = Field(default=None, min_length=1, max_length=32)  # staff: for which unit
    budget_year: int = Field(ge=2000, le=2100)
    letter_number: str = Number
    letter_date: date | None = None
    title: str | None = Field(default=None, max_length=200)
    items: list[NeedsItemIn] = Field(min_length=1, max_length=200)


class Review(Body):
    forward: bool
    findings: str = Field(min_length=1, max_length=5000)


class ItemAssessment(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    id: int = Id
    recommended: bool
    assessment: str | None = Field(default=None, max_length=2000)


class Assess(Body):
    items: list[ItemAssessment] = Field(min_length=1, max_length=200)


class ItemDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    id: int = Id
    decision: Decision
    note: str | None = Field(default=None, max_length=500)


class Approve(Body):
    decision_number: str = Number
    items: list[ItemDecision] = Field(min_length=1, max_length=200)

    @field_validator("items")
    @classmethod
    def _no_revision(cls, items: list[ItemDecision]) -> list[ItemDecision]:
        if any(i.decision == Decision.revise for i in items):
            raise ValueError("an item to revise sends the plan back: use return_for_revision")
        if not any(i.decision == Decision.approved for i in items):
            raise ValueError("approve needs at least one approved item; reject the plan instead")
        return items


class ReturnForRevision(Body):
    items: list[ItemDecision] = Field(min_length=1, max_length=200)

    @field_validator("items")
    @classmethod
    def _some_revision(cls, items: list[ItemDecision]) -> list[ItemDecision]:
        if not any(i.decision == Decision.revise for i in items):
            raise ValueError("return_for_revision needs at least one item marked revise")
        return items


class ItemRevision(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    id: int = Id
    description: str | None = Field(default=None, min_length=1, max_length=500)
    quantity: int | None = Field(default=None, ge=1, le=100_000)
    unit_price: Decimal | None = Field(default=None, ge=0, le=Decimal("9999999999999999.99"), max_digits=18,
                                       decimal_places=2)
    justification: str | None = Field(default=None, min_length=1, max_length=5000)


class Resubmit(Body):
    items: list[ItemRevision] = Field(min_length=1, max_length=200)


class RecordRkpd(Body):
    """Recorded for the Bupati, whose regulation adopts the RKPD (``domain.on_behalf``): the runner
    stamps the step with it; the regulation's scan may be named as ``letter_document_id``."""

    rkpd_reference: str = Field(min_length=1, max_length=200)
    letter_number: str = Number


class SendToFinance(OnBehalf):
    letter_number: str = Number
    simbada_reference: str = Number


# --- procurement -----------------------------------------------------------------------------

class StartProcurement(Body):
    item_id: int = Id
    method: Literal["e_purchasing", "pengadaan_langsung", "penunjukan_langsung", "tender", "swakelola"]
    vendor: str = Field(min_length=1, max_length=200)
    contract_number: str = Number
    contract_date: date | None = None    # the contract's (SPK's) date, printed on the activity report
    contract_value: Decimal = Money
    quantity: int = Field(ge=1, le=100_000)


class AcquiredAsset(BaseModel):
    """One thing that arrived, as the register will hold it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    brand: str = Field(min_length=1, max_length=100)
    model: str = Field(min_length=1, max_length=100)
    serial_number: str = Field(min_length=1, max_length=100)
    height_u: int | None = Field(default=None, ge=1, le=60)   # rack-mountable kinds only
    power_w: int = Field(default=0, ge=0, le=100_000)
    asset_code: str | None = Field(default=None, max_length=64)
    nup: str | None = Field(default=None, max_length=32)


class Receive(Body):
    received_on: date
    receipt_number: str = Number
    assets: list[AcquiredAsset] = Field(min_length=1, max_length=500)

    @field_validator("assets")
    @classmethod
    def _distinct_serials(cls, assets: list[AcquiredAsset]) -> list[AcquiredAsset]:
        serials = [a.serial_number for a in assets]
        if len(set(serials)) != len(serials):
            raise ValueError("two assets carry the same serial number")
        return assets


class ProcurementReport(Body):
    report: str = Field(min_length=1, max_length=10_000)


# --- issue to a user ---------------------------------------------------------------------------

MAX_ISSUE_ASSETS = 200   # one BAST's table; a larger batch is several berita acara


class IssueAsset(Body):
    """The assets on one BAST: ``server_ids`` (a batch), or ``server_id`` for one (as before batches)."""

    server_ids: list[Annotated[int, Id]] | None = Field(default=None, min_length=1, max_length=MAX_ISSUE_ASSETS)
    server_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    to_unit: str = Field(min_length=1, max_length=32)
    recipient_name: str = Field(min_length=1, max_length=200)
    recipient_nip: str | None = Field(default=None, max_length=32)
    purpose: str | None = Field(default=None, max_length=500)
    # The register gives the next BAST-PB number; a BAST already signed on paper names its own.
    bast_number: str | None = Field(default=None, min_length=1, max_length=100)


class SignBast(Body):
    """One side's signature of the BAST, as custody's handover form takes it."""

    name: str = Field(min_length=1, max_length=200)
    nip: Nip = None
    position: str = Field(min_length=1, max_length=200)


class InstallationReport(Body):
    installed_on: date
    report: str = Field(min_length=1, max_length=10_000)


PAYLOADS: dict[str, dict[str, type[BaseModel]]] = {
    "needs_plan": {"submit": SubmitPlan, "disposition": Body, "review": Review, "assess": Assess,
                   "approve": Approve, "return_for_revision": ReturnForRevision, "reject": Reason,
                   "resubmit": Resubmit, "record_rkpd": RecordRkpd, "send_to_finance": SendToFinance},
    "procurement": {"start": StartProcurement, "receive": Receive, "report": ProcurementReport, "cancel": Reason},
    "asset_issue": {"issue": IssueAsset, "sign_as_giver": SignBast, "sign_as_recipient": SignBast,
                    "report_installation": InstallationReport, "acknowledge": Body},
}


def parse(kind: str, action: str, data: dict | None) -> BaseModel:
    return validation.parse(PAYLOADS[kind][action], data or {})

"""What each lifecycle action takes, validated before anything is written (as custody_payloads)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from ..domain.choices import Condition
from ..domain.lifecycle_flow import DisposalMethod
from .custody_payloads import Note, Payload, validate

Id = Field(ge=1, le=2**31 - 1)
Reason = Field(min_length=1, max_length=500)
Number = Field(min_length=1, max_length=100)
Name = Field(min_length=1, max_length=200)


class Reject(Payload):
    reason: str = Reason


# --- maintenance ---------------------------------------------------------------------------

class MaintenanceRequest(Payload):
    server_id: int = Id
    kind: Literal["maintenance", "repair"]
    analysis: str = Field(min_length=1, max_length=5000)


class Memo(Payload):
    """The Kasi's nota dinas to the Kabid; its number comes from the register unless given."""
    memo_number: str = Number


class Assign(Payload):
    letter_number: str = Number
    officer: str = Field(min_length=1, max_length=64)


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Name
    quantity: int = Field(default=1, ge=1, le=1000)
    serial_removed: str | None = Field(default=None, max_length=100)
    serial_installed: str | None = Field(default=None, max_length=100)


class RecordWork(Payload):
    work_done: str = Field(min_length=1, max_length=5000)
    downtime_start: AwareDatetime
    downtime_end: AwareDatetime
    parts: list[Part] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _ordered(self) -> RecordWork:
        if self.downtime_end < self.downtime_start:
            raise ValueError("downtime_end is before downtime_start")
        return self


class Report(Payload):
    report: str = Field(min_length=1, max_length=10000)
    condition_after: Condition | None = None


# --- transfer ------------------------------------------------------------------------------

class TransferRequest(Payload):
    server_id: int = Id
    to_unit: str = Field(min_length=1, max_length=32)
    reason: str = Reason
    letter_number: str | None = Field(default=None, max_length=100)


class RecordTransfer(Payload):
    record_number: str = Number


# --- disposal ------------------------------------------------------------------------------

class DisposalRequest(Payload):
    server_id: int = Id
    method: DisposalMethod
    reason: str = Reason


class Review(Payload):
    eligible: bool
    findings: str = Field(min_length=1, max_length=5000)
    # The telaahan's number: the register's next one unless given (services.case_letters.numbered).
    review_number: str | None = Field(default=None, min_length=1, max_length=100)


class RegentApproval(Payload):
    approver_name: str = Name
    decree_number: str = Number


class RecordWipe(Payload):
    backup: str = Field(min_length=1, max_length=500)
    method: str = Name
    wiped_by: str = Name
    wiped_at: AwareDatetime
    report_text: str | None = Field(default=None, max_length=100_000)
    report_document_id: int | None = Field(default=None, ge=1, le=2**31 - 1)

    @model_validator(mode="after")
    def _one_report(self) -> RecordWipe:
        if (self.report_text is None) == (self.report_document_id is None):
            raise ValueError("give the wipe report as report_text or report_document_id (one of them)")
        return self


class HandOver(Payload):
    recipient_name: str = Name
    record_number: str = Number


# --- asset register fields -----------------------------------------------------------------

class AssetFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    asset_code: str | None = Field(default=None, max_length=64)
    nup: str | None = Field(default=None, max_length=32)
    owner: Literal["office", "unit"]
    acquired_on: date | None = None
    acquisition_value: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2)
    note: Note = None

    @model_validator(mode="after")
    def _custody_has_no_acquisition(self) -> AssetFields:
        # A unit's server in custody is on the unit's own register, not the office's.
        if self.owner == "unit" and (self.acquired_on is not None or self.acquisition_value is not None):
            raise ValueError("acquisition date and value are recorded for office-owned servers only")
        return self


PAYLOADS: dict[str, dict[str, type[BaseModel]]] = {
    "maintenance": {"request": MaintenanceRequest, "issue_memo": Memo, "approve": Payload, "reject": Reject,
                    "assign": Assign, "record_work": RecordWork, "report": Report},
    "transfer": {"request": TransferRequest, "approve": Payload, "reject": Reject,
                 "record_transfer": RecordTransfer},
    "disposal": {"request": DisposalRequest, "review": Review, "approve": Payload, "reject": Reject,
                 "record_regent_approval": RegentApproval, "record_wipe": RecordWipe, "hand_over": HandOver,
                 "dispose": Payload},
}


def parse(kind: str, action: str, data: dict | None) -> BaseModel:
    return validate(PAYLOADS[kind][action], data)

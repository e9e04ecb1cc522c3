"""Maintenance, transfer and disposal cases as routes.assets.case_view builds them: the case's
own columns, then what every case shows (label, server, allowed actions, due time, history)."""

from __future__ import annotations

from .common import Answer, StateLabel, StepOut, Timestamp


class CaseServer(Answer):
    serial_number: str
    brand: str
    model: str
    unit_code: str
    condition: str | None


class CaseDocument(Answer):
    id: int
    kind: str
    number: str | None = None      # a numbered record (berita acara) or letter
    filename: str
    sha256: str
    url: str


class CaseOut(Answer):
    id: int
    server_id: int
    unit_id: int
    state: str
    state_since: Timestamp
    reject_reason: str | None
    created_by: str
    created_at: Timestamp
    kind: str                      # maintenance, transfer or disposal
    state_label: StateLabel
    server: CaseServer
    allowed_actions: list[str]
    due_at: Timestamp | None
    overdue: bool
    history: list[StepOut]
    documents: list[CaseDocument]


class PartOut(Answer):
    name: str
    quantity: int
    serial_removed: str | None
    serial_installed: str | None


class MaintenanceOut(CaseOut):
    analysis: str
    officer: str | None
    letter_number: str | None
    downtime_start: Timestamp | None
    downtime_end: Timestamp | None
    work_done: str | None
    report: str | None
    condition_after: str | None
    parts: list[PartOut]


class TransferOut(CaseOut):
    to_unit_id: int
    reason: str
    letter_number: str | None
    record_number: str | None
    document_id: int | None
    transferred_at: Timestamp | None


class DisposalOut(CaseOut):
    method: str
    reason: str
    findings: str | None
    eligible: bool | None
    approved_by: str | None
    regent_name: str | None
    decree_number: str | None
    backup: str | None
    wipe_method: str | None
    wiped_by: str | None
    wiped_at: Timestamp | None
    wipe_sha256: str | None
    wipe_document_id: int | None
    recipient_name: str | None
    record_number: str | None
    document_id: int | None
    released_allocation_id: int | None
    disposed_at: Timestamp | None

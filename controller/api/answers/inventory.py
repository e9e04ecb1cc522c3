"""Collection targets and monthly inventory runs (services.targets, services.inventory)."""

from __future__ import annotations

from .common import Answer, Json, Timestamp


class TargetOut(Answer):
    """Which secrets a target has is not said here, and never their values."""

    id: int
    server_id: int
    kind: str
    role: str
    address: str
    port: int
    snmp_version: str | None
    snmp_user: str | None
    auth_protocol: str | None
    priv_protocol: str | None
    username: str | None
    device_type: str | None
    host_key_fingerprint: str | None
    host_key_pinned_at: Timestamp | None
    last_ok: bool | None
    last_error: str | None
    last_collected_at: Timestamp | None
    retired_at: Timestamp | None
    site: str


class TargetList(Answer):
    items: list[TargetOut]
    total: int


class CollectedOut(TargetOut):
    """The target after one collection, with what it gave."""

    ok: bool
    error: str | None
    inventory: Json
    host_key_changed: bool


class RunRow(Answer):
    period: str
    status: str
    total: int
    reached: int
    finished_at: Timestamp | None
    signed_by: str | None


class RunStarted(Answer):
    period: str
    status: str


class RunItem(Answer):
    server_id: int
    serial_number: str
    unit_code: str
    reached: bool
    source: str | None
    proposed_condition: str
    decided_condition: str | None
    decision_reason: str | None
    decided_by: str | None
    recorded_condition: str | None
    reasons: list[Json]
    errors: list[Json]
    drift_findings: int
    collected_at: Timestamp


class SignedForm(Answer):
    format: str
    document_id: int
    sha256: str
    size: int


class RunOut(Answer):
    period: str
    status: str
    started_at: Timestamp
    started_by: str
    finished_at: Timestamp | None
    resumed: int
    total: int
    reached: int
    signed_by: str | None
    signed_name: str | None
    signed_at: Timestamp | None
    signing_due_at: Timestamp | None     # a completed run's signature: 1 working day (SOP 002 Konfigurasi 6)
    signing_overdue: bool
    signed_forms: list[SignedForm]
    items: list[RunItem]
    unreachable: list[str]

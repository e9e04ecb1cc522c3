"""What agents get back, and what they reported as the API shows it (services.agents)."""

from __future__ import annotations

from .common import Answer, Json, Timestamp


class EnrolledOut(Answer):
    """The agent's own credential: shown once."""

    agent_id: int
    server_id: int
    credential: str


class StoredOut(Answer):
    """One report: stored now (False: its report_id was known), and whether to send an inventory."""

    stored: bool
    inventory_requested: bool


class ReportResult(Answer):
    report_id: str
    stored: bool


class BatchStoredOut(Answer):
    """A batch (`{"reports": [...]}`): one result per report, in order."""

    results: list[ReportResult]
    inventory_requested: bool


class EnrollmentTokenOut(Answer):
    """A one-time token for `titip-agent enroll`: shown once."""

    id: int
    server_id: int
    token: str
    expires_at: Timestamp


class RevokedOut(Answer):
    id: int
    server_id: int
    revoked_at: Timestamp | None


class ReportOut(Answer):
    report_id: str
    kind: str
    source: str
    sent_at: Timestamp | None
    received_at: Timestamp
    dropped_heartbeats: int
    payload: Json


class FindingOut(Answer):
    id: int
    server_id: int
    kind: str
    field: str
    recorded: str | None
    observed: str | None
    source: str
    status: str
    created_at: Timestamp
    resolved_by: str | None
    resolved_at: Timestamp | None
    note: str | None


class InventoryRequested(Answer):
    server_id: int
    inventory_requested: bool

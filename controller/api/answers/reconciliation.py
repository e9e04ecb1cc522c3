"""The monthly reconciliation reports to the Asisten (services.reconciliation_report)."""

from __future__ import annotations

from .common import Answer, Timestamp


class ReconciliationReportOut(Answer):
    """One issued report: its period and number, who signs it, and where its stored PDF is."""

    period: str
    number: str | None
    document_id: int
    sha256: str
    size: int
    signed_name: str
    signed_nip: str | None
    signed_position: str
    issued_by: str
    issued_at: Timestamp
    download_url: str


class ReconciliationReportList(Answer):
    items: list[ReconciliationReportOut]
    total: int

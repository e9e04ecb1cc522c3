"""A custody request as services.custody_view.request_view builds it."""

from __future__ import annotations

from datetime import date

from .common import Answer, StateLabel, StepOut, Timestamp


class CustodyServer(Answer):
    brand: str
    model: str
    serial_number: str
    height_u: int | None
    power_w: int | None
    management_ip: str | None
    condition: str | None


class ReservationRef(Answer):
    allocation_id: int
    rack_id: int
    rack_name: str
    u_bottom: int
    u_top: int
    status: str


class CustodyDocument(Answer):
    id: int
    kind: str
    number: str | None
    filename: str
    sha256: str
    size: int
    created_at: Timestamp
    url: str


class SignatureOut(Answer):
    form: str
    side: str
    name: str
    nip: str | None
    position: str
    signed_at: Timestamp


class AccessCheckOut(Answer):
    kind: str
    target: str
    ok: bool
    latency_ms: float | None
    detail: str | None
    checked_at: Timestamp
    origin: str


class TicketOffer(Answer):
    """A helpdesk ticket the contact person may file, with the failed checks attached."""

    from_request: int
    server_id: int | None
    subject: str
    description: str


class CustodyRequestOut(Answer):
    """In a list: the summary; on its own: also history, documents, signatures and checks."""

    id: int
    state: str
    state_label: StateLabel
    unit_code: str
    server_id: int | None
    server: CustodyServer
    letter_number: str
    letter_date: date
    purpose: str | None
    officer: str | None
    state_since: Timestamp
    due_at: Timestamp | None
    overdue: bool
    allowed_actions: list[str]
    reservation: ReservationRef | None
    batch: list[int]
    waitlist_position: int | None = None      # only while waitlisted
    history: list[StepOut] = []               # this and below: only on a full view
    documents: list[CustodyDocument] = []
    signatures: list[SignatureOut] = []
    access_checks: list[AccessCheckOut] = []
    ticket_offer: TicketOffer | None = None   # only when access failed


class CustodyMoveOut(CustodyRequestOut):
    """The request after a move, with what the move did beside it."""

    promoted: list[int]
    warnings: list[str]
    moved_with_it: list[int]

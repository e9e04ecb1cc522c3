"""Lifecycle use cases: open a maintenance, transfer or disposal case and move it along its table.

The same shape as ``services.custody``: the table (``domain.lifecycle_flow``) decides whether a
move is legal and which effects it sets off; this module validates the data, performs the effects
and records the step, all in the caller's transaction. Every row touched is audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..domain.choices import AllocationStatus, Role
from ..domain.custody_flow import TERMINAL as CUSTODY_TERMINAL
from ..domain.lifecycle_flow import (DISPOSAL, DISPOSAL_LABELS, MAINTENANCE, MAINTENANCE_LABELS, NEEDS_REGENT,
                                     TRANSFER, TRANSFER_LABELS, DisposalMethod, is_open, service_days)
from ..domain.service_time import due_at
from ..domain.workflow import Move, Workflow
from ..errors import Conflict, Invalid, NotFound
from ..models import Allocation, CustodyRequest, Document, Server, Unit, User
from ..models.assets import (AssetRecord, DisposalCase, LifecycleStep, MaintenanceCase, MaintenancePart,
                             TransferCase)
from ..models.base import utcnow
from ..settings import Settings
from . import papers, space
from .access import unit_scope
from .common import flush_or_conflict
from .custody import calendar
from .lifecycle_payloads import parse
from .servers import get_server
from .setup import unit_by_code


@dataclass(frozen=True)
class Kind:
    flow: Workflow
    model: type
    labels: dict


KINDS: dict[str, Kind] = {
    "maintenance": Kind(MAINTENANCE, MaintenanceCase, MAINTENANCE_LABELS),
    "transfer": Kind(TRANSFER, TransferCase, TRANSFER_LABELS),
    "disposal": Kind(DISPOSAL, DisposalCase, DISPOSAL_LABELS),
}
Case = MaintenanceCase | TransferCase | DisposalCase


def _units_of(case: Case) -> set[int]:
    """A transfer is the business of both the giving and the receiving unit."""
    return {case.unit_id, case.to_unit_id} if isinstance(case, TransferCase) else {case.unit_id}


def get_case(session: Session, user: User, kind: str, case_id: int) -> Case:
    case = session.get(KINDS[kind].model, case_id)
    scope = unit_scope(user)
    if case is None or (scope is not None and scope not in _units_of(case)):
        raise NotFound(f"{kind} case {case_id} not found")
    return case


def list_stmt(user: User, kind: str, state: str | None = None, server_id: int | None = None):
    model = KINDS[kind].model
    stmt = select(model).order_by(model.id)
    if (scope := unit_scope(user)) is not None:
        mine = model.unit_id == scope
        stmt = stmt.where(or_(mine, TransferCase.to_unit_id == scope) if model is TransferCase else mine)
    if state:
        stmt = stmt.where(model.state == state)
    if server_id:
        stmt = stmt.where(model.server_id == server_id)
    return stmt


def due(settings: Settings, kind: str, case: Case) -> datetime | None:
    """When the case's current step is due (``domain.lifecycle_flow`` service times, working days)."""
    days = service_days(kind, case.state, getattr(case, "method", None))
    return due_at(case.state_since, calendar(settings), days) if days else None


def timing(settings: Settings, kind: str, case: Case, now: datetime | None = None) -> dict:
    """``due_at`` and ``overdue`` as custody requests and tickets show them; due exactly on time is not late."""
    now, d = now or utcnow(), due(settings, kind, case)
    return {"due_at": d, "overdue": bool(d and now > d)}


def allowed_actions(user: User, kind: str, case: Case) -> list[str]:
    return KINDS[kind].flow.allowed_actions(case.state, user.role)


def asset_record(session: Session, server_id: int) -> AssetRecord | None:
    return session.scalar(select(AssetRecord).where(AssetRecord.server_id == server_id))


def _require_in_register(session: Session, server: Server) -> None:
    rec = asset_record(session, server.id)
    if rec is not None and rec.disposed_at is not None:
        raise Conflict(f"server {server.id} was disposed on {rec.disposed_at:%Y-%m-%d}; its record is history only")


def _require_none_open(session: Session, kind: str, server_id: int) -> None:
    model = KINDS[kind].model
    for other in session.scalars(select(model).where(model.server_id == server_id)):
        if is_open(kind, other.state):
            raise Conflict(f"{kind} case {other.id} for server {server_id} is still open", case_id=other.id)


# --- opening a case ------------------------------------------------------------------------

def open_case(session: Session, settings: Settings, user: User, kind: str, data: dict | None,
              now: datetime | None = None) -> Case:
    """The first row of a table: the role is checked by the engine before anything is read."""
    data, now = data or {}, now or utcnow()
    move = KINDS[kind].flow.move(None, "request", user.role, data)
    body = parse(kind, "request", data)
    server = get_server(session, user, body.server_id)  # another unit's server is a 404
    _require_in_register(session, server)
    common = dict(server_id=server.id, unit_id=server.unit_id, state=move.to_state, state_since=now,
                  created_by=user.username)
    if kind == "maintenance":
        case: Case = MaintenanceCase(**common, kind=body.kind, analysis=body.analysis)
    elif kind == "transfer":
        _require_none_open(session, kind, server.id)
        to_unit = unit_by_code(session, body.to_unit, field="to_unit")
        if to_unit.id == server.unit_id:
            raise Invalid(f"server {server.id} already belongs to {to_unit.code}", field="to_unit")
        case = TransferCase(**common, to_unit_id=to_unit.id, reason=body.reason, letter_number=body.letter_number)
    else:
        _require_none_open(session, kind, server.id)
        custody = session.scalar(select(CustodyRequest).where(CustodyRequest.server_id == server.id))
        if custody is not None and custody.state not in CUSTODY_TERMINAL:
            # The unit takes its server back through the return procedure first (it frees the
            # slot and moves the waitlist); the office does not dispose of what it only holds.
            raise Conflict(f"server {server.id} is in custody (request {custody.id}, {custody.state}); "
                           "return it before disposal", field="server_id")
        case = DisposalCase(**common, method=body.method, reason=body.reason)
    session.add(case)
    flush_or_conflict(session, f"a {kind} case for server {server.id} is already open", "server_id")
    _step(session, kind, case, move, user, body, data, now)
    return case


# --- moving a case -------------------------------------------------------------------------

def _facts(kind: str, case: Case) -> dict:
    """Facts of the case that the table branches on; they override anything the actor sent."""
    if kind == "disposal":
        return {NEEDS_REGENT: case.method == DisposalMethod.destruction}
    return {}


def apply(session: Session, settings: Settings, user: User, kind: str, case_id: int, action: str,
          data: dict | None, now: datetime | None = None) -> tuple[Case, Move]:
    """Take one action; raises IllegalMove / RoleNotAllowed / MissingData / Invalid / Conflict."""
    data, now = data or {}, now or utcnow()
    case = get_case(session, user, kind, case_id)
    move = KINDS[kind].flow.move(case.state, action, user.role, {**data, **_facts(kind, case)})
    body = parse(kind, action, data)
    _record(kind, action, case, body, user, now)
    for effect in move.effects:
        _EFFECTS[effect](session, settings, user, case, body, now)
    case.state, case.state_since = move.to_state, now
    _step(session, kind, case, move, user, body, data, now)
    if "release_slot" in move.effects:
        from .custody import promote_waitlist  # freed space goes to the oldest waiting request
        promote_waitlist(session, settings, now)
    session.flush()
    return case, move


def _record(kind: str, action: str, case, body, user: User, now: datetime) -> None:
    """Keep what the actor gave on the case itself, where the card and the lists read it."""
    if action == "reject":
        case.reject_reason = body.reason
    elif action == "assign":
        case.letter_number = body.letter_number
    elif action == "record_work":
        case.work_done, case.downtime_start, case.downtime_end = body.work_done, body.downtime_start, body.downtime_end
    elif action == "report":
        case.report = body.report
    elif action == "record_transfer":
        case.record_number, case.transferred_at = body.record_number, now
    elif action == "review":
        case.findings, case.eligible = body.findings, body.eligible
    elif action == "approve" and kind == "disposal":
        case.approved_by = user.username
    elif action == "record_regent_approval":
        case.regent_name, case.decree_number = body.approver_name, body.decree_number
    elif action == "record_wipe":
        case.backup, case.wipe_method, case.wiped_by, case.wiped_at = (body.backup, body.method, body.wiped_by,
                                                                       body.wiped_at)
    elif action == "hand_over":
        case.recipient_name, case.record_number = body.recipient_name, body.record_number


def _step(session: Session, kind: str, case: Case, move: Move, user: User, body, raw: dict,
          now: datetime) -> None:
    session.add(LifecycleStep(kind=kind, case_id=case.id, server_id=case.server_id, action=move.action,
                              actor=user.username, role=user.role, from_state=move.from_state,
                              to_state=move.to_state, at=now, note=getattr(body, "note", None),
                              data=json.dumps(raw, sort_keys=True, default=str) if raw else None))
    session.flush()


# --- effects -------------------------------------------------------------------------------

def _assign_officer(session, settings, user, case, body, now) -> None:
    officer = session.scalar(select(User).where(User.username == body.officer))
    if officer is None or officer.role != Role.officer or not officer.is_active:
        raise Invalid(f"'{body.officer}' is not an active officer", field="officer")
    case.officer = officer.username


def _record_parts(session, settings, user, case, body, now) -> None:
    session.add_all(MaintenancePart(case_id=case.id, name=p.name, quantity=p.quantity,
                                    serial_removed=p.serial_removed, serial_installed=p.serial_installed)
                    for p in body.parts)


def _set_condition(session, settings, user, case, body, now) -> None:
    """The report may say what condition the server is in now; the change is audited on the server."""
    if body.condition_after is not None:
        case.condition_after = str(body.condition_after)
        case.server.condition = str(body.condition_after)


def _change_unit(session, settings, user, case, body, now) -> None:
    """The server, its rack space and its open custody request all follow the new holder."""
    case.server.unit_id = case.to_unit_id
    for alloc in session.scalars(select(Allocation).where(
            Allocation.server_id == case.server_id, Allocation.status != AllocationStatus.released)):
        alloc.unit_id = case.to_unit_id
    custody = session.scalar(select(CustodyRequest).where(CustodyRequest.server_id == case.server_id))
    if custody is not None and custody.state not in CUSTODY_TERMINAL:
        custody.unit_id = case.to_unit_id
    session.flush()


def _issue_record(session, settings, user, case, body, now, kind: str) -> None:
    from .assets import record_pdf  # the card and the records are assembled there

    unit = session.get(Unit, case.to_unit_id if kind == "transfer" else case.unit_id)
    pdf = record_pdf(session, settings, kind, case, user, now)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in body.record_number)[:80]
    doc = papers.store(session, kind=kind, unit_id=unit.id, request_id=None, filename=f"{kind}_{safe}.pdf",
                       content_type="application/pdf", content=pdf, actor=user.username)
    case.document_id = doc.id


def _record_wipe_report(session, settings, user, case, body, now) -> None:
    """The checksum is of the exact bytes kept, so the report can be checked against it later."""
    if body.report_text is not None:
        doc = papers.store(session, kind="wipe_report", unit_id=case.unit_id, request_id=None,
                           filename=f"wipe_report_{case.id}.txt", content_type="text/plain; charset=utf-8",
                           content=body.report_text.encode(), actor=user.username)
    else:
        doc = session.get(Document, body.report_document_id)
        if doc is None or doc.kind != "wipe_report" or doc.unit_id != case.unit_id:
            raise Invalid(f"document {body.report_document_id} is not a wipe report of this unit",
                          field="report_document_id")
    case.wipe_document_id, case.wipe_sha256 = doc.id, doc.sha256


def _release_slot(session, settings, user, case, body, now) -> None:
    for alloc in session.scalars(select(Allocation).where(
            Allocation.server_id == case.server_id, Allocation.status != AllocationStatus.released)).all():
        space.release(session, alloc.id)
        case.released_allocation_id = alloc.id


def _mark_disposed(session, settings, user, case, body, now) -> None:
    rec = asset_record(session, case.server_id)
    if rec is None:
        rec = AssetRecord(server_id=case.server_id, owner="unit", updated_by=user.username)
        session.add(rec)
    rec.disposed_at, rec.updated_by, rec.updated_at = now, user.username, now
    case.disposed_at = now


_EFFECTS = {
    "assign_officer": _assign_officer,
    "record_parts": _record_parts,
    "set_condition": _set_condition,
    "change_unit": _change_unit,
    "issue_transfer_record": lambda *a: _issue_record(*a, kind="transfer"),
    "record_wipe_report": _record_wipe_report,
    "release_slot": _release_slot,
    "issue_disposal_record": lambda *a: _issue_record(*a, kind="disposal"),
    "mark_disposed": _mark_disposed,
}


MAX_WIPE_REPORT_BYTES = 10 * 1024 * 1024


def store_wipe_report(session: Session, user: User, case_id: int, filename: str, content: bytes) -> Document:
    """An uploaded wipe report (PDF, log); ``record_wipe`` then names it by id."""
    case = get_case(session, user, "disposal", case_id)
    if user.role != Role.officer:
        from ..errors import Forbidden
        raise Forbidden("only an officer uploads the wipe report", allowed_roles=[Role.officer])
    if not content or len(content) > MAX_WIPE_REPORT_BYTES:
        raise Invalid("the wipe report must be between 1 byte and 10 MB", field="report_file")
    safe = "".join(c for c in filename if c.isalnum() or c in "._-")[-100:] or "wipe_report"
    kind = "application/pdf" if content.startswith(b"%PDF-") else "application/octet-stream"
    return papers.store(session, kind="wipe_report", unit_id=case.unit_id, request_id=None, filename=safe,
                        content_type=kind, content=content, actor=user.username)

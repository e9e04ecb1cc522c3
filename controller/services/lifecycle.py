"""Lifecycle use cases: open a maintenance, transfer or disposal case and move it along its table.

The same shape as ``services.custody``: the table (``domain.lifecycle_flow``) decides whether a
move is legal and which effects it sets off; this module validates the data, performs the effects
and records the step, all in the caller's transaction. Every row touched is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..domain.choices import AllocationStatus, Role
from ..domain.lifecycle_flow import (DISPOSAL, DISPOSAL_LABELS, MAINTENANCE, MAINTENANCE_LABELS, NEEDS_REGENT,
                                     TRANSFER, TRANSFER_LABELS, DisposalMethod, is_open, service_days)
from ..domain.service_time import due_at, office_calendar
from ..domain.workflow import Move, Workflow
from ..errors import Conflict, Invalid, NotFound
from ..models import Allocation, Document, Server, Unit, User
from ..models.assets import (AssetRecord, DisposalCase, LifecycleStep, MaintenanceCase, MaintenancePart,
                             TransferCase)
from ..models.base import utcnow
from ..settings import Settings
from . import papers, retirement, runner, space, turns
from .access import unit_scope
from .common import flush_or_conflict
from .custody import open_request_of
from .runner import Ctx, raw_json
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
    return due_at(case.state_since, office_calendar(settings), days) if days else None


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
        custody = open_request_of(session, server.id)
        if custody is not None:
            # The unit takes its server back through the return procedure first (it frees the
            # slot and moves the waitlist); the office does not dispose of what it only holds.
            raise Conflict(f"server {server.id} is in custody (request {custody.id}, {custody.state}); "
                           "return it before disposal", field="server_id")
        case = DisposalCase(**common, method=body.method, reason=body.reason)
    session.add(case)
    flush_or_conflict(session, f"a {kind} case for server {server.id} is already open", "server_id")
    _write_step(session, kind, case, move, user, body, data, now)
    PROCEDURES[kind].tell.tell(session, settings, KINDS[kind].flow, case, None, case.state, user.username)
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
    case = get_case(session, user, kind, case_id)
    ctx = runner.run(PROCEDURES[kind], session, settings, case, action, role=user.role, actor=user.username,
                     data=data, user=user, now=now or utcnow())
    return ctx.case, ctx.move


def _record(ctx: Ctx) -> None:
    """Keep what the actor gave on the case itself, where the card and the lists read it."""
    case, body, action, kind = ctx.case, ctx.body, ctx.move.action, _kind_of(ctx.case)
    if action == "reject":
        case.reject_reason = body.reason
    elif action == "assign":
        case.letter_number = body.letter_number
    elif action == "record_work":
        case.work_done, case.downtime_start, case.downtime_end = body.work_done, body.downtime_start, body.downtime_end
    elif action == "report":
        case.report = body.report
    elif action == "record_transfer":
        case.record_number, case.transferred_at = body.record_number, ctx.now
    elif action == "review":
        case.findings, case.eligible = body.findings, body.eligible
    elif action == "approve" and kind == "disposal":
        case.approved_by = ctx.actor
    elif action == "record_regent_approval":
        case.regent_name, case.decree_number = body.approver_name, body.decree_number
    elif action == "record_wipe":
        case.backup, case.wipe_method, case.wiped_by, case.wiped_at = (body.backup, body.method, body.wiped_by,
                                                                       body.wiped_at)
    elif action == "hand_over":
        case.recipient_name, case.record_number = body.recipient_name, body.record_number


def _kind_of(case: Case) -> str:
    return {MaintenanceCase: "maintenance", TransferCase: "transfer", DisposalCase: "disposal"}[type(case)]


def _step(ctx: Ctx) -> LifecycleStep:
    case, move = ctx.case, ctx.move
    return LifecycleStep(kind=_kind_of(case), case_id=case.id, server_id=case.server_id, action=move.action,
                         actor=ctx.actor, role=ctx.role, from_state=move.from_state, to_state=move.to_state,
                         at=ctx.now, note=ctx.note, data=raw_json(ctx.raw))


def _write_step(session: Session, kind: str, case: Case, move: Move, user: User, body, raw: dict,
                now: datetime) -> None:
    """The step of the move that opens a case (every later one is written by the runner)."""
    session.add(LifecycleStep(kind=kind, case_id=case.id, server_id=case.server_id, action=move.action,
                              actor=user.username, role=user.role, from_state=move.from_state,
                              to_state=move.to_state, at=now, note=getattr(body, "note", None),
                              data=raw_json(raw)))
    session.flush()


def _after(ctx: Ctx) -> None:
    if "release_slot" in ctx.move.effects:
        from .custody import promote_waitlist  # freed space goes to the oldest waiting request
        ctx.promoted = promote_waitlist(ctx.session, ctx.settings, ctx.now)


# --- effects -------------------------------------------------------------------------------

def _record_parts(ctx: Ctx) -> None:
    ctx.session.add_all(MaintenancePart(case_id=ctx.case.id, name=p.name, quantity=p.quantity,
                                        serial_removed=p.serial_removed, serial_installed=p.serial_installed)
                        for p in ctx.body.parts)


def _set_condition(ctx: Ctx) -> None:
    """The report may say what condition the server is in now; the change is audited on the server."""
    if ctx.body.condition_after is not None:
        ctx.case.condition_after = str(ctx.body.condition_after)
        ctx.case.server.condition = str(ctx.body.condition_after)


def _change_unit(ctx: Ctx) -> None:
    """The server, its rack space and its open custody request all follow the new holder."""
    session, case = ctx.session, ctx.case
    case.server.unit_id = case.to_unit_id
    for alloc in session.scalars(select(Allocation).where(
            Allocation.server_id == case.server_id, Allocation.status != AllocationStatus.released)):
        alloc.unit_id = case.to_unit_id
    custody = open_request_of(session, case.server_id)
    if custody is not None:
        custody.unit_id = case.to_unit_id
    session.flush()


def _issue_record(ctx: Ctx, kind: str) -> None:
    from .assets import record_pdf  # the card and the records are assembled there

    case, session, user = ctx.case, ctx.session, ctx.user
    unit = session.get(Unit, case.to_unit_id if kind == "transfer" else case.unit_id)
    pdf = record_pdf(session, ctx.settings, kind, case, user, ctx.now)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in ctx.body.record_number)[:80]
    doc = papers.store(session, kind=kind, unit_id=unit.id, request_id=None, filename=f"{kind}_{safe}.pdf",
                       content_type="application/pdf", content=pdf, actor=ctx.actor)
    case.document_id = doc.id


def _record_wipe_report(ctx: Ctx) -> None:
    """The checksum is of the exact bytes kept, so the report can be checked against it later."""
    case, body, session = ctx.case, ctx.body, ctx.session
    if body.report_text is not None:
        doc = papers.store(session, kind="wipe_report", unit_id=case.unit_id, request_id=None,
                           filename=f"wipe_report_{case.id}.txt", content_type="text/plain; charset=utf-8",
                           content=body.report_text.encode(), actor=ctx.actor)
    else:
        doc = session.get(Document, body.report_document_id)
        if doc is None or doc.kind != "wipe_report" or doc.unit_id != case.unit_id:
            raise Invalid(f"document {body.report_document_id} is not a wipe report of this unit",
                          field="report_document_id")
    case.wipe_document_id, case.wipe_sha256 = doc.id, doc.sha256


def _release_slot(ctx: Ctx) -> None:
    for alloc in ctx.session.scalars(select(Allocation).where(
            Allocation.server_id == ctx.case.server_id, Allocation.status != AllocationStatus.released)).all():
        space.release(ctx.session, alloc.id)
        ctx.case.released_allocation_id = alloc.id


def _mark_disposed(ctx: Ctx) -> None:
    session, case = ctx.session, ctx.case
    rec = asset_record(session, case.server_id)
    if rec is None:
        rec = AssetRecord(server_id=case.server_id, owner="unit", updated_by=ctx.actor)
        session.add(rec)
    rec.disposed_at, rec.updated_by, rec.updated_at = ctx.now, ctx.actor, ctx.now
    case.disposed_at = ctx.now
    retirement.retire(session, case.server_id, ctx.now)


_EFFECTS: dict[str, runner.Effect] = {
    "assign_officer": runner.assign_officer,
    "record_parts": _record_parts,
    "set_condition": _set_condition,
    "change_unit": _change_unit,
    "issue_transfer_record": lambda ctx: _issue_record(ctx, kind="transfer"),
    "record_wipe_report": _record_wipe_report,
    "release_slot": _release_slot,
    "issue_disposal_record": lambda ctx: _issue_record(ctx, kind="disposal"),
    "mark_disposed": _mark_disposed,
}


def _procedure(kind: str) -> runner.Procedure:
    flow = KINDS[kind].flow
    return runner.Procedure(name=kind, flow=flow, model=KINDS[kind].model,
                            parse=lambda action, data: parse(kind, action, data), step=_step, record=_record,
                            facts=lambda case: _facts(kind, case), after=_after,
                            tell=turns.Teller(*_NAMES[kind], "/assets", KINDS[kind].labels),
                            effects={e: _EFFECTS[e] for t in flow.transitions for e in t.effects})


_NAMES = {"maintenance": ("Pemeliharaan", "Maintenance case"), "transfer": ("Alih status", "Transfer case"),
          "disposal": ("Penghapusan", "Disposal case")}


PROCEDURES: dict[str, runner.Procedure] = {kind: _procedure(kind) for kind in KINDS}


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

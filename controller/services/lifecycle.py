"""Lifecycle use cases: open a maintenance, transfer or disposal case and move it along its table.

The same shape as ``services.custody``: the table (``domain.lifecycle_flow``) decides whether a
move is legal and which effects it sets off; this module validates the data, performs the effects
and records the step, all in the caller's transaction. Every row touched is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from ..domain.choices import AllocationStatus, Role
from ..domain.lifecycle_flow import (
    DISPOSAL,
    DISPOSAL_LABELS,
    MAINTENANCE,
    MAINTENANCE_LABELS,
    NEEDS_REGENT,
    REGENT_DECIDES,
    TRANSFER,
    TRANSFER_LABELS,
    due_at,
    is_open,
)
from ..domain.service_time import office_calendar
from ..domain.workflow import Move, Workflow
from ..errors import Conflict, Invalid, NotFound
from ..models import Allocation, Document, Server, User
from ..models.assets import AssetRecord, DisposalCase, LifecycleStep, MaintenanceCase, MaintenancePart, TransferCase
from ..models.base import utcnow
from ..settings import Settings
from . import case_letters, papers, retirement, runner, space, turns
from .access import unit_scope
from .common import flush_or_conflict
from .custody import open_request_of
from .lifecycle_payloads import (
    Assign,
    DisposalRequest,
    HandOver,
    MaintenanceRequest,
    Memo,
    RecordTransfer,
    RecordWipe,
    RecordWork,
    RegentApproval,
    Reject,
    Report,
    Review,
    TransferRequest,
    parse,
)
from .runner import Ctx, raw_json
from .servers import get_server
from .setup import unit_by_code

Case = MaintenanceCase | TransferCase | DisposalCase
# One of the three case rows: a function over it is checked once for each.
C = TypeVar("C", MaintenanceCase, TransferCase, DisposalCase)


@dataclass(frozen=True)
class Kind:
    flow: Workflow
    model: type[Case]
    labels: dict


KINDS: dict[str, Kind] = {
    "maintenance": Kind(MAINTENANCE, MaintenanceCase, MAINTENANCE_LABELS),
    "transfer": Kind(TRANSFER, TransferCase, TRANSFER_LABELS),
    "disposal": Kind(DISPOSAL, DisposalCase, DISPOSAL_LABELS),
}


def _units_of(case: Case) -> set[int]:
    """A transfer is the business of both the giving and the receiving unit."""
    return {case.unit_id, case.to_unit_id} if isinstance(case, TransferCase) else {case.unit_id}


def get_case(session: Session, user: User, kind: str, case_id: int) -> Case:
    case = session.get(KINDS[kind].model, case_id)
    scope = unit_scope(user)
    if not isinstance(case, Case) or (scope is not None and scope not in _units_of(case)):
        raise NotFound(f"{kind} case {case_id} not found")
    return case


def _select(kind: str) -> Select[Case]:
    """``select(model)`` of the kind's case model.

    Looked up in KINDS, the three models reach mypy as their join, ``Base``; the rows are always
    the kind's own model, which is all this cast says (the module's only one).
    """
    return cast("Select[Case]", select(KINDS[kind].model))


def list_stmt(user: User, kind: str, state: str | None = None, server_id: int | None = None) -> Select[Case]:
    model = KINDS[kind].model
    stmt = _select(kind).order_by(model.id)
    if (scope := unit_scope(user)) is not None:
        mine = model.unit_id == scope
        stmt = stmt.where(or_(mine, TransferCase.to_unit_id == scope) if model is TransferCase else mine)
    if state:
        stmt = stmt.where(model.state == state)
    if server_id:
        stmt = stmt.where(model.server_id == server_id)
    return stmt


def due(settings: Settings, kind: str, case: Case) -> datetime | None:
    """When the case's current step is due (``domain.lifecycle_flow`` service times, in office time)."""
    return due_at(kind, case.state, getattr(case, "method", None), case.state_since, office_calendar(settings))


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
    for other in session.scalars(_select(kind).where(model.server_id == server_id)):
        if is_open(kind, other.state):
            raise Conflict(f"{kind} case {other.id} for server {server_id} is still open", case_id=other.id)


# --- opening a case ------------------------------------------------------------------------

def _require_not_being_issued(session: Session, server: Server) -> None:
    """An asset on a BAST still open is between the office and its user: it changes unit, or leaves
    the register, only once that case is closed (a repair may still be needed meanwhile)."""
    from .asset_issues import open_issue_of  # asset_issues reads this module's case kinds

    if (issue_id := open_issue_of(session, server.id)) is not None:
        raise Conflict(f"asset {server.id} is on asset issue {issue_id} (BAST), still open; it can be "
                       "transferred or disposed of once that case is closed", field="server_id", issue_id=issue_id)


def open_case(session: Session, settings: Settings, user: User, kind: str, data: dict | None,
              now: datetime | None = None) -> Case:
    """The first row of a table: the role is checked by the engine before anything is read."""
    data, now = data or {}, now or utcnow()
    move = KINDS[kind].flow.move(None, "request", user.role, data)
    body = parse(kind, "request", data)
    if not isinstance(body, MaintenanceRequest | TransferRequest | DisposalRequest):
        raise TypeError(f"{kind}'s request parses into {type(body).__name__}")
    server = get_server(session, user, body.server_id)  # another unit's server is a 404
    _require_in_register(session, server)
    if not isinstance(body, MaintenanceRequest):
        _require_not_being_issued(session, server)
    common = dict(server_id=server.id, unit_id=server.unit_id, state=move.to_state, state_since=now,
                  created_by=user.username)
    case: Case
    if isinstance(body, MaintenanceRequest):
        case = MaintenanceCase(**common, kind=body.kind, analysis=body.analysis)
    elif isinstance(body, TransferRequest):
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
    _TELLERS[kind].tell(session, settings, KINDS[kind].flow, case, None, case.state, user.username)
    return case


# --- moving a case -------------------------------------------------------------------------

def _facts(case: DisposalCase) -> dict:
    """Facts of the case that the table branches on; they override anything the actor sent."""
    return {NEEDS_REGENT: case.method in REGENT_DECIDES}


def apply(session: Session, settings: Settings, user: User, kind: str, case_id: int, action: str,
          data: dict | None, now: datetime | None = None) -> tuple[Case, Move]:
    """Take one action; raises IllegalMove / RoleNotAllowed / MissingData / Invalid / Conflict."""
    case, now = get_case(session, user, kind, case_id), now or utcnow()
    data = case_letters.numbered(session, settings, kind, action, data, now)  # numbers from the register
    # Each kind's procedure is typed for its own row; the case's type picks it.
    ctx: Ctx[MaintenanceCase] | Ctx[TransferCase] | Ctx[DisposalCase]
    if isinstance(case, MaintenanceCase):
        ctx = runner.run(MAINTENANCE_PROCEDURE, session, settings, case, action, role=user.role,
                         actor=user.username, data=data, user=user, now=now)
    elif isinstance(case, TransferCase):
        ctx = runner.run(TRANSFER_PROCEDURE, session, settings, case, action, role=user.role,
                         actor=user.username, data=data, user=user, now=now)
    else:
        ctx = runner.run(DISPOSAL_PROCEDURE, session, settings, case, action, role=user.role,
                         actor=user.username, data=data, user=user, now=now)
    return ctx.case, ctx.move


def _record_maintenance(ctx: Ctx[MaintenanceCase]) -> None:
    """Keep what the actor gave on the case itself, where the card and the lists read it."""
    case, action = ctx.case, ctx.move.action
    if action == "reject":
        case.reject_reason = ctx.payload(Reject).reason
    elif action == "assign":
        case.letter_number = ctx.payload(Assign).letter_number
    elif action == "record_work":
        work = ctx.payload(RecordWork)
        case.work_done, case.downtime_start, case.downtime_end = work.work_done, work.downtime_start, work.downtime_end
    elif action == "report":
        case.report = ctx.payload(Report).report


def _record_transfer(ctx: Ctx[TransferCase]) -> None:
    case, action = ctx.case, ctx.move.action
    if action == "reject":
        case.reject_reason = ctx.payload(Reject).reason
    elif action == "record_transfer":
        case.record_number, case.transferred_at = ctx.payload(RecordTransfer).record_number, ctx.now


def _record_disposal(ctx: Ctx[DisposalCase]) -> None:
    case, action = ctx.case, ctx.move.action
    if action == "reject":
        case.reject_reason = ctx.payload(Reject).reason
    elif action == "review":
        review = ctx.payload(Review)
        case.findings, case.eligible = review.findings, review.eligible
    elif action == "approve":
        case.approved_by = ctx.actor
    elif action == "record_regent_approval":
        decree = ctx.payload(RegentApproval)
        case.regent_name, case.decree_number = decree.approver_name, decree.decree_number
    elif action == "record_wipe":
        wipe = ctx.payload(RecordWipe)
        case.backup, case.wipe_method, case.wiped_by, case.wiped_at = (wipe.backup, wipe.method, wipe.wiped_by,
                                                                       wipe.wiped_at)
    elif action == "hand_over":
        handed = ctx.payload(HandOver)
        case.recipient_name, case.record_number = handed.recipient_name, handed.record_number


def _kind_of(case: Case) -> str:
    return {MaintenanceCase: "maintenance", TransferCase: "transfer", DisposalCase: "disposal"}[type(case)]


def _step(ctx: Ctx[C]) -> LifecycleStep:
    case, move = ctx.case, ctx.move
    return LifecycleStep(kind=_kind_of(case), case_id=case.id, server_id=case.server_id, action=move.action,
                         actor=ctx.actor, role=ctx.role, from_state=move.from_state, to_state=move.to_state,
                         at=ctx.now, note=ctx.note, data=raw_json(ctx.raw))


def _write_step(session: Session, kind: str, case: Case, move: Move, user: User, body: BaseModel,
                raw: dict, now: datetime) -> None:
    """The step of the move that opens a case (every later one is written by the runner)."""
    session.add(LifecycleStep(kind=kind, case_id=case.id, server_id=case.server_id, action=move.action,
                              actor=user.username, role=user.role, from_state=move.from_state,
                              to_state=move.to_state, at=now, note=getattr(body, "note", None),
                              data=raw_json(raw)))
    session.flush()


def _after(ctx: Ctx[C]) -> None:
    # The surat penugasan and laporan kegiatan an act issues (SOP 001 names them as its outputs).
    case_letters.after_move(ctx.session, ctx.settings, _kind_of(ctx.case), ctx.case, ctx.move.action, ctx.actor,
                            ctx.move.to_state != ctx.move.from_state, ctx.now)
    if "release_slot" in ctx.move.effects:
        from .custody import promote_waitlist  # freed space goes to the oldest waiting request
        ctx.promoted = promote_waitlist(ctx.session, ctx.settings, ctx.now)


# --- effects -------------------------------------------------------------------------------

def _record_parts(ctx: Ctx[MaintenanceCase]) -> None:
    ctx.session.add_all(MaintenancePart(case_id=ctx.case.id, name=p.name, quantity=p.quantity,
                                        serial_removed=p.serial_removed, serial_installed=p.serial_installed)
                        for p in ctx.payload(RecordWork).parts)


def _set_condition(ctx: Ctx[MaintenanceCase]) -> None:
    """The report may say what condition the server is in now; the change is audited on the server."""
    condition = ctx.payload(Report).condition_after
    if condition is not None:
        ctx.case.condition_after = str(condition)
        ctx.case.server.condition = str(condition)


def _change_unit(ctx: Ctx[TransferCase]) -> None:
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


def _issue_nota_dinas(ctx: Ctx[MaintenanceCase]) -> None:
    """The Kasi's nota dinas to the Kabid, citing the analysis (services.case_letters)."""
    case_letters.maintenance_memo(ctx.session, ctx.settings, ctx.case, ctx.payload(Memo).memo_number, ctx.actor,
                                  ctx.note, ctx.now)


def _issue_review(ctx: Ctx[DisposalCase]) -> None:
    """The review's telaahan, eligible or not: the head decides on it."""
    case_letters.disposal_review(ctx.session, ctx.settings, ctx.case, ctx.payload(Review).review_number,
                                 ctx.actor, ctx.role, ctx.now)


def _issue_transfer_record(ctx: Ctx[TransferCase]) -> None:
    """The berita acara, kept for the unit that holds the server afterwards (services.case_letters)."""
    ctx.case.document_id = case_letters.transfer_record(ctx.session, ctx.settings, ctx.case, ctx.actor, ctx.now).id


def _issue_disposal_record(ctx: Ctx[DisposalCase]) -> None:
    ctx.case.document_id = case_letters.disposal_record(ctx.session, ctx.settings, ctx.case, ctx.actor, ctx.now).id


def _record_wipe_report(ctx: Ctx[DisposalCase]) -> None:
    """The checksum is of the exact bytes kept, so the report can be checked against it later."""
    case, body, session = ctx.case, ctx.payload(RecordWipe), ctx.session
    if body.report_text is not None:
        doc = papers.store(session, kind="wipe_report", unit_id=case.unit_id, request_id=None,
                           filename=f"wipe_report_{case.id}.txt", content_type="text/plain; charset=utf-8",
                           content=body.report_text.encode(), actor=ctx.actor)
    else:
        uploaded = session.get(Document, body.report_document_id)
        if uploaded is None or uploaded.kind != "wipe_report" or uploaded.unit_id != case.unit_id:
            raise Invalid(f"document {body.report_document_id} is not a wipe report of this unit",
                          field="report_document_id")
        doc = uploaded
    case.wipe_document_id, case.wipe_sha256 = doc.id, doc.sha256


def _release_slot(ctx: Ctx[DisposalCase]) -> None:
    for alloc in ctx.session.scalars(select(Allocation).where(
            Allocation.server_id == ctx.case.server_id, Allocation.status != AllocationStatus.released)).all():
        space.release(ctx.session, alloc.id)
        ctx.case.released_allocation_id = alloc.id


def _mark_disposed(ctx: Ctx[DisposalCase]) -> None:
    session, case = ctx.session, ctx.case
    rec = asset_record(session, case.server_id)
    if rec is None:
        rec = AssetRecord(server_id=case.server_id, owner="unit", updated_by=ctx.actor)
        session.add(rec)
    rec.disposed_at, rec.updated_by, rec.updated_at = ctx.now, ctx.actor, ctx.now
    case.disposed_at = ctx.now
    retirement.retire(session, case.server_id, ctx.now)


# A notice links to the case's own page, where the step it announces is taken.
_TELLERS = {kind: turns.Teller(what_id, what_en, f"/cases/{kind}/{{id}}", KINDS[kind].labels)
            for kind, (what_id, what_en) in {
    "maintenance": ("Pemeliharaan", "Maintenance case"), "transfer": ("Alih status", "Transfer case"),
    "disposal": ("Penghapusan", "Disposal case")}.items()}


def _procedure(kind: str, model: type[C], record: runner.Effect[C], effects: Mapping[str, runner.Effect[C]],
               facts: runner.Facts[C] | None = None) -> runner.Procedure[C]:
    return runner.Procedure(name=kind, flow=KINDS[kind].flow, model=model,
                            parse=lambda action, data: parse(kind, action, data), step=_step, record=record,
                            facts=facts or runner.no_facts, after=_after, tell=_TELLERS[kind], effects=effects)


MAINTENANCE_PROCEDURE = _procedure("maintenance", MaintenanceCase, _record_maintenance, {
    "issue_nota_dinas": _issue_nota_dinas, "assign_officer": runner.assign_officer, "record_parts": _record_parts,
    "set_condition": _set_condition})
TRANSFER_PROCEDURE = _procedure("transfer", TransferCase, _record_transfer, {
    "change_unit": _change_unit, "issue_transfer_record": _issue_transfer_record})
DISPOSAL_PROCEDURE = _procedure("disposal", DisposalCase, _record_disposal, {
    "issue_review": _issue_review, "record_wipe_report": _record_wipe_report, "release_slot": _release_slot,
    "issue_disposal_record": _issue_disposal_record, "mark_disposed": _mark_disposed}, facts=_facts)


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

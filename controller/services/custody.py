"""Custody use cases: submit a request, move it through the SOP table, and the system's moves.

The table (`domain.custody_flow.CUSTODY`) decides whether a move is allowed and which effects
it sets off; this module performs the effects (space, forms, probes, notifications) in the same
transaction as the move.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..domain import slots
from ..domain.asset_kinds import may_deposit, spec as kind_spec
from ..domain.choices import Role
from ..domain.custody_flow import CUSTODY, STATE_LABELS, TERMINAL, TIMED, CustodyState as S
from ..domain.service_time import WorkCalendar, due_at, office_calendar
from ..domain.workflow import SYSTEM, Move, WorkflowError
from ..errors import Conflict, Invalid
from ..models import AccessCheck, CustodyRequest, CustodyStep, Rack, Server, Signature, User
from ..models.base import utcnow
from ..settings import Settings
from ..signing import personal
from . import letters, papers, retirement, runner, space, turns
from .access import check_unit, unit_scope
from .common import flush_or_conflict
from .custody_payloads import (
    PAYLOADS,
    Configure,
    DeclaredServer,
    Inspect,
    Reason,
    Release,
    RequestReturn,
    ReserveSpace,
    Sign,
    Submit,
    parse,
    validate,
)
from .notify import notify
from .runner import Ctx, raw_json

if TYPE_CHECKING:
    from collectors.probes import ProbeResult

def calendar(settings: Settings) -> WorkCalendar:
    return office_calendar(settings)


def due(settings: Settings, req: CustodyRequest) -> datetime | None:
    if req.state not in TIMED:
        return None
    return due_at(req.state_since, calendar(settings))


def get_request(session: Session, user: User, request_id: int) -> CustodyRequest:
    req = session.get(CustodyRequest, request_id)
    check_unit(user, req.unit_id if req else None, "custody request", request_id)
    if req is None:
        from ..errors import NotFound
        raise NotFound(f"custody request {request_id} not found")
    return req


def list_stmt(user: User, state: str | None = None, unit_code: str | None = None) -> Select[CustodyRequest]:
    stmt = select(CustodyRequest).order_by(CustodyRequest.id)
    if (scope := unit_scope(user)) is not None:
        stmt = stmt.where(CustodyRequest.unit_id == scope)
    if state:
        stmt = stmt.where(CustodyRequest.state == state)
    if unit_code:
        from ..models import Unit
        stmt = stmt.join(Unit, Unit.id == CustodyRequest.unit_id).where(Unit.code == unit_code)
    return stmt


def signed_roles(session: Session, req: CustodyRequest, form: str = "handover") -> set[str]:
    return set(session.scalars(select(Signature.side).where(
        Signature.request_id == req.id, Signature.form == form)))


def allowed_actions(session: Session, user: User, req: CustodyRequest) -> list[str]:
    return allowed_actions_of(session, user, [(req.id, req.state)])[req.id]


def allowed_actions_of(session: Session, user: User, requests: list[tuple[int, str]]) -> dict[int, list[str]]:
    """The user's moves by hand in each (request id, state): the table's, less a handover
    signature the user's role has already given; the signatures read once for all of them (a
    work list asks for hundreds)."""
    manual = {state: [a for a in CUSTODY.allowed_actions(state, user.role) if CUSTODY.transition(a).manual]
              for state in {state for _, state in requests}}
    signing = [rid for rid, state in requests if "sign_handover" in manual[state]]
    signed = set(session.scalars(select(Signature.request_id).where(
        Signature.request_id.in_(signing), Signature.form == "handover", Signature.side == user.role))
    ) if signing else set()
    return {rid: [a for a in manual[state] if not (a == "sign_handover" and rid in signed)] for rid, state in requests}


def submit(session: Session, settings: Settings, user: User, data: dict) -> CustodyRequest:
    """The unit's letter: opens a custody request per server, declared afresh or known already.

    A server keeps one record across custodies (identity, serial, asset code, history): a server
    that was here before is named by `server_id`, or declared again with its serial, once its
    previous custody has ended. The database holds at most one open request per server. A letter
    about several servers (`servers`) opens one request each, in one batch: the dispositions are
    taken once for the batch, every later step per server. Returns the first request.
    """
    if user.role != Role.unit_contact:
        CUSTODY.move(None, "submit", user.role, data)  # raises the role error with the allowed moves
    body = validate(Submit, data)
    given = [x is not None for x in (body.server, body.server_id, body.servers)]
    if sum(given) != 1:
        raise Invalid("give the declared server, the server_id of a server that was here before, or a list "
                      "of servers", field="server")
    if body.servers is not None:
        serials = [d.serial_number for d in body.servers]
        if len(set(serials)) != len(serials):
            raise Invalid("the same serial number is listed twice", field="servers")
        wanted: list[tuple[DeclaredServer | None, int | None, str]] = [
            (d, None, f"servers.{i}.serial_number") for i, d in enumerate(body.servers)]
    elif body.server is not None:
        wanted = [(body.server, None, "server.serial_number")]
    else:
        wanted = [(None, body.server_id, "server_id")]
    first: CustodyRequest | None = None
    for declared, server_id, where in wanted:
        server = _server_for(session, user, declared, server_id, where, settings.depositable())
        req = CustodyRequest(unit_id=user.unit_id, server_id=server.id, state=S.submitted, state_since=utcnow(),
                             letter_number=body.letter_number, letter_date=body.letter_date,
                             purpose=declared.purpose if declared else body.purpose,
                             network_needs=declared.network_needs if declared else body.network_needs,
                             created_by=user.username, batch_id=first.id if first else None)
        session.add(req)
        flush_or_conflict(session, f"server {server.id} already has an open custody request", field=where)
        if first is None and len(wanted) > 1:
            req.batch_id = req.id
        first = first or req
        session.add(CustodyStep(request_id=req.id, action="submit", actor=user.username, role=user.role,
                                from_state=None, to_state=S.submitted, data=raw_json(data)))
        session.flush()
    assert first is not None
    _TELLER.tell(session, settings, CUSTODY, first, None, S.submitted, user.username)  # the head's turn
    return first


def batch_of(session: Session, req: CustodyRequest) -> list[CustodyRequest]:
    """The requests filed with the same letter, in order (the request alone when it has none)."""
    if req.batch_id is None:
        return [req]
    return list(session.scalars(select(CustodyRequest).where(CustodyRequest.batch_id == req.batch_id)
                                .order_by(CustodyRequest.id)))


def _server_for(session: Session, user: User, declared: DeclaredServer | None, server_id: int | None,
                where: str, deposit: frozenset[str]) -> Server:
    """The server a letter is about: a known one of the unit whose custody has ended, or a new one."""
    if server_id is not None:
        server = session.get(Server, server_id)
        if server is None or server.unit_id != user.unit_id:
            raise Invalid(f"server {server_id} is not one of your unit's servers", field="server_id")
    elif declared is not None:
        server = session.scalar(select(Server).where(Server.serial_number == declared.serial_number))
        if server is None:
            server = Server(unit_id=user.unit_id, brand=declared.brand, model=declared.model,
                            serial_number=declared.serial_number, height_u=declared.height_u,
                            power_w=declared.power_w, hostname=declared.hostname)
            session.add(server)
            flush_or_conflict(session, f"serial number '{declared.serial_number}' was just registered",
                              field=where)
            return server
        if server.unit_id != user.unit_id:
            raise Conflict(f"serial number '{declared.serial_number}' is registered to another unit; "
                           "a transfer case moves a server between units", field=where)
        if (server.brand, server.model) != (declared.brand, declared.model):
            raise Conflict(f"serial number '{declared.serial_number}' is registered as {server.brand} "
                           f"{server.model}, not {declared.brand} {declared.model}", field=where)
    else:  # submit() names every server by its id or declares it
        raise ValueError("a server is named by its id or declared")
    if not may_deposit(server.kind, deposit):   # a licence, or a switch the office does not take in
        raise Conflict(f"asset {server.id} ({server.serial_number}) is a {kind_spec(server.kind).label.en.lower()}; "
                       f"the office takes only these kinds into custody: {', '.join(sorted(deposit))}",
                       field=where, kind=server.kind, depositable=sorted(deposit))
    if (open_req := open_request_of(session, server.id)) is not None:
        raise Conflict(f"server {server.serial_number} is still in custody request {open_req.id} "
                       f"({open_req.state}); a new letter can follow once it has ended",
                       field=where, request_id=open_req.id)
    from .lifecycle import asset_record  # the register's own word on a disposed server
    rec = asset_record(session, server.id)
    if rec is not None and rec.disposed_at is not None:
        raise Conflict(f"server {server.serial_number} was disposed on {rec.disposed_at:%Y-%m-%d}",
                       field=where)
    if declared is not None:  # what may have changed since it was last here
        server.height_u, server.power_w = declared.height_u, declared.power_w
        server.hostname = declared.hostname or server.hostname
    return server


def open_request_of(session: Session, server_id: int) -> CustodyRequest | None:
    """The server's custody request that has not ended (the database allows one at most)."""
    return session.scalar(select(CustodyRequest).where(
        CustodyRequest.server_id == server_id, CustodyRequest.state.not_in([str(s) for s in TERMINAL])))


def custodies_of(session: Session, server_id: int) -> list[CustodyRequest]:
    """Every custody of a server, oldest first."""
    return list(session.scalars(select(CustodyRequest).where(CustodyRequest.server_id == server_id)
                                .order_by(CustodyRequest.id)))


@dataclass
class Outcome:
    request: CustodyRequest
    move: Move
    promoted: list[int] = field(default_factory=list)
    notified: int = 0
    warnings: list[str] = field(default_factory=list)
    batch: list[int] = field(default_factory=list)   # the letter's other requests moved with it


def apply(session: Session, settings: Settings, user: User, request_id: int, action: str,
          data: dict | None, now: datetime | None = None) -> Outcome:
    """Take one action; raises IllegalMove / RoleNotAllowed / MissingData / Invalid / Conflict."""
    # A BSrE signer's NIK and passphrase leave the act's data here: the step row keeps that data.
    data, credentials = personal.take(settings, action, data, SIGNING_ACTIONS)
    req = get_request(session, user, request_id)
    move = CUSTODY.move(req.state, action, user.role, data, already_signed=signed_roles(session, req))
    if not CUSTODY.transition(action, req.state).manual:
        raise Conflict(f"'{action}' is taken by the system, not by hand",
                       allowed_actions=allowed_actions(session, user, req))
    probes = None
    if "run_access_checks" in move.effects:
        # Probing can take seconds: do it without holding the database; the runner re-checks the
        # move under its lock afterwards.
        body = validate(Configure, data)  # the one action with access checks
        session.rollback()
        probes = _run_probes(body)
        req = get_request(session, user, request_id)
    with personal.pending(session, user.username, credentials):
        ctx = runner.run(PROCEDURE, session, settings, req, action, role=user.role, actor=user.username,
                         data=data, user=user, now=now or utcnow(), probes=probes)
    out = Outcome(ctx.case, ctx.move, ctx.promoted, ctx.notified, ctx.warnings)
    if action in BATCH_ACTIONS and ctx.case.batch_id is not None:
        # One disposition for the letter: its other requests still at that step move with it.
        for other in batch_of(session, ctx.case):
            if other.id != ctx.case.id and other.state == ctx.move.from_state:
                runner.run(PROCEDURE, session, settings, other, action, role=user.role, actor=user.username,
                           data=data, user=user, now=ctx.now)
                out.batch.append(other.id)
    return out


# Acts that issue a document their actor may sign with a BSrE certificate (controller.signing).
SIGNING_ACTIONS = frozenset({"sign_handover"})

# Taken once for a letter about several servers (the SOP's dispositions are of the letter).
BATCH_ACTIONS = frozenset({"head_dispose", "division_dispose", "refuse"})


# --- what the procedure declares to the runner ----------------------------------------------

def _parse(action: str, data: dict) -> BaseModel:
    return parse(action if action in PAYLOADS else "head_dispose", data)


def _signed(session: Session, req: CustodyRequest, action: str) -> set[str]:
    return signed_roles(session, req) if action == "sign_handover" else set()


def _record(ctx: Ctx[CustodyRequest]) -> None:
    """Keep what the actor gave on the request, where pages and forms read it."""
    req, body, action = ctx.case, ctx.body, ctx.move.action
    ctx.note = getattr(body, "note", None) or getattr(body, "notes", None) or getattr(body, "reason", None)
    if action == "sign_handover":
        personal.require_issuing(ctx.session, ctx.move.complete)
        sign = ctx.payload(Sign)
        ctx.session.add(Signature(request_id=req.id, form="handover", side=ctx.role, username=ctx.actor,
                                  name=sign.name, nip=sign.nip, position=sign.position, signed_at=ctx.now))
        ctx.session.flush()
        if ctx.move.complete:
            papers.issue_form(ctx.session, ctx.settings, req, "handover", ctx.actor, ctx.now)
    elif action in ("head_dispose", "division_dispose"):
        letters.issue_disposition(ctx.session, ctx.settings, req, action, ctx.actor, ctx.note,
                                  getattr(ctx.body, "officer", None), ctx.now)
    elif action == "inspect":
        inspection = ctx.payload(Inspect)
        req.inspection = json.dumps({"passed": inspection.passed, "checklist": inspection.checklist.model_dump(),
                                     "notes": inspection.notes}, sort_keys=True)
    elif action == "request_return":
        asked = ctx.payload(RequestReturn)
        req.return_reason, req.return_letter_number = asked.reason, asked.letter_number
    elif action in ("withdraw", "refuse"):
        req.return_reason = ctx.payload(Reason).reason  # the request's closing reason, shown with its state


def _step(ctx: Ctx[CustodyRequest]) -> CustodyStep:
    return CustodyStep(request_id=ctx.case.id, action=ctx.move.action, actor=ctx.actor, role=ctx.role,
                       from_state=ctx.move.from_state, to_state=ctx.move.to_state, at=ctx.now, note=ctx.note,
                       data=raw_json(ctx.raw))


def _after(ctx: Ctx[CustodyRequest]) -> None:
    if "promote_waitlist" in ctx.move.effects:
        ctx.promoted = promote_waitlist(ctx.session, ctx.settings, ctx.now)


# --- effects -------------------------------------------------------------------------------

def candidates_for(session: Session, server: Server) -> list[slots.Candidate]:
    """Free slots for the server in every room, ranked by the one rule in domain.slots."""
    from ..models import Room

    spaces = [sp for room_id in session.scalars(select(Room.id).order_by(Room.id))
              for sp in space.room_spaces(session, room_id)]
    return slots.candidates(spaces, server.height_u, server.power_w)


def _reserve_slot(ctx: Ctx[CustodyRequest]) -> None:
    req, session = ctx.case, ctx.session
    officer = session.scalar(select(User).where(User.username == ctx.actor)) if ctx.actor != SYSTEM else None
    who = officer or _system_user()
    # The officer may name the slot; the system's promotion (and an officer naming none) takes the best.
    body = ctx.body
    rack_id, u_bottom = (body.rack_id, body.u_bottom) if isinstance(body, ReserveSpace) else (None, None)
    if rack_id is None or u_bottom is None:  # ReserveSpace takes both or neither
        best = candidates_for(session, req.server)
        if not best:
            raise Conflict("no rack has enough free contiguous U and power for this server; "
                           "put the request on the waitlist", allowed_actions=["waitlist"])
        rack_id, u_bottom = best[0].rack_id, best[0].u_bottom
    elif session.get(Rack, rack_id) is None:
        raise Invalid(f"rack {rack_id} does not exist", field="rack_id")
    alloc = space.reserve(session, who, rack_id, u_bottom, req.server.height_u, req.server_id,
                          note=f"custody request {req.id}", unit_id=req.unit_id)
    req.allocation_id, req.reserved_at = alloc.id, ctx.now


def _system_user() -> User:
    return User(username=SYSTEM, role="system", full_name="Titip", password_hash="")


def _enqueue_waitlist(ctx: Ctx[CustodyRequest]) -> None:
    if candidates_for(ctx.session, ctx.case.server):
        raise Conflict("space is available for this server: reserve it instead of waitlisting",
                       allowed_actions=["reserve_space"])
    ctx.case.waitlisted_at = ctx.now


def _free_slot(ctx: Ctx[CustodyRequest]) -> None:
    req = ctx.case
    if req.allocation is not None and req.allocation.status != "released":
        space.release(ctx.session, req.allocation.id)


def _occupy_slot(ctx: Ctx[CustodyRequest]) -> None:
    if ctx.case.allocation_id is None:  # the table only places a request from space_reserved
        raise Conflict(f"custody request {ctx.case.id} holds no reserved space to place the server in")
    space.occupy(ctx.session, ctx.case.allocation_id)


def _run_access_checks(ctx: Ctx[CustodyRequest]) -> None:
    req = ctx.case
    req.server.management_ip = ctx.payload(Configure).management_ip
    failed = 0
    for result in ctx.probes or []:
        failed += not result.ok
        ctx.session.add(AccessCheck(server_id=req.server_id, request_id=req.id, kind=result.kind,
                                    target=result.target[:300], ok=result.ok, latency_ms=result.latency_ms,
                                    detail=(result.detail or result.error or "")[:500], checked_at=ctx.now,
                                    origin="configure"))
    if failed:
        ctx.warnings.append(f"{failed} of {len(ctx.probes or [])} access checks failed; "
                            "the unit was told the server is configured but not yet verified")


def _run_probes(body: Configure) -> list[ProbeResult]:
    from collectors.probes import run_checks

    return run_checks(body.management_ip, [c.model_dump() for c in body.access_checks])


def _issue_return_form(ctx: Ctx[CustodyRequest]) -> None:
    for sig in ctx.payload(Release).signatures:
        ctx.session.add(Signature(request_id=ctx.case.id, form="return", side=sig.side, name=sig.name, nip=sig.nip,
                                  position=sig.position, signed_at=ctx.now,
                                  username=ctx.actor if sig.side == "officer" else "-"))
    ctx.session.flush()
    papers.issue_form(ctx.session, ctx.settings, ctx.case, "return", ctx.actor, ctx.now)


def _retire_monitoring(ctx: Ctx[CustodyRequest]) -> None:
    retirement.retire(ctx.session, ctx.case.server_id, ctx.now)


def _resume_monitoring(ctx: Ctx[CustodyRequest]) -> None:
    retirement.resume(ctx.session, ctx.case.server_id)


def _nothing(ctx: Ctx[CustodyRequest]) -> None:
    """Done elsewhere: the handover form once both signatures are in (_record), the waitlist
    once the step is written (_after)."""


def _notify(ctx: Ctx[CustodyRequest], kind: str) -> int:
    session, req, body, probes = ctx.session, ctx.case, ctx.body, ctx.probes
    facts: dict[str, object] = {}
    if kind == "space_ready" and req.allocation is None and req.allocation_id:
        session.refresh(req)
    if kind == "space_ready" and req.allocation is not None:
        a = req.allocation
        facts = {"rack": a.rack.name, "u_bottom": a.u_bottom, "u_top": a.u_top}
    elif kind == "room_full":
        facts = {"position": waitlist_position(session, req)}
    elif kind == "configured":
        # The unit is told the server is reachable only when the office's own checks say so.
        kind = "reachable" if probes and all(p.ok for p in probes) else "configured_unverified"
        facts = {"ip": req.server.management_ip,
                 "checks": ", ".join(f"{p.kind} {p.target}: {'OK' if p.ok else 'GAGAL'}" for p in probes or [])}
    elif kind in ("access_failed", "rejected", "refused", "withdrawn"):
        facts = {"note": getattr(body, "note", None) or getattr(body, "notes", None)
                 or getattr(body, "reason", None) or "-"}
    return notify(session, ctx.settings, req, kind, **facts)


_TELLER = turns.Teller("Permohonan penitipan", "Custody request", "/requests/{id}", STATE_LABELS,
                       optional=frozenset({"withdraw", "request_return"}))

PROCEDURE = runner.Procedure(
    name="custody", flow=CUSTODY, model=CustodyRequest, parse=_parse, step=_step, record=_record,
    signed=_signed, notify=_notify, after=_after, tell=_TELLER,
    effects={
        "assign_officer": runner.assign_officer,
        "reserve_slot": _reserve_slot,
        "enqueue_waitlist": _enqueue_waitlist,
        "free_slot": _free_slot,
        "promote_waitlist": _nothing,
        "occupy_slot": _occupy_slot,
        "run_access_checks": _run_access_checks,
        "issue_handover_form": _nothing,
        "issue_return_form": _issue_return_form,
        "retire_monitoring": _retire_monitoring,
        "resume_monitoring": _resume_monitoring,
    })


def waitlist_position(session: Session, req: CustodyRequest) -> int:
    queue = list(session.scalars(select(CustodyRequest.id).where(CustodyRequest.state == S.waitlisted)
                                 .order_by(CustodyRequest.waitlisted_at, CustodyRequest.id)))
    return queue.index(req.id) + 1 if req.id in queue else 0


# --- the system's own moves ----------------------------------------------------------------

def _system_move(session: Session, settings: Settings, req: CustodyRequest, action: str,
                 now: datetime) -> bool:
    """One automatic move through the runner, in a savepoint: a request another controller moved
    first, or a slot taken meanwhile, skips this request instead of failing the whole job."""
    try:
        with session.begin_nested():
            runner.run(PROCEDURE, session, settings, req, action, role=SYSTEM, actor=SYSTEM, data={}, now=now)
        return True
    except (WorkflowError, Conflict):
        return False


def promote_waitlist(session: Session, settings: Settings, now: datetime | None = None) -> list[int]:
    """First come, first served: each waiting request, oldest first, gets space if it fits.

    A request that does not fit is skipped, not allowed to block the smaller ones behind it.
    """
    now = now or utcnow()
    promoted = []
    waiting = session.scalars(select(CustodyRequest).where(CustodyRequest.state == S.waitlisted)
                              .order_by(CustodyRequest.waitlisted_at, CustodyRequest.id)).all()
    for req in waiting:
        if candidates_for(session, req.server) and _system_move(session, settings, req, "promote", now):
            promoted.append(req.id)
    return promoted


def lapse_reservations(session: Session, settings: Settings, now: datetime | None = None) -> list[int]:
    """Reservations not taken up within the hold lapse: the slot is freed and the unit told."""
    now = now or utcnow()
    cutoff = now - timedelta(days=settings.reservation_hold_days)
    lapsed = []
    for req in session.scalars(select(CustodyRequest).where(
            CustodyRequest.state == S.space_reserved, CustodyRequest.reserved_at < cutoff)).all():
        if _system_move(session, settings, req, "lapse", now):
            lapsed.append(req.id)
    return lapsed


def is_open(req: CustodyRequest) -> bool:
    return req.state not in TERMINAL

"""Custody use cases: submit a request, move it through the SOP table, and the system's moves.

The table (`domain.custody_flow.CUSTODY`) decides whether a move is allowed and which effects
it sets off; this module performs the effects (space, forms, probes, notifications) in the same
transaction as the move.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain import slots
from ..domain.choices import Role
from ..domain.custody_flow import CUSTODY, CustodyState as S, TERMINAL
from ..domain.service_time import WorkCalendar, due_at
from ..domain.workflow import SYSTEM, Move
from ..errors import Conflict, Invalid
from ..models import (AccessCheck, CustodyRequest, CustodyStep, Rack, Server, Signature, User)
from ..models.base import utcnow
from ..settings import Settings
from . import papers, space
from .access import check_unit, unit_scope
from .custody_payloads import parse
from .notify import notify

# States in which somebody at the office owes the next step within the service time. The others
# wait on the unit (space_reserved: the hold), on space (waitlisted), or nobody (active, ends).
TIMED = frozenset({S.submitted, S.head_disposed, S.assigned, S.received, S.inspected, S.handed_over,
                   S.placed, S.configured, S.access_failed, S.return_requested, S.return_approved})


def calendar(settings: Settings) -> WorkCalendar:
    from datetime import time

    opens, closes = (time.fromisoformat(settings.office_opens), time.fromisoformat(settings.office_closes))
    return WorkCalendar(tz=settings.timezone, opens=opens, closes=closes)


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


def list_stmt(user: User, state: str | None = None, unit_code: str | None = None):
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
    actions = [a for a in CUSTODY.allowed_actions(req.state, user.role) if CUSTODY.transition(a).manual]
    if "sign_handover" in actions and user.role in signed_roles(session, req):
        actions.remove("sign_handover")
    return actions


def submit(session: Session, settings: Settings, user: User, data: dict) -> CustodyRequest:
    """The unit's letter: registers the declared server and opens its custody request."""
    if user.role != Role.unit_contact:
        CUSTODY.move(None, "submit", user.role, data)  # raises the role error with the allowed moves
    body = parse("submit", data)
    declared = body.server
    if session.scalar(select(Server.id).where(Server.serial_number == declared.serial_number)):
        raise Conflict(f"serial number '{declared.serial_number}' is already registered",
                       field="server.serial_number")
    server = Server(unit_id=user.unit_id, brand=declared.brand, model=declared.model,
                    serial_number=declared.serial_number, height_u=declared.height_u,
                    power_w=declared.power_w, hostname=declared.hostname)
    session.add(server)
    session.flush()
    req = CustodyRequest(unit_id=user.unit_id, server_id=server.id, state=S.submitted, state_since=utcnow(),
                         letter_number=body.letter_number, letter_date=body.letter_date,
                         purpose=declared.purpose, network_needs=declared.network_needs, created_by=user.username)
    session.add(req)
    session.flush()
    _step(session, req, "submit", user.username, user.role, None, S.submitted, None, data)
    return req


@dataclass
class Outcome:
    request: CustodyRequest
    move: Move
    promoted: list[int] = field(default_factory=list)
    notified: int = 0


def apply(session: Session, settings: Settings, user: User, request_id: int, action: str,
          data: dict | None, now: datetime | None = None) -> Outcome:
    """Take one action; raises IllegalMove / RoleNotAllowed / MissingData / Invalid / Conflict."""
    data = data or {}
    req = get_request(session, user, request_id)
    move = CUSTODY.move(req.state, action, user.role, data, already_signed=signed_roles(session, req))
    if not CUSTODY.transition(action, req.state).manual:
        raise Conflict(f"'{action}' is taken by the system, not by hand",
                       allowed_actions=allowed_actions(session, user, req))
    body = parse(action, data)
    probes = None
    if "run_access_checks" in move.effects:
        # Probing can take seconds: do it without holding the database, then re-check the move.
        session.rollback()
        probes = _run_probes(body)
        req = get_request(session, user, request_id)
        move = CUSTODY.move(req.state, action, user.role, data, already_signed=signed_roles(session, req))
    return _perform(session, settings, req, move, body, user.username, user.role, now or utcnow(), probes, data)


def _perform(session, settings, req, move, body, actor, role, now, probes, raw) -> Outcome:
    out = Outcome(req, move)
    before = req.state
    for effect in move.effects:
        if effect.startswith("notify:"):
            continue
        _EFFECTS[effect](session, settings, req, body, actor, now, out, probes)
    if move.action == "sign_handover":
        session.add(Signature(request_id=req.id, form="handover", side=role, username=actor, name=body.name,
                              nip=body.nip, position=body.position, signed_at=now))
        session.flush()
        if move.complete:
            papers.issue_form(session, settings, req, "handover", actor, now)
    if move.action == "inspect":
        req.inspection = json.dumps({"passed": body.passed, "checklist": body.checklist.model_dump(),
                                     "notes": body.notes}, sort_keys=True)
    if move.action == "request_return":
        req.return_reason, req.return_letter_number = body.reason, body.letter_number
    if move.action == "confirm_access" and not body.ok:
        pass  # the timeline keeps the note; the officer is told below
    if move.to_state != before:
        req.state, req.state_since = move.to_state, now
    _step(session, req, move.action, actor, role, before, move.to_state,
          getattr(body, "note", None) or getattr(body, "notes", None), raw)
    for effect in move.effects:
        if effect.startswith("notify:"):
            out.notified += _notify(session, settings, req, effect.split(":", 1)[1], body, probes)
    if "promote_waitlist" in move.effects:
        out.promoted = promote_waitlist(session, settings, now)
    session.flush()
    return out


def _step(session, req, action, actor, role, before, after, note, data) -> None:
    session.add(CustodyStep(request_id=req.id, action=action, actor=actor, role=role, from_state=before,
                            to_state=after, note=note,
                            data=json.dumps(data, sort_keys=True, default=str) if data else None))
    session.flush()


# --- effects -------------------------------------------------------------------------------

def _assign_officer(session, settings, req, body, actor, now, out, probes) -> None:
    officer = session.scalar(select(User).where(User.username == body.officer))
    if officer is None or officer.role != Role.officer or not officer.is_active:
        raise Invalid(f"'{body.officer}' is not an active officer", field="officer")
    req.officer = officer.username


def candidates_for(session: Session, server: Server) -> list[slots.Candidate]:
    """Free slots for the server in every room, ranked by the one rule in domain.slots."""
    from ..models import Room

    spaces = [sp for room_id in session.scalars(select(Room.id).order_by(Room.id))
              for sp in space.room_spaces(session, room_id)]
    return slots.candidates(spaces, server.height_u, server.power_w)


def _reserve_slot(session, settings, req, body, actor, now, out, probes) -> None:
    officer = session.scalar(select(User).where(User.username == actor)) if actor != SYSTEM else None
    who = officer or _system_user()
    rack_id, u_bottom = getattr(body, "rack_id", None), getattr(body, "u_bottom", None)
    if rack_id is None:
        best = candidates_for(session, req.server)
        if not best:
            raise Conflict("no rack has enough free contiguous U and power for this server; "
                           "put the request on the waitlist", allowed_actions=["waitlist"])
        rack_id, u_bottom = best[0].rack_id, best[0].u_bottom
    elif session.get(Rack, rack_id) is None:
        raise Invalid(f"rack {rack_id} does not exist", field="rack_id")
    alloc = space.reserve(session, who, rack_id, u_bottom, req.server.height_u, req.server_id,
                          note=f"custody request {req.id}", unit_id=req.unit_id)
    req.allocation_id, req.reserved_at = alloc.id, now


def _system_user() -> User:
    return User(username=SYSTEM, role="system", full_name="Titip", password_hash="")


def _enqueue_waitlist(session, settings, req, body, actor, now, out, probes) -> None:
    if candidates_for(session, req.server):
        raise Conflict("space is available for this server: reserve it instead of waitlisting",
                       allowed_actions=["reserve_space"])
    req.waitlisted_at = now


def _free_slot(session, settings, req, body, actor, now, out, probes) -> None:
    if req.allocation is not None and req.allocation.status != "released":
        space.release(session, req.allocation_id)


def _promote_later(*_args) -> None:
    """promote_waitlist runs after the move itself (see _perform)."""


def _occupy_slot(session, settings, req, body, actor, now, out, probes) -> None:
    space.occupy(session, req.allocation_id)


def _run_access_checks(session, settings, req, body, actor, now, out, probes) -> None:
    req.server.management_ip = body.management_ip
    for result in probes or []:
        session.add(AccessCheck(server_id=req.server_id, request_id=req.id, kind=result.kind,
                                target=result.target[:300], ok=result.ok, latency_ms=result.latency_ms,
                                detail=(result.detail or result.error or "")[:500], checked_at=now,
                                origin="configure"))


def _run_probes(body) -> list:
    from collectors.probes import run_checks

    return run_checks(body.management_ip, [c.model_dump() for c in body.access_checks])


def _issue_return_form(session, settings, req, body, actor, now, out, probes) -> None:
    for sig in body.signatures:
        session.add(Signature(request_id=req.id, form="return", side=sig.side, name=sig.name, nip=sig.nip,
                              position=sig.position, signed_at=now,
                              username=actor if sig.side == "officer" else "-"))
    session.flush()
    papers.issue_form(session, settings, req, "return", actor, now)


def _retire_monitoring(session, settings, req, body, actor, now, out, probes) -> None:
    """Nothing to retire until agents and collector targets exist for the server (later issues)."""


def _noop(*_args) -> None:
    return None


_EFFECTS = {
    "assign_officer": _assign_officer,
    "reserve_slot": _reserve_slot,
    "enqueue_waitlist": _enqueue_waitlist,
    "free_slot": _free_slot,
    "promote_waitlist": _promote_later,
    "occupy_slot": _occupy_slot,
    "run_access_checks": _run_access_checks,
    "issue_handover_form": _noop,  # issued in _perform once both signatures are in
    "issue_return_form": _issue_return_form,
    "retire_monitoring": _retire_monitoring,
}


def _notify(session, settings, req, kind, body, probes) -> int:
    facts: dict[str, object] = {}
    if kind == "space_ready" and req.allocation is None and req.allocation_id:
        session.refresh(req)
    if kind == "space_ready" and req.allocation is not None:
        a = req.allocation
        facts = {"rack": a.rack.name, "u_bottom": a.u_bottom, "u_top": a.u_top}
    elif kind == "room_full":
        facts = {"position": waitlist_position(session, req)}
    elif kind == "reachable":
        facts = {"ip": req.server.management_ip,
                 "checks": ", ".join(f"{p.kind} {p.target}: {'OK' if p.ok else 'GAGAL'}" for p in probes or [])}
    elif kind in ("access_failed", "rejected"):
        facts = {"note": getattr(body, "note", None) or getattr(body, "notes", None) or "-"}
    return notify(session, settings, req, kind, **facts)


def waitlist_position(session: Session, req: CustodyRequest) -> int:
    queue = list(session.scalars(select(CustodyRequest.id).where(CustodyRequest.state == S.waitlisted)
                                 .order_by(CustodyRequest.waitlisted_at, CustodyRequest.id)))
    return queue.index(req.id) + 1 if req.id in queue else 0


# --- the system's own moves ----------------------------------------------------------------

def promote_waitlist(session: Session, settings: Settings, now: datetime | None = None) -> list[int]:
    """First come, first served: each waiting request, oldest first, gets space if it fits.

    A request that does not fit is skipped, not allowed to block the smaller ones behind it.
    """
    now = now or utcnow()
    promoted = []
    waiting = session.scalars(select(CustodyRequest).where(CustodyRequest.state == S.waitlisted)
                              .order_by(CustodyRequest.waitlisted_at, CustodyRequest.id)).all()
    for req in waiting:
        if not candidates_for(session, req.server):
            continue
        move = CUSTODY.move(req.state, "promote", SYSTEM, {})
        _perform(session, settings, req, move, parse("head_dispose", {}), SYSTEM, SYSTEM, now, None, None)
        promoted.append(req.id)
    return promoted


def lapse_reservations(session: Session, settings: Settings, now: datetime | None = None) -> list[int]:
    """Reservations not taken up within the hold lapse: the slot is freed and the unit told."""
    now = now or utcnow()
    cutoff = now - timedelta(days=settings.reservation_hold_days)
    lapsed = []
    for req in session.scalars(select(CustodyRequest).where(
            CustodyRequest.state == S.space_reserved, CustodyRequest.reserved_at < cutoff)).all():
        move = CUSTODY.move(req.state, "lapse", SYSTEM, {})
        _perform(session, settings, req, move, parse("head_dispose", {}), SYSTEM, SYSTEM, now, None, None)
        lapsed.append(req.id)
    return lapsed


def is_open(req: CustodyRequest) -> bool:
    return req.state not in TERMINAL

"""Helpdesk ticket use cases: file, move through the SOP 003 table, list for the caller, and who
is involved in a ticket (who may comment on it, see its files, and is told of its moves)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from .. import validation
from ..domain.choices import Role
from ..domain.service_time import office_calendar
from ..domain.ticket_flow import DIVISION_MOVES, STATE_LABELS, TICKETS, Priority, TicketState, due_at
from ..errors import Forbidden, Invalid, NotFound
from ..models import (
    AccessCheck,
    CustodyRequest,
    Division,
    DivisionMember,
    Server,
    ServiceItem,
    Ticket,
    TicketStep,
    User,
)
from ..models.base import utcnow
from ..settings import Settings
from . import catalogue, runner
from .access import check_unit, unit_scope
from .notify import queue


class FileIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=5000, description="the reporter's own words")
    server_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    # Open the ticket from a custody request whose access failed: its last probes are attached
    # beside the reporter's description, as findings.
    from_request: int | None = Field(default=None, ge=1, le=2**31 - 1)


class TriageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: int = Field(ge=1, le=2**31 - 1, description="the catalogue item the ticket is about")
    priority: Priority | None = Field(default=None, description="the item's own when not given")
    note: str | None = Field(default=None, max_length=1000)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    officer: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=1000)


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resolution: str = Field(min_length=1, max_length=5000)


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ok: bool
    note: str | None = Field(default=None, max_length=1000)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=1000)


PAYLOADS: dict[str, type[BaseModel]] = {
    "triage": TriageIn, "refuse": ReasonIn, "assign": AssignIn, "take": NoteIn, "reject_out_of_scope": ReasonIn,
    "resolve": ResolveIn, "check": CheckIn, "approve_closure": NoteIn, "close": NoteIn}


def _parse(action: str, data: Any) -> BaseModel:
    return validation.parse(PAYLOADS[action], data or {})


def get(session: Session, user: User, ticket_id: int) -> Ticket:
    t = session.get(Ticket, ticket_id)
    if t is not None and user.role == Role.unit_contact and t.created_by != user.username:
        check_unit(user, t.unit_id, "ticket", ticket_id)
    if t is None:
        raise NotFound(f"ticket {ticket_id} not found")
    return t


def list_stmt(user: User, state: str | None = None) -> Select[Ticket]:
    stmt = select(Ticket).order_by(Ticket.id.desc())
    if (scope := unit_scope(user)) is not None:
        stmt = stmt.where((Ticket.unit_id == scope) | (Ticket.created_by == user.username))
    if state:
        stmt = stmt.where(Ticket.state == state)
    return stmt


# --- who is involved -------------------------------------------------------------------------

def involved(session: Session, user: User, t: Ticket) -> bool:
    """Who may comment on a ticket and fetch its files: the reporter and their unit, the helpdesk,
    the head, and the ticket's division (its head and officers) or its assigned officer."""
    if t.created_by == user.username:
        return True
    if user.role == Role.unit_contact:
        return t.unit_id is not None and t.unit_id == user.unit_id
    if user.role in (Role.helpdesk, Role.head):
        return True
    if user.role == Role.officer and t.officer == user.username:
        return True
    if user.role in (Role.officer, Role.division_head):
        return catalogue.is_member(session, user, t.division_id)
    return False


def require_involved(session: Session, user: User, t: Ticket, what: str) -> None:
    if not involved(session, user, t):
        raise Forbidden(f"only the reporter, the helpdesk, the heads and the ticket's division may {what}")


def _may(session: Session, user: User, t: Ticket, action: str) -> str | None:
    """Why `user` may not take `action` on `t` beyond the table's role rule, or None: the
    division's steps are its members', and an assigned ticket is its officer's."""
    if action not in DIVISION_MOVES or user.role not in (Role.officer, Role.division_head):
        return None
    if user.role == Role.officer and t.state == TicketState.assigned:
        return None if t.officer == user.username else f"this ticket is assigned to '{t.officer}'"
    if t.division_id is None:   # filed before divisions existed: the table's role rule alone
        return None
    if not catalogue.is_member(session, user, t.division_id):
        return "only a member of the ticket's division may take this step"
    return None


def allowed_actions(session: Session, user: User, t: Ticket) -> list[str]:
    return [a for a in TICKETS.allowed_actions(t.state, user.role) if _may(session, user, t, a) is None]


# --- filing and moving -----------------------------------------------------------------------

def file(session: Session, user: User, data: Any, settings: Settings | None = None) -> Ticket:
    TICKETS.move(None, "file", user.role, data if isinstance(data, dict) else {})
    body = validation.parse(FileIn, data)
    findings = None
    server_id = body.server_id
    if body.from_request:
        req = session.get(CustodyRequest, body.from_request)
        check_unit(user, req.unit_id if req else None, "custody request", body.from_request)
        if req is None:
            raise Invalid(f"custody request {body.from_request} does not exist", field="from_request")
        server_id = req.server_id
        findings = json.dumps(request_findings(session, req.id))
    if server_id is not None:
        server = session.get(Server, server_id)
        if server is None or (user.role == Role.unit_contact and server.unit_id != user.unit_id):
            raise Invalid(f"server {server_id} is not one of your unit's", field="server_id")
    t = Ticket(unit_id=user.unit_id, server_id=server_id, request_id=body.from_request, subject=body.subject,
               description=body.description, attachment=findings, state=TicketState.submitted,
               state_since=utcnow(), priority=Priority.normal, created_by=user.username)
    session.add(t)
    session.flush()
    session.add(TicketStep(ticket_id=t.id, action="file", actor=user.username, role=user.role, from_state=None,
                           to_state=t.state))
    session.flush()
    if settings is not None:  # the helpdesk owes the first step
        _tell_owners(session, settings, t, user.username)
    return t


def request_findings(session: Session, request_id: int) -> list[dict[str, Any]]:
    """A custody request's latest access checks: what the machine found, attached to a ticket."""
    checks = session.scalars(select(AccessCheck).where(AccessCheck.request_id == request_id)
                             .order_by(AccessCheck.id.desc()).limit(10)).all()
    return [{"kind": c.kind, "target": c.target, "ok": c.ok, "latency_ms": c.latency_ms, "detail": c.detail,
             "checked_at": c.checked_at.isoformat()} for c in checks]


def apply(session: Session, user: User, ticket_id: int, action: str, data: Any, *, settings: Settings,
          now: datetime | None = None) -> Ticket:
    t = get(session, user, ticket_id)
    data = data if isinstance(data, dict) else {}
    ctx = runner.run(PROCEDURE, session, settings, t, action, role=user.role, actor=user.username,
                     data=data, user=user, now=now or utcnow())
    return ctx.case


def _record(ctx: runner.Ctx[Ticket]) -> None:
    """The division's rule (checked on the locked row), then what the actor gave, kept on the ticket."""
    t, body, action = ctx.case, ctx.body, ctx.move.action
    if ctx.user is not None and (why := _may(ctx.session, ctx.user, t, action)) is not None:
        raise Forbidden(why, allowed_actions=allowed_actions(ctx.session, ctx.user, t))
    if isinstance(body, ReasonIn):   # refuse, reject_out_of_scope
        t.close_reason = ctx.note = body.reason
    elif isinstance(body, ResolveIn):
        t.resolution = ctx.note = body.resolution


def _triage(ctx: runner.Ctx[Ticket]) -> None:
    """SOP 003 steps 2 and 3: the catalogue item names the division, the category and the priority."""
    body, t = ctx.body, ctx.case
    assert isinstance(body, TriageIn)
    item = ctx.session.get(ServiceItem, body.service)
    division = ctx.session.get(Division, item.division_id) if item else None
    if item is None or division is None or not item.is_active or not division.is_active:
        raise Invalid(f"service {body.service} is not in the catalogue", field="service")
    t.service_id, t.division_id, t.category = item.id, division.id, item.category
    t.priority = body.priority or item.priority
    ctx.note = f"{item.code} {item.name} → {division.name}" + (f": {body.note}" if body.note else "")


def _assign(ctx: runner.Ctx[Ticket]) -> None:
    """The division head names an officer of the same division."""
    runner.assign_officer(ctx)
    officer = ctx.session.scalar(select(User).where(User.username == ctx.case.officer))
    if officer is None or not catalogue.is_member(ctx.session, officer, ctx.case.division_id):
        raise Invalid(f"'{ctx.case.officer}' is not an officer of the ticket's division", field="officer")


def _take(ctx: runner.Ctx[Ticket]) -> None:
    ctx.case.officer = ctx.actor


def _step(ctx: runner.Ctx[Ticket]) -> TicketStep:
    return TicketStep(ticket_id=ctx.case.id, action=ctx.move.action, actor=ctx.actor, role=ctx.role,
                      from_state=ctx.move.from_state, to_state=ctx.move.to_state, note=ctx.note, at=ctx.now)


# --- telling people --------------------------------------------------------------------------

def owners(session: Session, t: Ticket, state: str | None = None) -> list[User]:
    """Whoever owes the next step of `t` in `state`: the helpdesk, the division's members, the
    assigned officer, the heads, as the table and the division say."""
    state = state or t.state
    found: dict[int, User] = {}
    for role in Role:
        if not TICKETS.allowed_actions(state, role):
            continue
        stmt = select(User).where(User.role == role, User.is_active.is_(True)).order_by(User.id)
        if role == Role.officer and state == TicketState.assigned:
            stmt = stmt.where(User.username == t.officer)
        if role in (Role.officer, Role.division_head) and t.division_id is not None:
            stmt = stmt.where(User.id.in_(select(DivisionMember.user_id).where(
                DivisionMember.division_id == t.division_id)))
        for user in session.scalars(stmt):
            found[user.id] = user
    return list(found.values())


def _tell_owners(session: Session, settings: Settings, t: Ticket, actor: str) -> int:
    users = [u for u in owners(session, t) if u.username != actor]
    if not users:
        return 0
    label = STATE_LABELS[TicketState(t.state)]
    url = f"/tickets/{t.id}"
    return queue(session, settings, users, "your_turn",
                 f"Tiket layanan #{t.id}: {label.id} - menunggu tindakan Anda",
                 f"Tiket layanan #{t.id} \"{t.subject}\" kini berstatus \"{label.id}\" dan menunggu tindakan Anda. "
                 f"Buka {url} di Titip.",
                 f"Service ticket #{t.id} is now \"{label.en}\" and waits for you: open {url} in Titip.")


def _tell(ctx: runner.Ctx[Ticket]) -> int:
    """Whoever owes the next step, and the reporter of every move (SOP 003: the user is kept informed)."""
    if ctx.move.to_state == ctx.move.from_state:
        return 0
    t = ctx.case
    told = _tell_owners(ctx.session, ctx.settings, t, ctx.actor)
    reporter = ctx.session.scalar(select(User).where(User.username == t.created_by, User.is_active.is_(True)))
    if reporter is not None and reporter.username != ctx.actor:
        label = STATE_LABELS[TicketState(t.state)]
        extra = {TicketState.resolved: t.resolution, TicketState.closed: t.close_reason}.get(TicketState(t.state))
        told += queue(ctx.session, ctx.settings, [reporter], "ticket_progress",
                      f"Tiket #{t.id}: {label.id}",
                      f"Tiket Anda #{t.id} \"{t.subject}\" kini berstatus \"{label.id}\"."
                      + (f" Keterangan: {extra}" if extra else "") + f" Buka /tickets/{t.id} di Titip.",
                      f"Your ticket #{t.id} is now \"{label.en}\".")
    return told


PROCEDURE = runner.Procedure(name="tickets", flow=TICKETS, model=Ticket, parse=_parse, step=_step, record=_record,
                             tell=_tell, effects={"triage": _triage, "assign_officer": _assign, "take": _take})


# --- reading ---------------------------------------------------------------------------------

def due(settings: Settings, t: Ticket) -> datetime | None:
    return due_at(t.priority, t.state, t.state_since, office_calendar(settings))


def waiting_for(session: Session, settings: Settings, user: User, now: datetime | None = None) -> list[dict]:
    """Open tickets in which `user` has a step to take, oldest first (the queue and inbox pages)."""
    states = [s for s in TicketState if TICKETS.allowed_actions(s, user.role)]
    if not states:
        return []
    stmt = list_stmt(user).where(Ticket.state.in_([str(s) for s in states])).order_by(None).order_by(Ticket.id)
    if user.role == Role.officer:
        stmt = stmt.where((Ticket.officer == user.username) | Ticket.division_id.in_(
            select(DivisionMember.division_id).where(DivisionMember.user_id == user.id)))
    rows = [t for t in session.scalars(stmt) if allowed_actions(session, user, t)]
    return [view(session, settings, user, t, now, brief=True) for t in rows]


def _named(row: Division | ServiceItem | None) -> dict | None:
    return {"id": row.id, "code": row.code, "name": row.name} if row is not None else None


def view(session: Session, settings: Settings, user: User, t: Ticket, now: datetime | None = None,
         brief: bool = False) -> dict:
    """The ticket as the caller may see it; `brief` leaves out the history, comments and files (lists)."""
    from . import ticket_talk

    now = now or utcnow()
    d = due(settings, t)
    out: dict[str, Any] = {
        "id": t.id, "state": t.state, "subject": t.subject, "description": t.description,
        "server_id": t.server_id, "request_id": t.request_id, "officer": t.officer,
        "division": _named(session.get(Division, t.division_id) if t.division_id else None),
        "service": _named(session.get(ServiceItem, t.service_id) if t.service_id else None),
        "category": t.category, "priority": t.priority,
        "resolution": t.resolution, "close_reason": t.close_reason,
        "findings": json.loads(t.attachment) if t.attachment else None,
        "created_by": t.created_by, "created_at": t.created_at, "due_at": d, "overdue": bool(d and now > d),
        "allowed_actions": allowed_actions(session, user, t),
        "involved": involved(session, user, t)}
    if brief:
        return out
    steps = session.scalars(select(TicketStep).where(TicketStep.ticket_id == t.id).order_by(TicketStep.id))
    out["history"] = [{"action": s.action, "actor": s.actor, "role": s.role, "from": s.from_state,
                       "to": s.to_state, "time": s.at, "note": s.note} for s in steps]
    out["comments"] = ticket_talk.comments(session, t)
    out["attachments"] = ticket_talk.attachments(session, t)
    return out

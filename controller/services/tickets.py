"""Helpdesk ticket use cases: file, move through the SOP 003 table, list for the caller."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.choices import Role
from ..domain.service_time import due_at, office_calendar
from ..domain.ticket_flow import SERVICE_DAYS, STATE_LABELS, TICKETS, TicketState
from ..errors import Invalid, NotFound
from ..models import AccessCheck, CustodyRequest, Server, Ticket, TicketStep, User
from ..models.base import utcnow
from ..settings import Settings
from .. import validation
from .access import check_unit, unit_scope
from . import runner, turns
from .notify import queue


class FileIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=5000)
    server_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    # Open the ticket from a custody request whose access failed: its last probes are attached.
    from_request: int | None = Field(default=None, ge=1, le=2**31 - 1)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    officer: str = Field(min_length=1, max_length=64)


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


PAYLOADS: dict[str, type[BaseModel]] = {"assign": AssignIn, "reject_out_of_scope": ReasonIn,
                                         "resolve": ResolveIn, "check": CheckIn, "approve_closure": NoteIn}


def _parse(model: type[BaseModel], data: Any) -> BaseModel:
    return validation.parse(model, data or {})


def get(session: Session, user: User, ticket_id: int) -> Ticket:
    t = session.get(Ticket, ticket_id)
    if t is not None and user.role == Role.unit_contact and t.created_by != user.username:
        check_unit(user, t.unit_id, "ticket", ticket_id)
    if t is None:
        raise NotFound(f"ticket {ticket_id} not found")
    return t


def list_stmt(user: User, state: str | None = None):
    stmt = select(Ticket).order_by(Ticket.id.desc())
    if (scope := unit_scope(user)) is not None:
        stmt = stmt.where((Ticket.unit_id == scope) | (Ticket.created_by == user.username))
    if state:
        stmt = stmt.where(Ticket.state == state)
    return stmt


def file(session: Session, user: User, data: Any, settings: Settings | None = None) -> Ticket:
    TICKETS.move(None, "file", user.role, data if isinstance(data, dict) else {})
    body = _parse(FileIn, data)
    attachment = None
    server_id = body.server_id
    if body.from_request:
        req = session.get(CustodyRequest, body.from_request)
        check_unit(user, req.unit_id if req else None, "custody request", body.from_request)
        if req is None:
            raise Invalid(f"custody request {body.from_request} does not exist", field="from_request")
        server_id = req.server_id
        checks = session.scalars(select(AccessCheck).where(AccessCheck.request_id == req.id)
                                 .order_by(AccessCheck.id.desc()).limit(10)).all()
        attachment = json.dumps([{"kind": c.kind, "target": c.target, "ok": c.ok, "latency_ms": c.latency_ms,
                                  "detail": c.detail, "checked_at": c.checked_at.isoformat()} for c in checks])
    if server_id is not None:
        server = session.get(Server, server_id)
        if server is None or (user.role == Role.unit_contact and server.unit_id != user.unit_id):
            raise Invalid(f"server {server_id} is not one of your unit's", field="server_id")
    t = Ticket(unit_id=user.unit_id, server_id=server_id, request_id=body.from_request, subject=body.subject,
               description=body.description, attachment=attachment, state=TicketState.submitted,
               state_since=utcnow(), created_by=user.username)
    session.add(t)
    session.flush()
    session.add(TicketStep(ticket_id=t.id, action="file", actor=user.username, role=user.role, from_state=None,
                           to_state=t.state))
    session.flush()
    if settings is not None:  # the helpdesk owes the first step
        desk = session.scalars(select(User).where(User.role == Role.helpdesk, User.is_active.is_(True))).all()
        queue(session, settings, [u for u in desk if u.username != user.username], "your_turn",
              f"Tiket layanan #{t.id}: {t.subject} - menunggu tindakan Anda",
              f"Tiket layanan #{t.id} \"{t.subject}\" diajukan oleh {user.username} dan menunggu penugasan. "
              f"Buka /tickets/{t.id} di Titip.",
              f"Service ticket #{t.id} was filed and waits to be assigned: open /tickets/{t.id} in Titip.")
    return t


def allowed_actions(user: User, t: Ticket) -> list[str]:
    return TICKETS.allowed_actions(t.state, user.role)


def apply(session: Session, user: User, ticket_id: int, action: str, data: Any,
          now: datetime | None = None, settings: Settings | None = None) -> Ticket:
    t = get(session, user, ticket_id)
    data = data if isinstance(data, dict) else {}
    ctx = runner.run(PROCEDURE, session, settings, t, action, role=user.role, actor=user.username, data=data,
                     user=user, now=now or utcnow())
    return ctx.case


def _record(ctx: runner.Ctx) -> None:
    """What the actor gave, kept on the ticket; the step's note is its reason or resolution."""
    t, body, action = ctx.case, ctx.body, ctx.move.action
    if action == "reject_out_of_scope":
        t.close_reason = ctx.note = body.reason
    elif action == "resolve":
        t.resolution = ctx.note = body.resolution


def _step(ctx: runner.Ctx) -> TicketStep:
    return TicketStep(ticket_id=ctx.case.id, action=ctx.move.action, actor=ctx.actor, role=ctx.role,
                      from_state=ctx.move.from_state, to_state=ctx.move.to_state, note=ctx.note, at=ctx.now)


_TELLER = turns.Teller("Tiket layanan", "Service ticket", "/tickets/{id}", STATE_LABELS)


def _tell(ctx: runner.Ctx) -> int:
    """Whoever owes the next step, and the reporter of every change (SOP 003: the user is kept informed)."""
    told = _TELLER(ctx)
    t = ctx.case
    reporter = ctx.session.scalar(select(User).where(User.username == t.created_by, User.is_active.is_(True)))
    if reporter is not None and reporter.username != ctx.actor and ctx.move.to_state != ctx.move.from_state:
        label = STATE_LABELS[TicketState(t.state)]
        told += queue(ctx.session, ctx.settings, [reporter], "ticket_progress",
                      f"Tiket #{t.id}: {label.id}",
                      f"Tiket Anda #{t.id} \"{t.subject}\" kini berstatus \"{label.id}\"."
                      + (f" Penyelesaian: {t.resolution}" if t.resolution and t.state == TicketState.resolved else ""),
                      f"Your ticket #{t.id} is now \"{label.en}\".")
    return told


PROCEDURE = runner.Procedure(name="tickets", flow=TICKETS, model=Ticket,
                             parse=lambda action, data: _parse(PAYLOADS[action], data), step=_step, record=_record,
                             tell=_tell, effects={"assign_officer": runner.assign_officer})


def due(settings: Settings, t: Ticket) -> datetime | None:
    days = SERVICE_DAYS.get(TicketState(t.state))
    return due_at(t.state_since, office_calendar(settings), days) if days else None


def view(session: Session, settings: Settings, user: User, t: Ticket, now: datetime | None = None) -> dict:
    now = now or utcnow()
    d = due(settings, t)
    steps = session.scalars(select(TicketStep).where(TicketStep.ticket_id == t.id).order_by(TicketStep.id))
    return {"id": t.id, "state": t.state, "subject": t.subject, "description": t.description,
            "server_id": t.server_id, "request_id": t.request_id, "officer": t.officer,
            "resolution": t.resolution, "close_reason": t.close_reason,
            "attachment": json.loads(t.attachment) if t.attachment else None,
            "created_by": t.created_by, "created_at": t.created_at, "due_at": d, "overdue": bool(d and now > d),
            "allowed_actions": allowed_actions(user, t),
            "history": [{"action": s.action, "actor": s.actor, "role": s.role, "from": s.from_state,
                         "to": s.to_state, "time": s.at, "note": s.note} for s in steps]}

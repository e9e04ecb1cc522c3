"""What needs plans, procurements and issues to users share: opening a case through the runner,
the step row (with on-whose-behalf), service times in office minutes, and the history.

A case is opened by the table's row from ``None``: the role is checked by the engine before
anything is read, the row is created, and the runner's ``perform`` carries out the move exactly as
it does every later one (effects, step, telling whoever owes the next step).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.service_time import add_working_span, office_calendar
from ..domain.sop_steps import SopStep, SopTime
from ..domain.workflow import Move, Workflow
from ..models import User
from ..models.base import utcnow
from ..models.planning import ProcedureStep
from ..settings import Settings
from . import on_behalf, runner
from .runner import Ctx, raw_json


@dataclass(frozen=True)
class Spec:
    """How one of these procedures reads: its table, labels, SOP steps and service times."""

    kind: str
    flow: Workflow
    labels: Mapping[Any, Any]           # state -> Label
    steps: Mapping[str, SopStep]
    due: Mapping[Any, SopTime]          # state -> the time of the step it waits for


def step_row(spec: Spec) -> Callable[[Ctx[Any]], ProcedureStep]:
    def build(ctx: Ctx[Any]) -> ProcedureStep:
        body, move, sop = ctx.body, ctx.move, spec.steps.get(ctx.move.action)
        on_behalf = getattr(body, "on_behalf_of", None) or (sop.outside if sop else None)
        return ProcedureStep(kind=spec.kind, case_id=ctx.case.id, action=move.action, actor=ctx.actor, role=ctx.role,
                             from_state=move.from_state, to_state=move.to_state, at=ctx.now,
                             on_behalf_of=on_behalf, letter_number=getattr(body, "letter_number", None),
                             note=ctx.note, data=raw_json(ctx.raw))
    return build


def first_move(flow: Workflow, action: str, user: User, data: Mapping[str, Any]) -> Move:
    """The row that creates a case; a wrong role is refused before anything is read."""
    return flow.move(None, action, user.role, dict(data))


def open_case(proc: runner.Procedure[Any], session: Session, settings: Settings, user: User, case: Any,
              move: Move, body: BaseModel, data: dict[str, Any], now: datetime) -> Ctx[Any]:
    """Create the case row in the move's state and perform the move like any other."""
    data = dict(data)
    scan = on_behalf.take_scan(data)   # refused by the stamp: no opening move is an outside office's
    case.state, case.state_since, case.created_by = move.to_state, now, user.username
    session.add(case)
    session.flush()
    ctx: Ctx[Any] = Ctx(session=session, settings=settings, case=case, move=move, body=body, raw=data,
                        actor=user.username, role=user.role, now=now, flow=proc.flow, user=user,
                        note=getattr(body, "note", None), letter_scan=scan)
    # The move from None "changes" the state; perform sets it again, harmlessly.
    return runner.perform(proc, ctx)


def due_at(settings: Settings, spec: Spec, case: Any) -> datetime | None:
    """When the step the case waits for is due: its SOP time in office hours from ``state_since``."""
    time = spec.due.get(case.state)
    if time is None:
        return None
    calendar = office_calendar(settings)
    return add_working_span(case.state_since, time.span(calendar.day_length), calendar)


def timing(settings: Settings, spec: Spec, case: Any, now: datetime | None = None) -> dict[str, Any]:
    due = due_at(settings, spec, case)
    return {"due_at": due, "overdue": bool(due and (now or utcnow()) > due),
            "service_time": spec.due[case.state].text if case.state in spec.due else None}


def history(session: Session, spec: Spec, case_id: int) -> list[dict[str, Any]]:
    out = []
    for s in session.scalars(select(ProcedureStep).where(ProcedureStep.kind == spec.kind,
                                                         ProcedureStep.case_id == case_id).order_by(ProcedureStep.id)):
        sop = spec.steps.get(s.action)
        out.append({"action": s.action, "actor": s.actor, "role": s.role, "from_state": s.from_state,
                    "to_state": s.to_state, "at": s.at, "note": s.note, "on_behalf_of": s.on_behalf_of,
                    "letter_number": s.letter_number, "letter_document_id": s.letter_document_id,
                    "sop": sop.sop if sop else None,
                    "sop_actor": sop.actor if sop else None, "output": sop.output if sop else None,
                    "sop_time": sop.time.text if sop and sop.time else None,
                    "data": json.loads(s.data) if s.data else None})
    return out


def next_steps(spec: Spec, state: str) -> list[dict[str, Any]]:
    """The moves the state allows (any role), with their SOP actor, time and output: the form's guide."""
    out = []
    for t in spec.flow.transitions:
        if state in t.sources:
            sop = spec.steps.get(t.action)
            out.append({"action": t.action, "roles": sorted(t.roles), "sop": sop.sop if sop else None,
                        "sop_actor": sop.actor if sop else None, "output": sop.output if sop else None,
                        "sop_time": sop.time.text if sop and sop.time else None,
                        "on_behalf_of": sop.outside if sop else None})
    return out

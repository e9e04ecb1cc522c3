"""One case runner for every procedure: custody requests, helpdesk tickets, lifecycle cases.

A procedure is a declaration (its table, its case model, how its data is parsed, its effects and
its step row); the runner is the one place a case moves. A move takes the case row under a lock,
checks the move against the table *after* the lock, performs the effects and writes the step, all
in the caller's transaction. Two people clicking at once therefore cannot both move a case: on
PostgreSQL `SELECT ... FOR UPDATE` makes the second wait until the first commits and then re-read
the state, so the table refuses its move with a 409 naming the moves that are left; SQLite
already serialises writers (every write transaction begins with BEGIN IMMEDIATE, see `db.py`).
Nothing is half-written: any error leaves the caller's transaction to be rolled back whole.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.choices import Role
from ..domain.workflow import Move, Workflow
from ..errors import Invalid
from ..models import User
from ..models.base import utcnow
from ..settings import Settings


@dataclass
class Ctx:
    """Everything an effect may need, in one object (effects take nothing else)."""

    session: Session
    settings: Settings
    case: Any
    move: Move
    body: BaseModel
    raw: dict
    actor: str
    role: str
    now: datetime
    user: User | None = None
    probes: list | None = None          # access checks run before the lock (custody's configure)
    note: str | None = None             # what the step row keeps as its note
    promoted: list[int] = field(default_factory=list)
    notified: int = 0
    warnings: list[str] = field(default_factory=list)   # said back to the actor with the result
    flow: Workflow | None = None        # the procedure's table (for whoever reads the move)


Effect = Callable[[Ctx], None]


def _no_facts(_case: Any) -> dict:
    return {}


def _nobody(_session: Session, _case: Any, _action: str) -> Iterable[str]:
    return ()


@dataclass(frozen=True)
class Procedure:
    """A procedure as data: the runner needs nothing else to move one of its cases."""

    name: str
    flow: Workflow
    model: type
    parse: Callable[[str, dict], BaseModel]
    step: Callable[[Ctx], Any]                      # builds the step row of a move
    effects: Mapping[str, Effect] = field(default_factory=dict)
    facts: Callable[[Any], dict] = _no_facts       # facts of the case the table branches on
    signed: Callable[[Session, Any, str], Iterable[str]] = _nobody   # quorum signatures so far
    record: Effect | None = None                    # keeps what the actor gave on the case
    notify: Callable[[Ctx, str], int] | None = None
    tell: Callable[[Ctx], int] | None = None        # tells whoever owes the next step (services.turns)
    after: Effect | None = None                     # once the step is written (the waitlist moves)

    def __post_init__(self) -> None:
        named = {e for t in self.flow.transitions for e in (*t.effects, *_branch_effects(t))}
        missing = sorted(e for e in named if not e.startswith("notify:") and e not in self.effects)
        if missing:
            raise ValueError(f"procedure {self.name!r} has no code for effects {missing}")


def _branch_effects(t) -> tuple[str, ...]:
    target = t.target
    return (*getattr(target, "effects_if_true", ()), *getattr(target, "effects_if_false", ()))


def lock(session: Session, model: type, case_id: int) -> Any:
    """The case row, re-read and locked until the transaction ends (see the module docstring)."""
    stmt = select(model).where(model.id == case_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=model)
    return session.scalars(stmt).unique().one_or_none()


def run(proc: Procedure, session: Session, settings: Settings, case: Any, action: str, *, role: str,
        actor: str, data: dict | None, user: User | None = None, now: datetime | None = None,
        probes: list | None = None) -> Ctx:
    """Take one action on a case the caller may see; raises the engine's errors, Invalid, Conflict."""
    data = data or {}
    case = lock(session, proc.model, case.id)
    move = proc.flow.move(case.state, action, role, {**data, **proc.facts(case)},
                          already_signed=proc.signed(session, case, action))
    body = proc.parse(action, data)
    ctx = Ctx(session, settings, case, move, body, data, actor, role, now or utcnow(), user, probes,
              note=getattr(body, "note", None), flow=proc.flow)
    return perform(proc, ctx)


def perform(proc: Procedure, ctx: Ctx) -> Ctx:
    """Carry out a checked move: record, effects, state, step, notices, then `after`."""
    if proc.record is not None:
        proc.record(ctx)
    for effect in ctx.move.effects:
        if not effect.startswith("notify:"):
            proc.effects[effect](ctx)
    if ctx.move.to_state != ctx.move.from_state:
        ctx.case.state, ctx.case.state_since = ctx.move.to_state, ctx.now
    ctx.session.add(proc.step(ctx))
    ctx.session.flush()
    if proc.notify is not None:
        for effect in ctx.move.effects:
            if effect.startswith("notify:"):
                ctx.notified += proc.notify(ctx, effect.split(":", 1)[1])
    if proc.tell is not None:
        ctx.notified += proc.tell(ctx)
    if proc.after is not None:
        proc.after(ctx)
    ctx.session.flush()
    return ctx


def raw_json(data: Mapping[str, Any] | None) -> str | None:
    """What the actor gave, as the step row keeps it."""
    return json.dumps(data, sort_keys=True, default=str) if data else None


def assign_officer(ctx: Ctx) -> None:
    """The one "assign an officer" of every procedure: an active officer, by username."""
    officer = ctx.session.scalar(select(User).where(User.username == ctx.body.officer))
    if officer is None or officer.role != Role.officer or not officer.is_active:
        raise Invalid(f"'{ctx.body.officer}' is not an active officer", field="officer")
    ctx.case.officer = officer.username

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
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.choices import Role
from ..domain.workflow import Move, Transition, Workflow
from ..errors import Invalid, NotFound
from ..models import User
from ..models.base import utcnow
from ..settings import Settings
from . import on_behalf

if TYPE_CHECKING:
    from collectors.probes import ProbeResult


class CaseRow(Protocol):
    """What the runner reads and writes on a case row of any procedure."""

    @property
    def id(self) -> int: ...

    state: str
    state_since: datetime


class OfficerCase(CaseRow, Protocol):
    officer: str | None


@runtime_checkable
class NamesOfficer(Protocol):
    """A payload that names an officer (custody's Kabid disposition, lifecycle's and tickets' assign)."""

    officer: str


# The case type of a procedure. Unbounded on the classes on purpose: mypy checks a class's bound
# while it is still reading annotations like `Ctx[CustodyRequest]`, before it sees through
# SQLAlchemy's `Mapped[...]` descriptors, and caches the wrong "not a CaseRow". The functions that
# read the row (`run`, `lock`, `perform`) bind `RowT` to CaseRow instead, checked at each call.
CaseT = TypeVar("CaseT")
RowT = TypeVar("RowT", bound=CaseRow)
OfficerCaseT = TypeVar("OfficerCaseT", bound=OfficerCase)
PayloadT = TypeVar("PayloadT", bound=BaseModel)


@dataclass
class Ctx(Generic[CaseT]):
    """Everything an effect may need, in one object (effects take nothing else)."""

    session: Session
    settings: Settings
    case: CaseT
    move: Move
    body: BaseModel
    raw: dict[str, Any]
    actor: str
    role: str
    now: datetime
    flow: Workflow                      # the procedure's table (for whoever reads the move)
    user: User | None = None
    probes: list[ProbeResult] | None = None  # access checks run before the lock (custody's configure)
    note: str | None = None             # what the step row keeps as its note
    promoted: list[int] = field(default_factory=list)
    notified: int = 0
    warnings: list[str] = field(default_factory=list)   # said back to the actor with the result
    letter_scan: Any = None             # an outside office's letter scan named by the move (on_behalf)

    def payload(self, model: type[PayloadT]) -> PayloadT:
        """The actor's data as the payload model of this action.

        The procedure's `parse` picks the model from the action, so an effect knows which one it
        gets; this checks it at run time instead of trusting a cast, so a procedure that wires an
        effect to the wrong action fails loudly here rather than with an AttributeError later.
        """
        if not isinstance(self.body, model):
            raise TypeError(f"{self.move.action!r} carries {type(self.body).__name__}, not {model.__name__}")
        return self.body


Effect = Callable[[Ctx[CaseT]], None]
Facts = Callable[[CaseT], dict[str, Any]]


def no_facts(_case: object) -> dict[str, Any]:
    """A procedure whose table branches on no fact of the case."""
    return {}


def _nobody(_session: Session, _case: object, _action: str) -> Iterable[str]:
    return ()


@dataclass(frozen=True)
class Procedure(Generic[CaseT]):
    """A procedure as data: the runner needs nothing else to move one of its cases."""

    name: str
    flow: Workflow
    model: type[CaseT]
    parse: Callable[[str, dict[str, Any]], BaseModel]
    step: Callable[[Ctx[CaseT]], object]            # builds the step row of a move
    effects: Mapping[str, Effect[CaseT]] = field(default_factory=dict)
    facts: Facts[CaseT] = no_facts                  # facts of the case the table branches on
    signed: Callable[[Session, CaseT, str], Iterable[str]] = _nobody   # quorum signatures so far
    record: Effect[CaseT] | None = None             # keeps what the actor gave on the case
    notify: Callable[[Ctx[CaseT], str], int] | None = None
    tell: Callable[[Ctx[CaseT]], int] | None = None  # tells whoever owes the next step (services.turns)
    after: Effect[CaseT] | None = None              # once the step is written (the waitlist moves)

    def __post_init__(self) -> None:
        named = {e for t in self.flow.transitions for e in (*t.effects, *_branch_effects(t))}
        missing = sorted(e for e in named if not e.startswith("notify:") and e not in self.effects)
        if missing:
            raise ValueError(f"procedure {self.name!r} has no code for effects {missing}")


def _branch_effects(t: Transition) -> tuple[str, ...]:
    target = t.target
    return (*getattr(target, "effects_if_true", ()), *getattr(target, "effects_if_false", ()))


def lock(session: Session, model: type[RowT], case_id: int) -> RowT | None:
    """The case row, re-read and locked until the transaction ends (see the module docstring)."""
    # FOR UPDATE OF the case's own table: its joined eager loads may be outer joins, which
    # PostgreSQL refuses to lock.
    for_update = {"of": model} if session.get_bind().dialect.name == "postgresql" else None
    return session.get(model, case_id, populate_existing=True, with_for_update=for_update)


def run(proc: Procedure[RowT], session: Session, settings: Settings, case: CaseRow, action: str, *, role: str,
        actor: str, data: dict[str, Any] | None, user: User | None = None, now: datetime | None = None,
        probes: list[ProbeResult] | None = None) -> Ctx[RowT]:
    """Take one action on a case the caller may see; raises the engine's errors, Invalid, Conflict."""
    data = dict(data or {})
    scan = on_behalf.take_scan(data)   # the scan of an outside office's letter, if any
    locked = lock(session, proc.model, case.id)
    if locked is None:  # the caller saw it in this transaction: only a concurrent delete gets here
        raise NotFound(f"{proc.name} case {case.id} not found")
    move = proc.flow.move(locked.state, action, role, {**data, **proc.facts(locked)},
                          already_signed=proc.signed(session, locked, action))
    body = proc.parse(action, data)
    ctx = Ctx(session, settings, locked, move, body, data, actor, role, now or utcnow(), proc.flow, user, probes,
              note=getattr(body, "note", None), letter_scan=scan)
    return perform(proc, ctx)


def perform(proc: Procedure[RowT], ctx: Ctx[RowT]) -> Ctx[RowT]:
    """Carry out a checked move: record, effects, state, step, notices, then `after`."""
    if proc.record is not None:
        proc.record(ctx)
    for effect in ctx.move.effects:
        if not effect.startswith("notify:"):
            proc.effects[effect](ctx)
    if ctx.move.to_state != ctx.move.from_state:
        ctx.case.state, ctx.case.state_since = ctx.move.to_state, ctx.now
    row = proc.step(ctx)
    on_behalf.stamp(ctx.session, proc.flow.name, ctx.move.action, ctx.raw, ctx.letter_scan, row)
    ctx.session.add(row)
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


def assign_officer(ctx: Ctx[OfficerCaseT]) -> None:
    """The one "assign an officer" of every procedure: an active officer, by username."""
    body = ctx.body
    if not isinstance(body, NamesOfficer):
        raise TypeError(f"{ctx.move.action!r} carries {type(body).__name__}, which names no officer")
    officer = ctx.session.scalar(select(User).where(User.username == body.officer))
    if officer is None or officer.role != Role.officer or not officer.is_active:
        raise Invalid(f"'{body.officer}' is not an active officer", field="officer")
    ctx.case.officer = officer.username

"""A small workflow engine: a procedure is a declarative table of transitions.

The API, the UI's buttons and the audit trail all read the same table, so adding a step is one
row. The engine only decides *whether* a move is legal and *where* it goes; the effects it names
("reserve_slot", "notify:space_ready") are carried out by the service layer, which keeps this
module free of I/O and reusable for custody, helpdesk tickets and asset lifecycles alike.

Conventions:
- a state is a plain string; ``None`` stands for "no case yet", so the row that creates a case
  (``submit``) is an ordinary transition whose source is ``None``;
- automatic moves (``manual=False``) are taken by the ``SYSTEM`` role (scheduler, waitlist);
- a step that needs several parties (both sides sign a handover form) has a ``quorum``: each
  signature is its own move that stays in place until the last one arrives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import TitipError

SYSTEM = "system"  # the actor of automatic moves; never a person


@dataclass(frozen=True)
class Outcome:
    """Choose the next state from a boolean data field (a decision diamond in the SOP).

    Effects differ per branch (a failed inspection frees the slot, a passed one does not).
    """

    field: str
    if_true: str
    if_false: str
    effects_if_true: tuple[str, ...] = ()
    effects_if_false: tuple[str, ...] = ()

    def choose(self, value: bool) -> tuple[str, tuple[str, ...]]:
        return (self.if_true, self.effects_if_true) if value else (self.if_false, self.effects_if_false)


@dataclass(frozen=True)
class Transition:
    """One row of a procedure table."""

    action: str
    sources: frozenset[str | None]  # states it may start from; None = creates the case
    roles: frozenset[str]  # roles that may take it
    target: str | Outcome  # next state, or an Outcome choosing it from the data
    required: tuple[str, ...] = ()  # data fields that must be present and non-empty
    effects: tuple[str, ...] = ()  # performed by the service layer once the move completes
    manual: bool = True  # False: automatic, taken by SYSTEM
    quorum: frozenset[str] = frozenset()  # roles that must each take it before it moves

    @property
    def targets(self) -> tuple[str, ...]:
        if isinstance(self.target, Outcome):
            return (self.target.if_true, self.target.if_false)
        return (self.target,)

    @property
    def required_fields(self) -> tuple[str, ...]:
        """Declared fields plus the Outcome's field: a decision cannot be made without it."""
        if isinstance(self.target, Outcome) and self.target.field not in self.required:
            return (*self.required, self.target.field)
        return self.required


@dataclass(frozen=True)
class Move:
    """The result of a legal move; the service layer records it and performs ``effects``.

    For a quorum step that is not yet complete, ``to_state == from_state``, ``effects`` is empty
    and ``pending`` names the roles still to sign.
    """

    action: str
    from_state: str | None
    to_state: str
    effects: tuple[str, ...] = ()
    signed: frozenset[str] = frozenset()
    pending: frozenset[str] = frozenset()

    @property
    def complete(self) -> bool:
        return not self.pending


class WorkflowError(TitipError):
    """Base of the moves a caller cannot make: part of the one error tree (controller.errors), so
    each surface translates it where it translates every other error. ``str()`` is the engine's
    own sentence (logs, the web's detail line); ``body()`` is the API's answer."""

    def __init__(self, sentence: str, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail, field=field)
        self.sentence = sentence

    def __str__(self) -> str:
        return self.sentence


class IllegalMove(WorkflowError):
    """The action does not exist, or the state does not allow it.

    ``allowed`` lists what the acting role may do in this state instead.
    """

    status = 409

    def __init__(self, action: str, state: str | None, allowed: Iterable[str]):
        self.action, self.state, self.allowed = action, state, tuple(allowed)
        super().__init__(f"{action!r} is not possible in state {state!r}; allowed: {list(self.allowed)}",
                         f"'{action}' is not possible in state '{state}'")

    def body(self) -> dict[str, Any]:
        return {"detail": self.message, "state": self.state, "allowed_actions": sorted(self.allowed)}


class RoleNotAllowed(WorkflowError):
    """The state allows the action but this role may not take it.

    ``allowed`` lists the roles that may; ``actions`` what this role may do here instead.
    """

    status = 403

    def __init__(self, action: str, role: str, allowed: Iterable[str], actions: Iterable[str] = ()):
        self.action, self.role = action, role
        self.allowed, self.actions = tuple(sorted(allowed)), tuple(actions)
        super().__init__(f"role {role!r} may not {action!r}; allowed roles: {list(self.allowed)}",
                         f"role '{role}' may not take '{action}'")

    def body(self) -> dict[str, Any]:
        return {"detail": self.message, "allowed_roles": sorted(self.allowed), "allowed_actions": sorted(self.actions)}


class AlreadySigned(WorkflowError):
    """A party of a quorum step tried to sign twice."""

    status = 409

    def __init__(self, action: str, role: str, pending: Iterable[str]):
        self.action, self.role, self.pending = action, role, tuple(sorted(pending))
        super().__init__(f"{role!r} has already signed {action!r}; waiting for {list(self.pending)}",
                         f"'{role}' has already signed; waiting for {sorted(self.pending)}")

    def body(self) -> dict[str, Any]:
        return {"detail": self.message, "allowed_actions": []}


class MissingData(WorkflowError):
    status = 422

    def __init__(self, action: str, fields: Iterable[str]):
        self.action, self.fields = action, tuple(fields)
        super().__init__(f"{action!r} needs {list(self.fields)}", f"'{action}' needs {', '.join(self.fields)}",
                         field=self.fields[0] if self.fields else None)

    def body(self) -> dict[str, Any]:
        return {"detail": self.message, "field": self.field,
                "errors": [{"field": f, "message": "required"} for f in self.fields]}


class InvalidData(WorkflowError):
    status = 422
    field: str

    def __init__(self, action: str, field: str, reason: str):
        self.action, self.reason = action, reason
        super().__init__(f"{action!r}: {field!r} {reason}", f"{field}: {reason}", field=field)

    def body(self) -> dict[str, Any]:
        return {"detail": self.message, "field": self.field}


class InvalidWorkflow(ValueError):
    """The table itself is wrong: a programming error, caught at import time."""

    def __init__(self, name: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"workflow {name!r}: " + "; ".join(problems))


def is_empty(value: Any) -> bool:
    """None, blank strings and empty collections count as absent; False and 0 are answers."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict, set, frozenset, bytes)):
        return len(value) == 0
    return False


_ANY: Any = object()


class Workflow:
    """A procedure: its states, its table and the state a new case lands in.

    The table is checked when built, so a bad table fails at import, not halfway through a case.
    """

    def __init__(self, name: str, states: Iterable[str], transitions: Iterable[Transition], initial: str):
        self.name = name
        self.states: tuple[str, ...] = tuple(states)
        self.transitions: tuple[Transition, ...] = tuple(transitions)
        self.initial = initial
        self._index = self._validate()

    def __repr__(self) -> str:
        return f"Workflow({self.name!r}, {len(self.states)} states, {len(self.transitions)} transitions)"

    def _validate(self) -> dict[tuple[str | None, str], Transition]:
        problems: list[str] = []
        declared = set(self.states)
        if len(declared) != len(self.states):
            problems.append("duplicate state names")
        if self.initial not in declared:
            problems.append(f"initial state {self.initial!r} is not declared")
        index: dict[tuple[str | None, str], Transition] = {}
        for t in self.transitions:
            where = f"{t.action!r}"
            if not t.action:
                problems.append("a transition has no action name")
            if not t.sources:
                problems.append(f"{where} has no source state")
            if not t.roles:
                problems.append(f"{where} has no role")
            for s in t.sources:
                if s is not None and s not in declared:
                    problems.append(f"{where} starts from undeclared state {s!r}")
                if (s, t.action) in index:
                    problems.append(f"{where} is declared twice from state {s!r}")
                index[(s, t.action)] = t
            for target in t.targets:
                if target not in declared:
                    problems.append(f"{where} goes to undeclared state {target!r}")
            if t.quorum and t.quorum != t.roles:
                problems.append(f"{where} quorum {sorted(t.quorum)} differs from its roles {sorted(t.roles)}")
            if t.quorum and None in t.sources:
                problems.append(f"{where} needs a quorum but creates the case")
            if not t.manual and t.roles != {SYSTEM}:
                problems.append(f"{where} is automatic but not taken by {SYSTEM!r}")
        if not problems:
            unreachable = declared - self._reachable()
            if unreachable:
                problems.append(f"unreachable states {sorted(unreachable)}")
        if problems:
            raise InvalidWorkflow(self.name, problems)
        return index

    def _reachable(self) -> set[str]:
        seen: set[str] = {self.initial}
        frontier: list[str | None] = [None, self.initial]
        while frontier:
            state = frontier.pop()
            for t in self.transitions:
                if state in t.sources:
                    for target in t.targets:
                        if target not in seen:
                            seen.add(target)
                            frontier.append(target)
        return seen

    @property
    def terminal_states(self) -> frozenset[str]:
        """States no transition leaves."""
        left = {s for t in self.transitions for s in t.sources}
        return frozenset(s for s in self.states if s not in left)

    def transition(self, action: str, state: str | None = _ANY) -> Transition:
        """The row for ``action`` (from ``state`` when an action has rows from several states)."""
        rows = [t for (s, a), t in self._index.items() if a == action and (state is _ANY or s == state)]
        if not rows:
            raise IllegalMove(action, None if state is _ANY else state, ())
        return rows[0]

    def allowed_actions(self, state: str | None, role: str) -> list[str]:
        """Actions ``role`` may take in ``state``, in table order (the UI's buttons)."""
        return [t.action for t in self.transitions if state in t.sources and role in t.roles]

    def move(
        self,
        state: str | None,
        action: str,
        role: str,
        data: Mapping[str, Any] | None = None,
        already_signed: Iterable[str] = (),
    ) -> Move:
        """Check a move and say where it goes; raises a WorkflowError when it is not allowed.

        ``already_signed`` is only used by quorum steps: the roles that signed before this one.
        """
        data = data or {}
        t = self._index.get((state, action))
        if t is None:
            raise IllegalMove(action, state, self.allowed_actions(state, role))
        if role not in t.roles:
            raise RoleNotAllowed(action, role, t.roles, self.allowed_actions(state, role))
        signed = frozenset(already_signed)
        if t.quorum:
            if not signed <= t.quorum:
                raise ValueError(f"{sorted(signed - t.quorum)} are not parties to {action!r}")
            if role in signed:
                raise AlreadySigned(action, role, t.quorum - signed)
        missing = [f for f in t.required_fields if is_empty(data.get(f))]
        if missing:
            raise MissingData(action, missing)

        if t.quorum:
            signed = signed | {role}
            pending = t.quorum - signed
            if pending:
                assert state is not None  # validated: a quorum step never creates a case
                return Move(action, state, state, (), signed, pending)
        if isinstance(t.target, Outcome):
            value = data[t.target.field]
            if not isinstance(value, bool):
                raise InvalidData(action, t.target.field, "must be true or false")
            to_state, branch_effects = t.target.choose(value)
        else:
            to_state, branch_effects = t.target, ()
        return Move(action, state, to_state, (*t.effects, *branch_effects), signed)

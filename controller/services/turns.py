"""Telling people when a step becomes theirs: after every move, whoever owes the next step of the
case is told (in-app, and by mail when they have an address).

Who owes it comes from the procedure's own table: the roles that may take a manual action in
the new state. An officer is the one assigned to the case when there is one; a unit contact is
one of the case's unit; other roles are everyone holding them. Optional moves (withdrawing,
asking for a return) are nobody's duty and tell nobody; the person who just moved is not told.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.choices import Label, Role
from ..domain.workflow import SYSTEM, Workflow
from ..models import User
from ..settings import Settings
from .notify import queue
from .runner import Ctx


class TurnCase(Protocol):
    """What telling reads on a case: its number and unit (an officer or a receiving unit if it has one)."""

    @property
    def id(self) -> int: ...

    @property
    def unit_id(self) -> int | None: ...


TurnT = TypeVar("TurnT", bound=TurnCase)


@dataclass(frozen=True)
class Teller:
    """How one procedure names its cases to people."""

    what_id: str                                  # "Permohonan penitipan", "Tiket layanan" ...
    what_en: str
    path: str                                     # "/requests/{id}": where the case is opened
    labels: dict                                  # state -> Label
    optional: frozenset[str] = frozenset()        # moves nobody owes
    contacts_told_by_effects: bool = True         # a move that notified already told the unit

    def __call__(self, ctx: Ctx[TurnT]) -> int:
        return self.tell(ctx.session, ctx.settings, ctx.flow, ctx.case, ctx.move.from_state, ctx.move.to_state,
                         ctx.actor, ctx.notified)

    def tell(self, session: Session, settings: Settings, flow: Workflow, case: TurnCase, from_state: str | None,
             state: str, actor: str, notified: int = 0) -> int:
        """Tell whoever owes a step in `state` (nothing when the state did not change)."""
        if state == from_state:
            return 0
        owed = {role: [a for a in flow.allowed_actions(state, role)
                       if a not in self.optional and flow.transition(a, state).manual]
                for role in Role}
        users: dict[int, User] = {}
        for role, actions in owed.items():
            if not actions:
                continue
            if role == Role.unit_contact and self.contacts_told_by_effects and notified:
                continue
            for user in _holders(session, case, role):
                if user.username != actor:
                    users[user.id] = user
        if not users:
            return 0
        label: Label = self.labels[state]
        url = self.path.format(id=case.id)
        subject = f"{self.what_id} #{case.id}: {label.id} - menunggu tindakan Anda"
        body_id = (f"{self.what_id} #{case.id} kini berstatus \"{label.id}\" dan menunggu tindakan Anda. "
                   f"Buka {url} di Titip.")
        body_en = f"{self.what_en} #{case.id} is now \"{label.en}\" and waits for you: open {url} in Titip."
        request_id = case.id if flow.name == "custody" else None
        return queue(session, settings, users.values(), "your_turn", subject, body_id, body_en,
                     request_id=request_id)


def _holders(session: Session, case: TurnCase, role: str) -> Iterable[User]:
    stmt = select(User).where(User.role == role, User.is_active.is_(True))
    officer: str | None = getattr(case, "officer", None)  # transfer and disposal cases have none
    if role == Role.officer and officer:
        stmt = stmt.where(User.username == officer)
    elif role == Role.unit_contact:
        units = {case.unit_id, getattr(case, "to_unit_id", None)} - {None}
        stmt = stmt.where(User.unit_id.in_(units))
    elif role == SYSTEM:
        return []
    return session.scalars(stmt.order_by(User.id)).all()


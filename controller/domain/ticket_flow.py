"""Helpdesk tickets (SOP 003) as one table run by the same engine as custody.

SOP: a user files a ticket; the helpdesk assigns it to a division (here: an officer); tickets
outside the office's service or authority close; the problem is solved within 3 days; the
division head checks; the head approves closure.
"""

from __future__ import annotations

from enum import StrEnum

from controller.domain.choices import Label, Role
from controller.domain.workflow import Outcome, Transition, Workflow


class TicketState(StrEnum):
    submitted = "submitted"
    assigned = "assigned"
    resolved = "resolved"
    checked = "checked"
    closed = "closed"


T = TicketState

STATE_LABELS: dict[TicketState, Label] = {
    T.submitted: Label("Diajukan", "Submitted", "grey"),
    T.assigned: Label("Ditangani petugas", "Assigned", "blue"),
    T.resolved: Label("Diselesaikan", "Resolved", "teal"),
    T.checked: Label("Diperiksa Kabid", "Checked", "indigo"),
    T.closed: Label("Ditutup", "Closed", "lightgrey"),
}

ANYONE = frozenset(str(r) for r in Role)

TRANSITIONS = (
    Transition("file", frozenset({None}), ANYONE, T.submitted, required=("subject", "description")),
    Transition("assign", frozenset({T.submitted}), frozenset({Role.helpdesk}), T.assigned, required=("officer",),
               effects=("assign_officer",)),
    Transition("reject_out_of_scope", frozenset({T.assigned}), frozenset({Role.officer}), T.closed,
               required=("reason",)),
    Transition("resolve", frozenset({T.assigned}), frozenset({Role.officer}), T.resolved, required=("resolution",)),
    # The division head checks the work: accepted, or sent back to the officer.
    Transition("check", frozenset({T.resolved}), frozenset({Role.division_head}),
               Outcome("ok", T.checked, T.assigned), required=("ok",)),
    Transition("approve_closure", frozenset({T.checked}), frozenset({Role.head}), T.closed),
)

TICKETS = Workflow("tickets", tuple(TicketState), TRANSITIONS, initial=T.submitted)

# Working days each state may last (SOP 003: 1 per step, 3 to solve the problem).
SERVICE_DAYS: dict[TicketState, int] = {T.submitted: 1, T.assigned: 3, T.resolved: 1, T.checked: 1}

"""Helpdesk tickets (SOP 003 *Pengelolaan Layanan TIK*) as one table run by the same engine as custody.

The SOP's seven steps, and who takes each here:
1. the user files a ticket (``file``, anyone);
2. the helpdesk receives it and names the division (*bidang*) that handles it, and
3. checks it is a service of the office and within its authority: here both are one step
   against the service catalogue (``triage`` picks a catalogue item, whose division takes the
   ticket, or ``refuse`` closes it with a reason). The division may still find it outside its
   authority (``reject_out_of_scope``);
4. an officer of the division solves it (``take`` or the division head's ``assign``, then
   ``resolve``) within the priority's service time (3 working days at normal priority);
5. the division head checks the work (or sends it back);
6. the head approves the closure;
7. the helpdesk closes the ticket (``close``): a separate step after the head's approval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from controller.domain.choices import Label, Role
from controller.domain.service_time import WorkCalendar, add_working_time
from controller.domain.workflow import Outcome, Transition, Workflow


class TicketState(StrEnum):
    submitted = "submitted"
    triaged = "triaged"
    assigned = "assigned"
    resolved = "resolved"
    checked = "checked"
    approved = "approved"
    closed = "closed"


T = TicketState

STATE_LABELS: dict[TicketState, Label] = {
    T.submitted: Label("Diajukan", "Submitted", "grey"),
    T.triaged: Label("Di bidang", "With the division", "orange"),
    T.assigned: Label("Ditangani petugas", "Assigned", "blue"),
    T.resolved: Label("Diselesaikan", "Resolved", "teal"),
    T.checked: Label("Diperiksa Kabid", "Checked", "indigo"),
    T.approved: Label("Disetujui Kadis", "Closure approved", "purple"),
    T.closed: Label("Ditutup", "Closed", "lightgrey"),
}


class Category(StrEnum):
    """What kind of service a catalogue item is (ITIL's usual three, as Indonesian offices name them)."""

    incident = "incident"
    service_request = "service_request"
    information = "information"


CATEGORY_LABELS: dict[Category, Label] = {
    Category.incident: Label("Gangguan", "Incident", "red"),
    Category.service_request: Label("Permintaan layanan", "Service request", "blue"),
    Category.information: Label("Permintaan informasi", "Information", "teal"),
}


class Priority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


PRIORITY_LABELS: dict[Priority, Label] = {
    Priority.low: Label("Rendah", "Low", "grey"),
    Priority.normal: Label("Normal", "Normal", "blue"),
    Priority.high: Label("Tinggi", "High", "orange"),
    Priority.urgent: Label("Mendesak", "Urgent", "red"),
}

ANYONE = frozenset(str(r) for r in Role)
_desk, _division, _officer = frozenset({Role.helpdesk}), frozenset({Role.division_head}), frozenset({Role.officer})

TRANSITIONS = (
    Transition("file", frozenset({None}), ANYONE, T.submitted, required=("subject", "description")),
    # Steps 2 and 3: against the service catalogue; the item names the division.
    Transition("triage", frozenset({T.submitted}), _desk, T.triaged, required=("service",), effects=("triage",)),
    Transition("refuse", frozenset({T.submitted}), _desk, T.closed, required=("reason",)),
    # The division: its head names an officer, or an officer of it takes the ticket.
    Transition("assign", frozenset({T.triaged}), _division, T.assigned, required=("officer",),
               effects=("assign_officer",)),
    Transition("take", frozenset({T.triaged}), _officer, T.assigned, effects=("take",)),
    Transition("reject_out_of_scope", frozenset({T.triaged}), _division, T.closed, required=("reason",)),
    Transition("reject_out_of_scope", frozenset({T.assigned}), _officer, T.closed, required=("reason",)),
    Transition("resolve", frozenset({T.assigned}), _officer, T.resolved, required=("resolution",)),
    # Step 5: the division head checks the work: accepted, or sent back to the officer.
    Transition("check", frozenset({T.resolved}), _division, Outcome("ok", T.checked, T.assigned), required=("ok",)),
    Transition("approve_closure", frozenset({T.checked}), frozenset({Role.head}), T.approved),   # step 6
    Transition("close", frozenset({T.approved}), _desk, T.closed),                            # step 7
)

TICKETS = Workflow("tickets", tuple(TicketState), TRANSITIONS, initial=T.submitted)

# Moves only a member of the ticket's division may take (the division's own steps).
DIVISION_MOVES = frozenset({"assign", "take", "reject_out_of_scope", "resolve", "check"})


@dataclass(frozen=True)
class Span:
    """A service time in working time: whole office days and/or minutes within office hours."""

    days: float = 0
    minutes: int = 0

    def in_days(self, day_minutes: float) -> float:
        return self.days + self.minutes / day_minutes


DAY = Span(days=1)

# How long each state may last, per priority (SOP 003 *Mutu Baku: Waktu*: 1 hari per step, 3 hari
# to solve). Normal priority is the SOP's table; the SOP gives no minutes, so the shorter times of
# high and urgent tickets (the helpdesk's and the division's first response, the solving) are the
# office's choice, counted in minutes within office hours. The checks, the approval and the
# closing stay the SOP's day whatever the priority: they are paperwork, not the outage.
SERVICE_TIMES: dict[Priority, dict[TicketState, Span]] = {
    Priority.low: {T.submitted: DAY, T.triaged: DAY, T.assigned: Span(days=5), T.resolved: DAY,
                   T.checked: DAY, T.approved: DAY},
    Priority.normal: {T.submitted: DAY, T.triaged: DAY, T.assigned: Span(days=3), T.resolved: DAY,
                      T.checked: DAY, T.approved: DAY},
    Priority.high: {T.submitted: Span(minutes=60), T.triaged: Span(minutes=120), T.assigned: DAY,
                    T.resolved: DAY, T.checked: DAY, T.approved: DAY},
    Priority.urgent: {T.submitted: Span(minutes=30), T.triaged: Span(minutes=60), T.assigned: Span(minutes=240),
                      T.resolved: DAY, T.checked: DAY, T.approved: DAY},
}


def service_time(priority: str | None, state: str) -> Span | None:
    """The span a ticket of `priority` may stay in `state` (None: nobody owes anything there)."""
    try:
        return SERVICE_TIMES[Priority(priority or Priority.normal)].get(TicketState(state))
    except ValueError:
        return None


def due_at(priority: str | None, state: str, since: datetime, calendar: WorkCalendar) -> datetime | None:
    """When a ticket that entered `state` at `since` is due, counted in office time."""
    span = service_time(priority, state)
    if span is None:
        return None
    return add_working_time(since, span.in_days(calendar.day_length / timedelta(minutes=1)), calendar)

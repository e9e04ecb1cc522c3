"""Custody of a server, from request letter to return, as one table (SOP 002 and its mirror).

Guards that need the room (does any rack fit? is this the oldest waiting request?) are the
service layer's: it asks ``domain.slots`` and then takes the matching action here. The engine
only knows which moves exist, who may take them, what they need and what they set off.

A reservation that is not taken up within ``RESERVATION_HOLD`` *lapses* into a terminal state
rather than going back to ``assigned``: its slot goes to the next request in the waitlist, and
a request that went back to the officer would keep its old place ahead of requests that have
been waiting, which breaks first come first served. The unit files a new letter when its server
is ready.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from controller.domain.choices import Label, Role
from controller.domain.sop_steps import SopTime, days
from controller.domain.workflow import SYSTEM, Outcome, Transition, Workflow


class CustodyState(StrEnum):
    submitted = "submitted"
    head_disposed = "head_disposed"
    assigned = "assigned"
    space_reserved = "space_reserved"
    waitlisted = "waitlisted"
    lapsed = "lapsed"
    received = "received"
    inspected = "inspected"
    rejected = "rejected"
    handed_over = "handed_over"
    placed = "placed"
    configured = "configured"
    access_failed = "access_failed"
    active = "active"
    return_requested = "return_requested"
    return_approved = "return_approved"
    returned = "returned"
    withdrawn = "withdrawn"
    refused = "refused"


S = CustodyState

STATE_LABELS: dict[CustodyState, Label] = {
    S.submitted: Label("Permohonan diajukan", "Submitted", "grey"),
    S.head_disposed: Label("Didisposisi Kepala Dinas", "Dispositioned by head", "purple"),
    S.assigned: Label("Didisposisi ke petugas", "Assigned to officer", "indigo"),
    S.space_reserved: Label("Ruang tersedia", "Space reserved", "cyan"),
    S.waitlisted: Label("Menunggu ruang (ruang penuh)", "Waitlisted (room full)", "orange"),
    S.lapsed: Label("Pemesanan kedaluwarsa", "Reservation lapsed", "lightgrey"),
    S.received: Label("Server diterima", "Server received", "blue"),
    S.inspected: Label("Sudah diperiksa", "Inspected", "blue"),
    S.rejected: Label("Ditolak saat pemeriksaan", "Rejected at inspection", "red"),
    S.handed_over: Label("Serah terima ditandatangani", "Handed over", "teal"),
    S.placed: Label("Terpasang di rak", "Placed in rack", "teal"),
    S.configured: Label("Sudah dikonfigurasi", "Configured", "yellow"),
    S.access_failed: Label("Akses gagal", "Access failed", "red"),
    S.active: Label("Aktif", "Active", "green"),
    S.return_requested: Label("Pengembalian diajukan", "Return requested", "orange"),
    S.return_approved: Label("Pengembalian disetujui", "Return approved", "orange"),
    S.returned: Label("Sudah dikembalikan", "Returned", "lightgrey"),
    S.withdrawn: Label("Ditarik oleh unit", "Withdrawn by the unit", "lightgrey"),
    S.refused: Label("Ditolak saat disposisi", "Refused at disposition", "red"),
}

# The server is physically in the office: from arrival until it is taken back. A rejected
# server is handed back at the inspection table, so it leaves custody there.
IN_CUSTODY: frozenset[CustodyState] = frozenset({
    S.received, S.inspected, S.handed_over, S.placed, S.configured, S.access_failed,
    S.active, S.return_requested, S.return_approved,
})
TERMINAL: frozenset[CustodyState] = frozenset({S.lapsed, S.rejected, S.returned, S.withdrawn, S.refused})
# Before the server is received the unit may still withdraw its letter (a reservation is freed).
BEFORE_RECEIPT: frozenset[CustodyState] = frozenset({
    S.submitted, S.head_disposed, S.assigned, S.space_reserved, S.waitlisted,
})
# A return may be asked for whenever the server is here and no return is under way: a server
# stuck in access_failed or configured is taken back as surely as an active one.
RETURNABLE: frozenset[CustodyState] = IN_CUSTODY - {S.return_requested, S.return_approved}

# States in which somebody at the office owes the next step within the service time. The others
# wait on the unit (space_reserved: the hold), on space (waitlisted), or nobody (active, ends).
TIMED: frozenset[CustodyState] = frozenset({
    S.submitted, S.head_disposed, S.assigned, S.received, S.inspected, S.handed_over, S.placed,
    S.configured, S.access_failed, S.return_requested, S.return_approved,
})

# SOP 002 Konfigurasi 6: the officer fills in the monthly inventory form (1 hari). The machine
# collects; what the office owes is the review and the signature, due a working day after the run
# completed.
INVENTORY_SIGNING_TIME: SopTime = days(1)

INSPECTION_CHECKLIST = ("physical", "serial_matches", "rails", "psu", "accessories")
RESERVATION_HOLD = timedelta(days=14)

_officer, _unit = frozenset({Role.officer}), frozenset({Role.unit_contact})
_system = frozenset({SYSTEM})

# Freeing a slot is always followed by promote_waitlist: the oldest waiting request that fits
# gets it (the service takes ``promote`` for it).
_FREE = ("free_slot", "promote_waitlist")

TRANSITIONS = (
    # The server is declared afresh, or named (by id) when it was here before: see services.custody.
    Transition("submit", frozenset({None}), _unit, S.submitted, required=("letter_number", "letter_date")),
    # The head's disposition may carry an instruction (note), but one click is enough.
    Transition("head_dispose", frozenset({S.submitted}), frozenset({Role.head}), S.head_disposed),
    # Either disposition may refuse the letter, with a reason the unit is told.
    Transition("refuse", frozenset({S.submitted}), frozenset({Role.head}), S.refused, required=("reason",),
               effects=("notify:refused",)),
    Transition("refuse", frozenset({S.head_disposed}), frozenset({Role.division_head}), S.refused,
               required=("reason",), effects=("notify:refused",)),
    Transition("withdraw", BEFORE_RECEIPT, _unit, S.withdrawn, required=("reason",),
               effects=(*_FREE, "notify:withdrawn")),
    Transition("division_dispose", frozenset({S.head_disposed}), frozenset({Role.division_head}),
               S.assigned, required=("officer",), effects=("assign_officer",)),
    # rack_id/u_bottom are optional: without them the service picks the best free slot.
    Transition("reserve_space", frozenset({S.assigned}), _officer, S.space_reserved,
               effects=("reserve_slot", "notify:space_ready")),
    Transition("waitlist", frozenset({S.assigned}), _officer, S.waitlisted,
               effects=("enqueue_waitlist", "notify:room_full")),
    Transition("promote", frozenset({S.waitlisted}), _system, S.space_reserved, manual=False,
               effects=("reserve_slot", "notify:space_ready")),
    Transition("lapse", frozenset({S.space_reserved}), _system, S.lapsed, manual=False,
               effects=(*_FREE, "notify:lapsed")),
    Transition("receive", frozenset({S.space_reserved}), _officer, S.received, effects=("resume_monitoring",)),
    Transition("inspect", frozenset({S.received}), _officer,
               Outcome("passed", S.inspected, S.rejected,
                       effects_if_false=(*_FREE, "notify:rejected")),
               required=("passed", "checklist")),
    Transition("sign_handover", frozenset({S.inspected}), frozenset({Role.officer, Role.unit_contact}),
               S.handed_over, required=("name", "nip", "position"),
               effects=("issue_handover_form",), quorum=frozenset({Role.officer, Role.unit_contact})),
    Transition("place", frozenset({S.handed_over}), _officer, S.placed, effects=("occupy_slot",)),
    Transition("configure", frozenset({S.placed, S.access_failed}), _officer, S.configured,
               required=("management_ip", "access_checks"),
               effects=("run_access_checks", "notify:configured")),
    Transition("confirm_access", frozenset({S.configured}), _unit,
               Outcome("ok", S.active, S.access_failed, effects_if_false=("notify:access_failed",))),
    Transition("request_return", RETURNABLE, _unit, S.return_requested,
               required=("reason", "letter_number")),
    Transition("approve_return", frozenset({S.return_requested}), frozenset({Role.division_head}),
               S.return_approved, effects=("notify:return_approved",)),
    # The return form carries both sides' signatures, collected on paper at the rack.
    Transition("release", frozenset({S.return_approved}), _officer, S.returned,
               required=("signatures",),
               effects=("issue_return_form", *_FREE, "retire_monitoring", "notify:returned")),
)

CUSTODY = Workflow("custody", tuple(CustodyState), TRANSITIONS, initial=S.submitted)


def reservation_lapsed(reserved_at: datetime, now: datetime, hold: timedelta = RESERVATION_HOLD) -> bool:
    """Calendar time, not working time: the hold is a promise to the unit, counted in days."""
    return now - reserved_at > hold

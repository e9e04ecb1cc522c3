"""The asset lifecycle around custody (SOPs 000 and 001) as tables for the same engine.

Three procedures, each one ``Workflow`` of plain rows, exactly like custody:
- maintenance and repair (*perbaikan dan pemeliharaan*, SOP 001): analysis, the section head's
  nota dinas to the division head, the division head's approval, an assignment letter, the work
  (downtime, parts), the report;
- transfer between units of the same local government (*alih status penggunaan*): the division
  head's and the head's approval, then the record (the server's unit changes);
- disposal (SOPs 000 and 001): deletion from the register (*penghapusan*), destruction
  (*pemusnahan*) or *pemindahtanganan*, the transfer out of the local government (sale, exchange,
  grant, capital participation: a different act from moving between units, which is alih status);
  review, the head's approval and, for destruction and pemindahtanganan, the regent's approval,
  data backup and wipe, handover.

Where a step depends on a fact of the case rather than on the actor's choice (does this disposal
destroy the server, so the regent must approve?), the row is an ``Outcome`` and the service puts
that fact into the move's data: the branch is still visible in the table, not hidden in code.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from controller.domain.choices import Label, Role
from controller.domain.service_time import WorkCalendar, add_working_span
from controller.domain.sop_steps import SopTime, days, minutes
from controller.domain.workflow import Outcome, Transition, Workflow

_officer = frozenset({Role.officer})
_division = frozenset({Role.division_head})
_section = frozenset({Role.section_head})
_head = frozenset({Role.head})
_unit_or_officer = frozenset({Role.officer, Role.unit_contact})
_assigners = frozenset({Role.section_head, Role.division_head, Role.head})
_reviewers = frozenset({Role.officer, Role.section_head, Role.property_manager})


# --- maintenance and repair ------------------------------------------------------------------

class MaintenanceState(StrEnum):
    requested = "requested"
    memo_sent = "memo_sent"
    approved = "approved"
    assigned = "assigned"
    worked = "worked"
    closed = "closed"
    rejected = "rejected"


M = MaintenanceState
MAINTENANCE_LABELS: dict[MaintenanceState, Label] = {
    M.requested: Label("Telaahan diajukan", "Analysis submitted", "grey"),
    M.memo_sent: Label("Nota dinas ke Kabid", "Memo sent to the division head", "cyan"),
    M.approved: Label("Disetujui Kabid", "Approved by division head", "indigo"),
    M.assigned: Label("Surat penugasan terbit", "Assignment letter issued", "blue"),
    M.worked: Label("Pekerjaan selesai", "Work done", "teal"),
    M.closed: Label("Selesai, laporan diterima", "Closed with report", "green"),
    M.rejected: Label("Ditolak", "Rejected", "red"),
}

MAINTENANCE = Workflow("maintenance", tuple(MaintenanceState), (
    # Step 1: the asset manager's analysis (telaahan) opens the case.
    Transition("request", frozenset({None}), _officer, M.requested, required=("kind", "analysis")),
    # Step 2: the Kasi's nota dinas on the plan, citing the analysis, to the Kabid (services.case_letters).
    Transition("issue_memo", frozenset({M.requested}), _section, M.memo_sent, required=("memo_number",),
               effects=("issue_nota_dinas",)),
    # Step 3: the Kabid decides on the nota dinas.
    Transition("approve", frozenset({M.memo_sent}), _division, M.approved),
    Transition("reject", frozenset({M.memo_sent}), _division, M.rejected, required=("reason",)),
    # Step 4: the assignment letter (surat penugasan): the Kasi's in SOP 001; the division head or
    # the head may sign it in their stead.
    Transition("assign", frozenset({M.approved}), _assigners, M.assigned,
               required=("letter_number", "officer"), effects=("assign_officer",)),
    Transition("record_work", frozenset({M.assigned}), _officer, M.worked,
               required=("work_done", "downtime_start", "downtime_end"), effects=("record_parts",)),
    Transition("report", frozenset({M.worked}), _officer, M.closed, required=("report",),
               effects=("set_condition",)),
), initial=M.requested)


# --- transfer to another unit ----------------------------------------------------------------

class TransferState(StrEnum):
    requested = "requested"
    division_approved = "division_approved"
    head_approved = "head_approved"
    transferred = "transferred"
    rejected = "rejected"


T = TransferState
TRANSFER_LABELS: dict[TransferState, Label] = {
    T.requested: Label("Alih status penggunaan diajukan", "Transfer requested", "grey"),
    T.division_approved: Label("Disetujui Kabid", "Approved by division head", "indigo"),
    T.head_approved: Label("Disahkan Kepala Dinas", "Approved by head", "purple"),
    T.transferred: Label("Sudah dialihkan", "Transferred", "green"),
    T.rejected: Label("Ditolak", "Rejected", "red"),
}

TRANSFER = Workflow("transfer", tuple(TransferState), (
    Transition("request", frozenset({None}), _unit_or_officer, T.requested, required=("to_unit", "reason")),
    Transition("approve", frozenset({T.requested}), _division, T.division_approved),
    Transition("reject", frozenset({T.requested}), _division, T.rejected, required=("reason",)),
    Transition("approve", frozenset({T.division_approved}), _head, T.head_approved),
    Transition("reject", frozenset({T.division_approved}), _head, T.rejected, required=("reason",)),
    # Berita acara alih status penggunaan: the record is issued and the server changes hands.
    Transition("record_transfer", frozenset({T.head_approved}), _officer, T.transferred,
               required=("record_number",), effects=("change_unit", "issue_transfer_record")),
), initial=T.requested)


# --- disposal: deletion from the register, or destruction ------------------------------------

class DisposalMethod(StrEnum):
    deletion = "penghapusan"      # leaves the register (lost, no longer usable)
    destruction = "pemusnahan"    # destroyed: the regent decides (SOP 000, Pemusnahan Aset TIK)
    # Out of the local government: sold, exchanged, granted or put in as capital; the regent decides.
    alienation = "pemindahtanganan"


DISPOSAL_METHOD_LABELS: dict[DisposalMethod, Label] = {
    DisposalMethod.deletion: Label("Penghapusan", "Deletion from the register", "orange"),
    DisposalMethod.destruction: Label("Pemusnahan", "Destruction", "red"),
    DisposalMethod.alienation: Label("Pemindahtanganan (penjualan, tukar-menukar, hibah, penyertaan modal)",
                                     "Transfer out of the local government (sale, exchange, grant, capital)",
                                     "orange"),
}
# Methods only the regent may approve (SOP 000 Pemusnahan 5-6; PP 27/2014 for pemindahtanganan).
REGENT_DECIDES = frozenset({DisposalMethod.destruction, DisposalMethod.alienation})


class DisposalState(StrEnum):
    requested = "requested"
    reviewed = "reviewed"
    awaiting_regent = "awaiting_regent"
    approved = "approved"
    wiped = "wiped"
    handed_over = "handed_over"
    disposed = "disposed"
    rejected = "rejected"


D = DisposalState
DISPOSAL_LABELS: dict[DisposalState, Label] = {
    D.requested: Label("Permohonan diajukan", "Requested", "grey"),
    D.reviewed: Label("Sudah ditelaah", "Reviewed", "indigo"),
    D.awaiting_regent: Label("Menunggu persetujuan Bupati", "Awaiting the regent's approval", "purple"),
    D.approved: Label("Disetujui", "Approved", "purple"),
    D.wiped: Label("Data dicadangkan dan dihapus", "Data backed up and wiped", "teal"),
    D.handed_over: Label("Diserahkan ke Pengelola Barang", "Handed over to the property manager", "orange"),
    D.disposed: Label("Dihapus dari daftar", "Disposed", "lightgrey"),
    D.rejected: Label("Ditolak", "Rejected", "red"),
}

# The service sets this field from the case's method; the actor never sends it.
NEEDS_REGENT = "needs_regent"

DISPOSAL = Workflow("disposal", tuple(DisposalState), (
    Transition("request", frozenset({None}), _unit_or_officer, D.requested, required=("method", "reason")),
    # Review of the requirements: eligible goes on, not eligible ends the case. SOP 001 gives it to
    # the Kasi (Penghapusan 2), SOP 000 to the property manager (Pemusnahan 3); an officer may do it.
    # Either way its telaahan is issued (SOP 001's "Dokumen Telaahan Penghapusan Aset").
    Transition("review", frozenset({D.requested}), _reviewers,
               Outcome("eligible", D.reviewed, D.rejected), required=("findings",), effects=("issue_review",)),
    Transition("approve", frozenset({D.reviewed}), _head,
               Outcome(NEEDS_REGENT, D.awaiting_regent, D.approved)),
    Transition("reject", frozenset({D.reviewed, D.awaiting_regent}), _head, D.rejected, required=("reason",)),
    # The regent's decree is recorded by the head's office, acting for the regent.
    Transition("record_regent_approval", frozenset({D.awaiting_regent}), _head, D.approved,
               required=("approver_name", "decree_number")),
    Transition("record_wipe", frozenset({D.approved}), _officer, D.wiped,
               required=("backup", "method", "wiped_by", "wiped_at"), effects=("record_wipe_report",)),
    # The server physically leaves the room here: its rack space is freed.
    Transition("hand_over", frozenset({D.wiped}), _officer, D.handed_over,
               required=("recipient_name", "record_number"), effects=("release_slot", "issue_disposal_record")),
    Transition("dispose", frozenset({D.handed_over}), _officer, D.disposed, effects=("mark_disposed",)),
), initial=D.requested)


FLOWS: dict[str, Workflow] = {"maintenance": MAINTENANCE, "transfer": TRANSFER, "disposal": DISPOSAL}
LABELS: dict[str, dict] = {"maintenance": MAINTENANCE_LABELS, "transfer": TRANSFER_LABELS,
                           "disposal": DISPOSAL_LABELS}
KIND_LABELS: dict[str, Label] = {
    "maintenance": Label("Perbaikan/Pemeliharaan", "Maintenance and repair", "blue"),
    "transfer": Label("Alih status penggunaan", "Transfer between units", "purple"),
    "disposal": Label("Penghapusan/Pemusnahan", "Disposal", "red"),
}


def is_open(kind: str, state: str) -> bool:
    """A case is open until its flow has nowhere left to go."""
    return state not in FLOWS[kind].terminal_states


# --- service times ---------------------------------------------------------------------------
# How long each open state may last before its next step is overdue, read from the SOPs' *Mutu
# Baku: Waktu* column. A state waits for the SOP steps between the move that entered it and the move
# that leaves it; their times add up, minutes as minutes of office hours and days as whole working
# days (``SopTime``), so "30 menit + 30 menit" is due an hour of office time later, not two days.
# A step with no time written counts as 1 working day, the office's general service time (SOP 002).
# The step that opens a case (the analysis, the plan, the request letter) is done before the case
# exists and is not counted. Terminal states have no entry: nobody owes anything there.

MAINTENANCE_TIMES: dict[MaintenanceState, SopTime] = {
    M.requested: minutes(30),   # SOP 001 Perbaikan dan Pemeliharaan, step 2: the Kasi's nota dinas
    M.memo_sent: minutes(30),   # step 3: the Kabid's approval
    M.approved: days(1),    # step 4: the assignment letter (surat penugasan)
    M.assigned: days(3),    # step 5: the repair or maintenance work
    M.worked: days(1),      # step 6: the activity report
}

TRANSFER_TIMES: dict[TransferState, SopTime] = {
    T.requested: days(1),             # SOP 001 Pemindahtanganan, step 2: Kabid's approval (no time written)
    T.division_approved: minutes(10),  # step 3: Kadis's approval and ratification
    # Steps 4 (coordination and assignment) and 5 (the transfer and its berita acara).
    T.head_approved: minutes(10) + days(3),
}

# Disposal follows one of two SOPs, by the case's method.
DISPOSAL_TIMES: dict[str, dict[str, SopTime]] = {  # DisposalMethod -> DisposalState -> time
    DisposalMethod.destruction: {
        # SOP 000 Pemusnahan Aset TIK, steps 2 (Pejabat Penatausahaan's review, 5 hari) and 3 (the
        # property manager's examination, 2 hari); step 1 (the request letter, 3 hari) opens the case.
        D.requested: days(5) + days(2),
        D.reviewed: days(2),          # step 4: the assessment goes to the regent
        # The regent (outside the office): steps 5 (decides), 6 (issues the approval letter) and 7
        # (the property manager receives it and passes it on), 2 hari each.
        D.awaiting_regent: days(2) + days(2) + days(2),
        D.approved: days(2),          # step 8: back-up and format of the data
        D.wiped: days(2),             # step 9: handing the server to the property manager
        # Not in SOP 000; SOP 001 Penghapusan step 6: reporting the disposal.
        D.handed_over: days(1),
    },
    DisposalMethod.deletion: {
        D.requested: minutes(30),     # SOP 001 Penghapusan Aset, step 2: Kasi checks the requirements
        D.reviewed: minutes(30),      # step 3: the approval
        D.approved: days(1) + days(3),  # steps 4 (the assignment letter) and 5 (the deletion itself)
        D.wiped: days(2),             # SOP 001 has no separate handover; SOP 000 step 9 (handover)
        D.handed_over: days(1),       # step 6: reporting the deletion
    },
}
# Pemindahtanganan has no SOP of its own here: the office's steps take deletion's times (SOP 001
# Penghapusan), the regent's decision destruction's (SOP 000 Pemusnahan 5-7).
DISPOSAL_TIMES[DisposalMethod.alienation] = {
    **DISPOSAL_TIMES[DisposalMethod.deletion],
    D.awaiting_regent: DISPOSAL_TIMES[DisposalMethod.destruction][D.awaiting_regent],
}

SERVICE_TIMES: dict[str, dict] = {"maintenance": MAINTENANCE_TIMES, "transfer": TRANSFER_TIMES}


def service_time(kind: str, state: str, method: str | None = None) -> SopTime | None:
    """How long the case may stay in ``state``; None where no step is owed (closed cases)."""
    if kind == "disposal":
        if method is None:
            return None
        return DISPOSAL_TIMES.get(method, {}).get(state)   # str keys: DisposalMethod is a StrEnum
    return SERVICE_TIMES[kind].get(state)


def due_at(kind: str, state: str, method: str | None, since: datetime, calendar: WorkCalendar) -> datetime | None:
    """When a case that entered ``state`` at ``since`` is due, counted in office time."""
    time = service_time(kind, state, method)
    return add_working_span(since, time.span(calendar.day_length), calendar) if time else None


def timed_states(kind: str) -> tuple[str, ...]:
    """The states of ``kind`` that have a service time under any method, in the flow's order."""
    tables = DISPOSAL_TIMES.values() if kind == "disposal" else (SERVICE_TIMES[kind],)
    return tuple(str(s) for s in FLOWS[kind].states if any(s in t for t in tables))

"""Needs planning and procurement (SOP 000 *Perencanaan Kebutuhan Aset TIK*, SOP 001 *Perencanaan
Kebutuhan dan Penganggaran*) as tables for the workflow engine.

The two SOPs describe one path seen from two sides: a unit (or a section of the office) submits
its needs for next year's budget, the head dispositions the letter, the division head reviews it,
an officer assesses each item, the head decides per item (approve, revise, reject), the approved
items go into the regional plan (RKPD) and on to the finance office (Bakeuda/BPKAD, via SIMBADA).
Procurement is then recorded against one approved item, and what arrives enters the register.

The head's decision is three rows, not one row with a hidden three-way branch: ``approve`` (every
item approved or rejected, at least one approved), ``return_for_revision`` (at least one item to
revise; approved items stay approved) and ``reject`` (the whole plan).
"""

from __future__ import annotations

from enum import StrEnum

from controller.domain.choices import Label, Role
from controller.domain.sop_steps import SopStep, SopTime, days, minutes
from controller.domain.workflow import Outcome, Transition, Workflow

# The proposer: a unit (its contact person), or a section of the office itself (its Kepala Seksi,
# SOP 001; an officer may file it for them).
_unit_side = frozenset({Role.unit_contact, Role.section_head, Role.officer})
_officer = frozenset({Role.officer})
# SOP 001 Perencanaan step 5 gives the procurement and its report to the Pelaksana under the Kasi.
_procurer = frozenset({Role.officer, Role.section_head})
_division = frozenset({Role.division_head})
_head = frozenset({Role.head})


class ItemKind(StrEnum):
    """What a needs item is for: the register's asset kinds (``domain.asset_kinds``)."""

    server = "server"
    network_device = "network_device"
    ups_pdu = "ups_pdu"
    end_user_device = "end_user_device"
    software_licence = "software_licence"
    other = "other"


ITEM_KIND_LABELS: dict[ItemKind, Label] = {
    ItemKind.server: Label("Server", "Server", "blue"),
    ItemKind.network_device: Label("Perangkat jaringan", "Network device", "indigo"),
    ItemKind.ups_pdu: Label("UPS / PDU", "UPS / PDU", "orange"),
    ItemKind.end_user_device: Label("PC / laptop / printer", "End-user device", "teal"),
    ItemKind.software_licence: Label("Lisensi perangkat lunak", "Software licence", "purple"),
    ItemKind.other: Label("Lainnya", "Other", "grey"),
}


class Decision(StrEnum):
    approved = "approved"
    revise = "revise"
    rejected = "rejected"


DECISION_LABELS: dict[Decision, Label] = {
    Decision.approved: Label("Disetujui", "Approved", "green"),
    Decision.revise: Label("Perlu perbaikan", "To revise", "orange"),
    Decision.rejected: Label("Ditolak", "Rejected", "red"),
}


# --- needs plan ------------------------------------------------------------------------------

class NeedsState(StrEnum):
    submitted = "submitted"
    dispositioned = "dispositioned"
    reviewed = "reviewed"
    assessed = "assessed"
    revision = "revision"
    approved = "approved"
    in_rkpd = "in_rkpd"
    sent = "sent"
    rejected = "rejected"


N = NeedsState
NEEDS_LABELS: dict[NeedsState, Label] = {
    N.submitted: Label("Usulan diajukan", "Submitted", "grey"),
    N.dispositioned: Label("Didisposisi Kepala Dinas", "Dispositioned by the head", "purple"),
    N.reviewed: Label("Ditelaah Kabid", "Reviewed by the division head", "indigo"),
    N.assessed: Label("Dinilai pejabat fungsional", "Assessed by the officer", "blue"),
    N.revision: Label("Dikembalikan untuk perbaikan", "Returned for revision", "orange"),
    N.approved: Label("Disetujui Kepala Dinas", "Approved by the head", "teal"),
    N.in_rkpd: Label("Masuk RKPD", "In the regional plan (RKPD)", "cyan"),
    N.sent: Label("Dikirim ke Bakeuda (SIMBADA)", "Sent to the finance office", "green"),
    N.rejected: Label("Ditolak", "Rejected", "red"),
}

NEEDS = Workflow("needs_plan", tuple(NeedsState), (
    # SOP 000 step 1 / SOP 001 step 1: the covering letter and the list of needs open the case.
    Transition("submit", frozenset({None}), _unit_side, N.submitted,
               required=("budget_year", "letter_number", "items")),
    Transition("disposition", frozenset({N.submitted}), _head, N.dispositioned),
    # SOP 000 step 2: the division head studies the needs and their urgency; an incomplete
    # plan goes back to the unit instead of on to the officer.
    Transition("review", frozenset({N.dispositioned}), _division,
               Outcome("forward", N.reviewed, N.revision), required=("findings",)),
    # SOP 000 step 3: the officer assesses every item (needed now, or deferred).
    Transition("assess", frozenset({N.reviewed}), _officer, N.assessed, required=("items",)),
    # SOP 000 step 3 (the head signs) / SOP 001 step 3 (Kadis's approval): per item.
    Transition("approve", frozenset({N.assessed}), _head, N.approved,
               required=("decision_number", "items"), effects=("decide_items",)),
    Transition("return_for_revision", frozenset({N.assessed}), _head, N.revision,
               required=("items",), effects=("decide_items",)),
    Transition("reject", frozenset({N.assessed}), _head, N.rejected, required=("reason",),
               effects=("reject_items",)),
    # SOP 001 step 4: "if not, it goes back to the section that proposed it": the unit revises
    # the items marked for revision and the division head reviews again.
    Transition("resubmit", frozenset({N.revision}), _unit_side, N.dispositioned, required=("items",),
               effects=("revise_items",)),
    # SOP 000 step 4: the unit puts the approved needs into its programme in the RKPD.
    Transition("record_rkpd", frozenset({N.approved}), _unit_side, N.in_rkpd, required=("rkpd_reference",)),
    # SOP 000 step 5: after the RKPD is adopted, the plan goes to Bakeuda through SIMBADA.
    Transition("send_to_finance", frozenset({N.in_rkpd}), _unit_side, N.sent,
               required=("letter_number", "simbada_reference")),
), initial=N.submitted)

# The step each move carries out (shown beside the move, printed in the history).
NEEDS_STEPS: dict[str, SopStep] = {
    "submit": SopStep("SOP 000 Perencanaan 1; SOP 001 Perencanaan 1", "OPD / Kepala Seksi",
                      "Surat pengantar dan daftar rencana kebutuhan barang TIK", days(1)),
    "disposition": SopStep("SOP 000 Perencanaan 1", "Kepala Dinas",
                           "Surat yang telah didisposisi Kepala Dinas", minutes(10)),
    "review": SopStep("SOP 000 Perencanaan 2; SOP 001 Perencanaan 2", "Kabid Aptika",
                      "Surat permohonan yang telah ditelaah Kabid Aptika", minutes(10)),
    "assess": SopStep("SOP 000 Perencanaan 3", "Pejabat Fungsional",
                      "Hasil evaluasi usulan rencana barang TIK", minutes(15)),
    "approve": SopStep("SOP 000 Perencanaan 3; SOP 001 Perencanaan 3", "Kepala Dinas",
                       "Rencana kebutuhan yang disetujui Kabid dan Kadis", minutes(10)),
    "return_for_revision": SopStep("SOP 001 Perencanaan 4", "Kepala Dinas",
                                   "Rencana kebutuhan dikembalikan ke pengusul", minutes(10)),
    "reject": SopStep("SOP 000 Perencanaan 3", "Kepala Dinas", "Usulan ditunda / ditolak", minutes(10)),
    "resubmit": SopStep("SOP 001 Perencanaan 1 and 4", "OPD / Kepala Seksi", "Rencana kebutuhan (perbaikan)",
                        days(1)),
    "record_rkpd": SopStep("SOP 000 Perencanaan 4", "Perangkat Daerah, Kepala Dinas",
                           "Usulan kebutuhan barang milik daerah untuk barang TIK", minutes(30),
                           outside="Bupati (Perbup RKPD)"),
    # The unit's own step (its letter to Bakeuda); the office may record it for the unit.
    "send_to_finance": SopStep("SOP 000 Perencanaan 5", "Perangkat Daerah, ke Bakeuda (SIMBADA)",
                               "Rencana kebutuhan BMD di SIMBADA", minutes(30)),
}

# Working time a plan may wait in a state: the time of the SOP step that leaves it.
NEEDS_DUE: dict[NeedsState, SopTime] = {
    N.submitted: minutes(10),      # the head's disposition
    N.dispositioned: minutes(10),  # the division head's review
    N.reviewed: minutes(15),       # the officer's assessment
    N.assessed: minutes(10),       # the head's decision
    N.revision: days(1),           # the unit reworks its plan (SOP 001 step 1: 1 hari)
    N.approved: minutes(30),       # into the RKPD
    # in_rkpd has none: step 5 starts "after the RKPD is adopted", which the regional government
    # does on its own calendar; the 30 minutes of step 5 would make every plan overdue for months.
}


# --- procurement -------------------------------------------------------------------------------

class ProcurementState(StrEnum):
    ordered = "ordered"
    received = "received"
    reported = "reported"
    cancelled = "cancelled"


P = ProcurementState
PROCUREMENT_LABELS: dict[ProcurementState, Label] = {
    P.ordered: Label("Dalam pengadaan", "Ordered", "blue"),
    P.received: Label("Barang diterima", "Received", "teal"),
    P.reported: Label("Laporan kegiatan selesai", "Reported", "green"),
    P.cancelled: Label("Dibatalkan", "Cancelled", "red"),
}

PROCUREMENT = Workflow("procurement", tuple(ProcurementState), (
    # SOP 001 Perencanaan step 5: the procurement, against one approved item of a plan.
    Transition("start", frozenset({None}), _procurer, P.ordered,
               required=("item_id", "method", "vendor", "contract_number", "contract_value", "quantity")),
    # The goods arrive: each one enters the register (its kind, serial, value and date).
    Transition("receive", frozenset({P.ordered}), _procurer, P.received,
               required=("received_on", "receipt_number", "assets"), effects=("create_assets",)),
    # SOP 001 Perencanaan steps 5-6: the activity report.
    Transition("report", frozenset({P.received}), _procurer, P.reported, required=("report",),
               effects=("issue_report",)),
    Transition("cancel", frozenset({P.ordered}), _head, P.cancelled, required=("reason",)),
), initial=P.ordered)

PROCUREMENT_STEPS: dict[str, SopStep] = {
    "start": SopStep("SOP 001 Perencanaan 5", "Kepala Seksi / Pelaksana", "Kontrak / surat pesanan"),
    "receive": SopStep("SOP 001 Perencanaan 5", "Kepala Seksi / Pelaksana",
                       "Berita acara serah terima dari penyedia; aset tercatat di daftar"),
    "report": SopStep("SOP 001 Perencanaan 5-6", "Kepala Seksi", "Laporan kegiatan pengadaan", minutes(20)),
    "cancel": SopStep("-", "Kepala Dinas", "Pembatalan pengadaan"),
}

PROCUREMENT_DUE: dict[ProcurementState, SopTime] = {
    # ordered has none: delivery follows the contract, not the SOP's "10 menit" for step 5.
    P.received: minutes(20),   # steps 5 and 6: the report and its submission, 10 minutes each
}

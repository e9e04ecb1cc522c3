"""Issuing assets to their user (SOP 001 *Penggunaan dan Pemanfaatan Aset Sistem Elektronik*;
SOP 000 *Penggunaan Aset TIK* step 2, *penyaluran* with a *berita acara pemegang aset*).

1. The office hands the assets (one or a batch, on one BAST) to the user: 10 minutes. The BAST is
   drawn up when the case opens and signed in Titip by both sides: the issuer (PIHAK PERTAMA, the
   Kepala Seksi or the Pengelola Barang) and the receiving unit's contact person (PIHAK KEDUA), in
   either order. Only when both have signed are the assets the user's, and the signed BAST issued.
2. The user installs and configures them and reports (*laporan instalasi dan konfigurasi*): 3 days.
3. The office receives the report: 10 minutes.

Each side's signature is its own row and its own half-signed state, rather than a ``quorum`` move
like custody's ``sign_handover``: the engine's quorum counts roles, and the issuing side is either
of two roles (Kepala Seksi or Pengelola Barang), only one of whom signs. With a state per half the
table itself refuses a second signature from the same side (409, naming the moves left) and
another role signing for a side (403, naming the roles that may).
"""

from __future__ import annotations

from enum import StrEnum

from controller.domain.choices import Label, Role
from controller.domain.sop_steps import SopStep, SopTime, days, minutes
from controller.domain.workflow import Transition, Workflow


class IssueState(StrEnum):
    issued = "issued"                      # BAST drawn up, nobody has signed yet
    giver_signed = "giver_signed"          # the office signed; the user's signature is awaited
    recipient_signed = "recipient_signed"  # the user signed; the office's signature is awaited
    signed = "signed"                      # both signed: the assets are the user's
    installed = "installed"
    closed = "closed"


I = IssueState  # noqa: E741 - one letter, as the other tables' aliases
ISSUE_LABELS: dict[IssueState, Label] = {
    I.issued: Label("BAST dibuat, menunggu tanda tangan", "BAST drawn up, awaiting signatures", "grey"),
    I.giver_signed: Label("Ditandatangani PIHAK PERTAMA, menunggu penerima", "Signed by the office, awaiting the user",
                          "indigo"),
    I.recipient_signed: Label("Ditandatangani penerima, menunggu PIHAK PERTAMA",
                              "Signed by the user, awaiting the office", "indigo"),
    I.signed: Label("Diserahkan ke pengguna (BAST ditandatangani)", "Issued to the user (BAST signed)", "blue"),
    I.installed: Label("Instalasi dilaporkan", "Installation reported", "teal"),
    I.closed: Label("Laporan diterima", "Report received", "green"),
}

# SOP 001 gives the handover and the receipt of the report to the Kepala Seksi; SOP 000 (Penggunaan 2)
# gives the distribution to the units, with its berita acara, to the Pengelola Barang.
ISSUERS = frozenset({Role.section_head, Role.property_manager})
_user = frozenset({Role.unit_contact})
_SIGN = ("name", "nip", "position")
_HANDED = ("hand_to_user", "issue_bast")    # when the second signature arrives

# A case covers one or more register assets (``server_ids``; ``server_id`` names a single one):
# the service checks that one of them is given, as the engine checks plain fields.
ISSUE = Workflow("asset_issue", tuple(IssueState), (
    Transition("issue", frozenset({None}), ISSUERS, I.issued,
               required=("to_unit", "recipient_name")),   # bast_number: the register's unless given
    Transition("sign_as_giver", frozenset({I.issued}), ISSUERS, I.giver_signed, required=_SIGN),
    Transition("sign_as_giver", frozenset({I.recipient_signed}), ISSUERS, I.signed, required=_SIGN, effects=_HANDED),
    Transition("sign_as_recipient", frozenset({I.issued}), _user, I.recipient_signed, required=_SIGN),
    Transition("sign_as_recipient", frozenset({I.giver_signed}), _user, I.signed, required=_SIGN, effects=_HANDED),
    Transition("report_installation", frozenset({I.signed}), _user, I.installed,
               required=("installed_on", "report"), effects=("store_installation_report",)),
    Transition("acknowledge", frozenset({I.installed}), frozenset({Role.section_head}), I.closed),
), initial=I.issued)

# The side each signing move signs for, as the BAST names them.
SIDES: dict[str, str] = {"sign_as_giver": "giver", "sign_as_recipient": "recipient"}

_HANDOVER = "SOP 001 Penggunaan 1; SOP 000 Penggunaan 2"
ISSUE_STEPS: dict[str, SopStep] = {
    "issue": SopStep(_HANDOVER, "Kepala Seksi / Pengelola Barang", "Berita Acara Serah Terima Barang (draf)"),
    "sign_as_giver": SopStep(_HANDOVER, "Kepala Seksi / Pengelola Barang",
                             "BAST ditandatangani PIHAK PERTAMA", minutes(10)),
    "sign_as_recipient": SopStep(_HANDOVER, "Pengguna Aset", "BAST ditandatangani PIHAK KEDUA", minutes(10)),
    "report_installation": SopStep("SOP 001 Penggunaan 2", "Pengguna Aset",
                                   "Laporan Instalasi dan Konfigurasi Aset Sistem Elektronik", days(3)),
    "acknowledge": SopStep("SOP 001 Penggunaan 3", "Kepala Seksi", "Laporan diterima", minutes(10)),
}

# The SOP's 10 minutes of the handover are each signature's: a case waits for the next one from
# when it entered its state (as every due time here counts from ``state_since``).
ISSUE_DUE: dict[IssueState, SopTime] = {
    I.issued: minutes(10),            # both sides sign the BAST
    I.giver_signed: minutes(10),      # the user signs
    I.recipient_signed: minutes(10),  # the office signs
    I.signed: days(3),                # the user's installation and its report
    I.installed: minutes(10),         # the office receives the report
}

"""Issuing an asset to its user (SOP 001 *Penggunaan dan Pemanfaatan Aset Sistem Elektronik*;
SOP 000 *Penggunaan Aset TIK* step 2, *penyaluran* with a *berita acara pemegang aset*).

1. The office hands the asset to the user with a handover record (BAST): 10 minutes.
2. The user installs and configures it and reports (*laporan instalasi dan konfigurasi*): 3 days;
   from then on the asset is the user's responsibility.
3. The office receives the report: 10 minutes.
"""

from __future__ import annotations

from enum import StrEnum

from controller.domain.choices import Label, Role
from controller.domain.sop_steps import SopStep, SopTime, days, minutes
from controller.domain.workflow import Transition, Workflow


class IssueState(StrEnum):
    issued = "issued"
    installed = "installed"
    closed = "closed"


I = IssueState  # noqa: E741 - one letter, as the other tables' aliases
ISSUE_LABELS: dict[IssueState, Label] = {
    I.issued: Label("Diserahkan ke pengguna (BAST)", "Issued to the user (BAST)", "blue"),
    I.installed: Label("Instalasi dilaporkan", "Installation reported", "teal"),
    I.closed: Label("Laporan diterima", "Report received", "green"),
}

# SOP 001 gives the handover and the receipt of the report to the Kepala Seksi; SOP 000 (Penggunaan 2)
# gives the distribution to the units, with its berita acara, to the Pengelola Barang.
_issuers = frozenset({Role.section_head, Role.property_manager})

ISSUE = Workflow("asset_issue", tuple(IssueState), (
    Transition("issue", frozenset({None}), _issuers, I.issued,
               required=("server_id", "to_unit", "recipient_name", "bast_number"),
               effects=("hand_to_user", "issue_bast")),
    Transition("report_installation", frozenset({I.issued}), frozenset({Role.unit_contact}), I.installed,
               required=("installed_on", "report"), effects=("store_installation_report",)),
    Transition("acknowledge", frozenset({I.installed}), frozenset({Role.section_head}), I.closed),
), initial=I.issued)

ISSUE_STEPS: dict[str, SopStep] = {
    "issue": SopStep("SOP 001 Penggunaan 1; SOP 000 Penggunaan 2", "Kepala Seksi / Pengelola Barang",
                     "Berita Acara Serah Terima Barang", minutes(10)),
    "report_installation": SopStep("SOP 001 Penggunaan 2", "Pengguna Aset",
                                   "Laporan Instalasi dan Konfigurasi Aset Sistem Elektronik", days(3)),
    "acknowledge": SopStep("SOP 001 Penggunaan 3", "Kepala Seksi", "Laporan diterima", minutes(10)),
}

ISSUE_DUE: dict[IssueState, SopTime] = {
    I.issued: days(3),        # the user's installation and its report
    I.installed: minutes(10),  # the office receives the report
}

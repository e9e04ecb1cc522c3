"""The procurement's activity report (*Laporan Kegiatan Pengadaan Aset*, SOP 001 Perencanaan
Kebutuhan dan Penganggaran steps 5-6) as plain data and its PDF.

Like the other forms (``documents.letters``): no database, no network, no clock; the service
(``services.procurement_report``) fills it from the records. It shares the letterhead, the
numbered footer with the seal's legal note and the public check (``_letter.html``) and the
signature blocks (``_signer.html``); Indonesian only.
"""

from __future__ import annotations

from dataclasses import dataclass

from controller.documents.letters import Frame, Signer, _context
from controller.documents.pdf import html_to_pdf, render_template

TITLE = "LAPORAN KEGIATAN"
SUBTITLE = "Pengadaan Aset Sistem Elektronik"


@dataclass(frozen=True)
class AcquiredRow:
    """One asset the procurement entered in the register, with its register codes."""

    kind: str
    brand_model: str
    serial_number: str
    asset_code: str | None
    nup: str | None
    value: str | None      # the acquisition value, already written as rupiah


@dataclass(frozen=True)
class ProcurementActivity:
    """The report: the plan item it fulfils, what was bought, what entered the register."""

    opening: str
    plan: list[tuple[str, str | None]]
    purchase: list[tuple[str, str | None]]
    assets: list[AcquiredRow]
    narrative: str
    signers: list[Signer]
    acknowledger: Signer | None = None     # "Mengetahui": the Kepala Bidang
    closing: str = "Demikian laporan kegiatan ini dibuat dengan sebenarnya untuk dipergunakan sebagaimana mestinya."


def render_html(frame: Frame, report: ProcurementActivity) -> str:
    return render_template("procurement_report.html", report=report, **_context(frame, TITLE, SUBTITLE))


def render_pdf(frame: Frame, report: ProcurementActivity) -> bytes:
    return html_to_pdf(render_html(frame, report))

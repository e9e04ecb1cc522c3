"""The handover of assets to their user (*Berita Acara Serah Terima Barang*, SOP 001 Penggunaan dan
Pemanfaatan step 1) and the user's installation report (step 2), as PDF.

Plain data in, PDF bytes out, like the other forms: no database, no network, no clock. The first
party is the office (the Kepala Seksi or Pengelola Barang who hands over), the second the receiving
unit's contact person, who receives for the user and, from the signatures on, answers for the
assets. The BAST is issued once both have signed in Titip, so it prints both acts with their times;
it shares the letterhead, the numbered footer and the seal's legal note of the other forms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from controller.documents.asset_card import LifecycleRecord, render_record_pdf
from controller.documents.indonesian import condition_label, spell_number
from controller.documents.letters import Frame, Signer, _context
from controller.documents.pdf import html_to_pdf, render_template


@dataclass(frozen=True)
class IssuedItem:
    """One line of the BAST's table: a register asset."""

    kind: str
    brand_model: str
    serial_number: str
    asset_code: str | None = None   # the register's kode barang
    nup: str | None = None
    condition: str = "baik"


@dataclass(frozen=True)
class IssueBast:
    giver: Signer            # PIHAK PERTAMA: the office
    recipient: Signer        # PIHAK KEDUA: the receiving unit's contact person
    recipient_unit: str
    user_name: str           # who uses the assets (the pemegang aset)
    user_nip: str | None
    purpose: str | None
    items: list[IssuedItem] = field(default_factory=list)


def render_issue_bast_pdf(frame: Frame, bast: IssueBast) -> bytes:
    return html_to_pdf(render_template(
        "issue_bast.html", bast=bast, condition=condition_label, count_words=spell_number(len(bast.items)),
        **_context(frame, "BERITA ACARA SERAH TERIMA BARANG", "Penyerahan aset kepada pengguna")))


def render_installation_report_pdf(number: str, office_name: str, place: str, day: date,
                                   rows: list[tuple[str, str, str]], parties: list[tuple[str, str]]) -> bytes:
    """The user's installation and configuration report, on the office's record layout."""
    return render_record_pdf(LifecycleRecord(title="INSTALASI DAN KONFIGURASI ASET", number=number,
                                             title_en="Installation and configuration report", office_name=office_name,
                                             place=place, date=day, rows=rows, parties=parties))

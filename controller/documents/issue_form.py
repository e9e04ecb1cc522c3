"""The handover of an asset to its user (*Berita Acara Serah Terima Barang*, SOP 001 Penggunaan dan
Pemanfaatan step 1) and the user's installation report (step 2), as PDF.

Plain data in, PDF bytes out, like the other forms: no database, no network, no clock. The first
party is the office (the officer who hands over), the second the user who receives and, from the
signature on, answers for the asset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from controller.documents import indonesian as idn
from controller.documents.asset_card import LifecycleRecord, _pdf, render_record_pdf


@dataclass(frozen=True)
class IssuedItem:
    kind: str
    brand_model: str
    serial_number: str
    asset_code: str | None = None
    nup: str | None = None
    condition: str = "baik"


@dataclass
class IssueBast:
    number: str
    office_name: str
    place: str
    date: date
    giver_name: str          # PIHAK PERTAMA: the officer, for the office
    giver_nip: str | None
    giver_office: str
    recipient_name: str      # PIHAK KEDUA: the user
    recipient_nip: str | None
    recipient_unit: str
    purpose: str | None
    items: list[IssuedItem] = field(default_factory=list)


def render_issue_bast_pdf(bast: IssueBast) -> bytes:
    return _pdf("issue_bast.html", bast=bast, header_lines=[ln.strip() for ln in bast.office_name.splitlines()
                                                             if ln.strip()],
                date_words=idn.date_in_words(bast.date), condition=idn.condition_label)


def render_installation_report_pdf(number: str, office_name: str, place: str, day: date,
                                   rows: list[tuple[str, str, str]], parties: list[tuple[str, str]]) -> bytes:
    """The user's installation and configuration report, on the office's record layout."""
    return render_record_pdf(LifecycleRecord(title="INSTALASI DAN KONFIGURASI ASET", number=number,
                                             title_en="Installation and configuration report", office_name=office_name,
                                             place=place, date=day, rows=rows, parties=parties))

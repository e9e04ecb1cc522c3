"""The asset card (*kartu inventaris*) and the lifecycle records (transfer, disposal) as PDF.

Plain data in, PDF bytes out, like the handover form: no database, no network. The card lists
everything that happened to one server, so an auditor can read its life on one paper.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from controller.documents import indonesian as idn
from controller.documents.pdf import _fixed_font_timestamps


@dataclass(frozen=True)
class ConditionChange:
    at: datetime
    before: str
    after: str
    actor: str


@dataclass(frozen=True)
class LocationSpan:
    where: str
    status: str
    since: datetime
    until: datetime | None


@dataclass(frozen=True)
class CardEvent:
    at: datetime
    kind: str        # Penitipan, Inventarisasi, Pemeliharaan, ...
    text: str
    actor: str | None
    note: str | None = None


@dataclass
class AssetCard:
    office_name: str
    place: str
    generated: datetime
    server_id: int
    brand: str
    model: str
    serial_number: str
    hostname: str | None
    height_u: int
    unit_code: str
    unit_name: str
    condition: str
    location: str | None
    asset_code: str | None = None
    nup: str | None = None
    owner: str = "unit"
    acquired_on: date | None = None
    acquisition_value: Decimal | None = None
    disposed_at: datetime | None = None
    conditions: list[ConditionChange] = field(default_factory=list)
    locations: list[LocationSpan] = field(default_factory=list)
    events: list[CardEvent] = field(default_factory=list)
    details: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    timezone: str = "WIB"
    kind_label: str = "Server"   # the asset kind's Indonesian label: the card's title names it


@dataclass
class LifecycleRecord:
    """A berita acara of a lifecycle step: numbered, dated, with the facts as label/value rows."""

    title: str
    title_en: str
    number: str
    office_name: str
    place: str
    date: date
    rows: list[tuple[str, str, str]]   # (Indonesian label, English label, value)
    parties: list[tuple[str, str]] = field(default_factory=list)   # (role, name)


def rupiah(value: Decimal | None) -> str:
    """ "Rp 125.000.000,00": Indonesian groups thousands with dots."""
    if value is None:
        return idn.BLANK
    whole, _, cents = f"{value:,.2f}".partition(".")
    return f"Rp {whole.replace(',', '.')},{cents}"


def _when(moment: datetime | None, zone: str = "WIB") -> str:
    return idn.local_datetime(moment, zone) if moment else idn.BLANK


_env = Environment(loader=PackageLoader("controller.documents", "templates"), autoescape=True,
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_env.filters.update(blank=lambda v: idn.BLANK if v is None or str(v).strip() == "" else v,
                    short_date=idn.short_date, when=_when, rupiah=rupiah)


def _pdf(template: str, **context: Any) -> bytes:
    html = _env.get_template(template).render(**context)
    # No URL is ever fetched: every field is user input (see documents.pdf).
    document = HTML(string=html, base_url=None, url_fetcher=URLFetcher(allowed_protocols=()))
    with _fixed_font_timestamps():
        return document.write_pdf()


def _header(office_name: str) -> list[str]:
    return [ln.strip() for ln in office_name.splitlines() if ln.strip()]


def render_card_pdf(card: AssetCard) -> bytes:
    return _pdf("asset_card.html", card=card, header_lines=_header(card.office_name))


def render_record_pdf(record: LifecycleRecord) -> bytes:
    return _pdf("lifecycle_record.html", record=record, header_lines=_header(record.office_name),
                date_words=idn.date_in_words(record.date))

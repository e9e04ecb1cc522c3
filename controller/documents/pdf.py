"""Render a handover form (BAST) to HTML for the web preview and to PDF for signing.

One HTML template serves both, so what the contact person previews is what gets signed.
The PDF is reproducible: identical input gives identical bytes, because the PDF dates come
from the document itself (never the clock), the file identifier is a hash of the HTML, the
embedded font subsets get a fixed timestamp, and no external resource is ever fetched. That
lets a stored hash of a signed form be checked by rendering it again (with the same fonts and
WeasyPrint version).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from controller.documents import indonesian as idn, letterhead
from controller.documents.model import HandoverDoc, Party, Side

_env = Environment(
    loader=PackageLoader("controller.documents", "templates"),
    autoescape=True,  # every field is user input; a name must never become markup
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters.update(
    blank=lambda v: idn.BLANK if v is None or str(v).strip() == "" else v,
    long_date=idn.long_date,
    short_date=idn.short_date,
    condition=idn.condition_label,
    yes_no=idn.yes_no,
    checklist_label=idn.checklist_label,
    when=lambda moment, zone="WIB": idn.local_datetime(moment, zone) if moment else idn.BLANK,
)

_TITLES = {"penitipan": "PENITIPAN SERVER", "pengembalian": "PENGEMBALIAN SERVER"}


@dataclass(frozen=True)
class _Signatory:
    """A party as the template needs it: its role on the form and its signature line."""

    party: Party | None
    label: str  # PIHAK PERTAMA / PIHAK KEDUA
    role: str  # Yang Menyerahkan / Yang Menerima
    signed: str | None
    act: str | None = None  # "app" | "paper" | None (not yet signed)


def _signatories(doc: HandoverDoc, side: Side, label: str, role: str) -> list[_Signatory]:
    # A side with nobody yet still gets an empty block: the form is printed before it is signed.
    parties: list[Party | None] = [*doc.side(side)] or [None]
    return [
        _Signatory(
            party=p,
            label=label,
            role=role,
            signed=idn.local_datetime(p.signed_at, doc.timezone) if p and p.signed_at else None,
            act=p.act if p and p.signed_at else None,
        )
        for p in parties
    ]


def _zone(doc: HandoverDoc) -> timezone:
    return timezone(timedelta(hours=idn.TIMEZONES.get(doc.timezone, 7)))


def _pdf_dates(doc: HandoverDoc) -> tuple[str | None, str | None]:
    """W3C dates for the PDF metadata, taken from the form so re-rendering changes nothing."""
    if doc.date is None:
        return None, None
    zone = _zone(doc)
    created = datetime.combine(doc.date, time(0, 0), tzinfo=zone)
    signatures = [
        p.signed_at if p.signed_at.tzinfo else p.signed_at.replace(tzinfo=zone)
        for p in doc.parties
        if p.signed_at is not None
    ]
    modified = max([created, *signatures]).astimezone(zone)
    return created.isoformat(timespec="seconds"), modified.isoformat(timespec="seconds")


def _context(doc: HandoverDoc) -> dict[str, Any]:
    created, modified = _pdf_dates(doc)
    # BAST convention: the first party hands over, the second receives.
    first = _signatories(doc, "penyerah", "PIHAK PERTAMA", "Yang Menyerahkan")
    second = _signatories(doc, "penerima", "PIHAK KEDUA", "Yang Menerima")
    lh = doc.letterhead or letterhead.plain(doc.office_name, doc.office_address)
    ack = doc.acknowledger
    return {
        "doc": doc,
        "title": _TITLES[doc.kind],
        "letterhead": lh,
        "page_size": lh.page_size,
        "acknowledged": idn.local_datetime(ack.signed_at, doc.timezone) if ack and ack.signed_at else None,
        "header_lines": list(lh.lines),
        "date_words": idn.date_in_words(doc.date) if doc.date else None,
        "signatories": first + second,
        "created": created,
        "modified": modified,
        "verify_qr": _qr_svg(doc.verify_url),
    }


def _qr_svg(url: str | None) -> Markup | None:
    """The verify URL as an inline SVG QR code (segno, pure Python); None without the library."""
    if not url:
        return None
    try:
        import segno
    except ImportError:  # the printed URL alone still leads to the check
        return None
    svg = segno.make(url, error="m").svg_inline(scale=2, border=1, omitsize=False)
    return Markup(svg)  # segno's own markup; the URL inside is escaped by segno


# fontTools stamps each embedded font subset with the current time unless SOURCE_DATE_EPOCH
# (the reproducible-builds convention) is set, and offers no argument for it. The variable
# is process-wide, so it is set only while rendering and renders are serialised; WeasyPrint
# (Pango, fontconfig) is not documented as thread-safe anyway.
_RENDER_LOCK = threading.Lock()
_FONT_EPOCH = "0"


@contextmanager
def _fixed_font_timestamps() -> Iterator[None]:
    with _RENDER_LOCK:
        previous = os.environ.get("SOURCE_DATE_EPOCH")
        if previous is None:
            os.environ["SOURCE_DATE_EPOCH"] = _FONT_EPOCH
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)


def render_template(name: str, **context: Any) -> str:
    """Any of the forms' templates with the shared filters (controller.documents.letters)."""
    return _env.get_template(name).render(**context)


def render_html(doc: HandoverDoc) -> str:
    """The form as a self-contained HTML page (inline CSS, no external resources)."""
    return _env.get_template("handover.html").render(**_context(doc))


def render_handover_pdf(doc: HandoverDoc) -> bytes:
    """The form as a PDF (A4 or F4); identical input gives identical bytes."""
    return html_to_pdf(render_html(doc))


def html_to_pdf(html: str) -> bytes:
    """A self-contained page to PDF bytes, reproducibly (see the module docstring)."""
    document = HTML(
        string=html,
        base_url=None,
        # Refuse every URL but data: (the letterhead's logo is inlined as one): fetching would make
        # the output depend on the network and let a crafted field probe internal addresses.
        url_fetcher=URLFetcher(allowed_protocols=("data",)),
    )
    with _fixed_font_timestamps():
        return document.write_pdf(pdf_identifier=hashlib.sha256(html.encode()).digest()[:16])

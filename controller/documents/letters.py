"""The office's other issued forms, as plain data: lembar disposisi, surat penugasan, laporan
kegiatan and the berita acara of a transfer or of a handover for disposal.

Like the BAST (``documents.model``/``documents.pdf``): no database, no network; services build
these from the records and tests build them by hand. Every form shares the letterhead, the
numbered footer, the seal's legal note and the public check (``_letter.html``), and prints each
person's act as what it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Literal

from controller.documents import indonesian as idn
from controller.documents.letterhead import Letterhead
from controller.documents.pdf import _qr_svg, html_to_pdf, render_template

Act = Literal["app", "paper", "recorded"] | None


@dataclass(frozen=True)
class Frame:
    """What every form has: letterhead, number, date and place, and whether it is sealed."""

    letterhead: Letterhead
    number: str | None
    date: date
    place: str
    timezone: str = "WIB"
    sealed: bool = False
    verify_url: str | None = None


@dataclass(frozen=True)
class Signer:
    """One signature block: the role on the form, the person, and how (whether) they acted.

    ``act``: "app" approved in Titip, "recorded" entered the record in Titip, "paper" signed the
    printed form; None leaves the space for a signature on paper and claims nothing.
    """

    role: str                 # Yang menyerahkan, Yang menerima, Mengetahui, Yang menugaskan, ...
    title: str | None         # jabatan
    name: str | None
    nip: str | None = None
    unit: str | None = None
    act: Act = None
    username: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class DispositionEntry:
    from_title: str
    from_name: str | None
    from_nip: str | None
    from_username: str | None
    to_title: str | None
    to_name: str | None
    to_nip: str | None
    instruction: str | None
    at: datetime


@dataclass(frozen=True)
class DispositionSheet:
    sender: str | None
    letter_number: str | None
    letter_date: date | None
    received_on: date | None
    agenda_number: str | None
    subject: str | None
    entries: list[DispositionEntry] = field(default_factory=list)
    nature: str = "Biasa"


@dataclass(frozen=True)
class Record:
    """A numbered form of facts (label, value) with its signers: surat penugasan, laporan kegiatan,
    berita acara. ``opening`` is the sentence before the facts; ``closing`` the one after."""

    title: str
    opening: str
    facts: list[tuple[str, str | None]]
    signers: list[Signer]
    subtitle: str | None = None
    closing: str | None = None
    acknowledger: Signer | None = None     # "Mengetahui"


def _context(frame: Frame, title: str, subtitle: str | None = None, **extra: Any) -> dict[str, Any]:
    zone = timezone(timedelta(hours=idn.TIMEZONES.get(frame.timezone, 7)))
    created = datetime.combine(frame.date, time(0, 0), tzinfo=zone).isoformat(timespec="seconds")
    return {"letterhead": frame.letterhead, "page_size": frame.letterhead.page_size, "number": frame.number,
            "title": title, "subtitle": subtitle, "sealed": frame.sealed, "verify_url": frame.verify_url,
            "verify_qr": _qr_svg(frame.verify_url), "created": created, "timezone": frame.timezone,
            "place": frame.place, "date": frame.date, "date_words": idn.date_in_words(frame.date), **extra}


def render_disposition(frame: Frame, sheet: DispositionSheet) -> bytes:
    return html_to_pdf(render_template("disposition.html", sheet=sheet,
                                       **_context(frame, "LEMBAR DISPOSISI")))


def render_record(frame: Frame, record: Record) -> bytes:
    return html_to_pdf(render_html(frame, record))


def render_html(frame: Frame, record: Record) -> str:
    return render_template("record.html", record=record, **_context(frame, record.title, record.subtitle))

"""What a handover form (Berita Acara Serah Terima, BAST) says, as plain data.

The renderers take these objects and nothing else, so services can build them from the
database and tests can build them by hand. Only the two fields that decide the form's
structure (``HandoverDoc.kind`` and ``Party.side``) are checked here: a wrong value there is
a programming error that would silently produce a legally misleading document. Every other
field is free text or may be missing, and the renderer copes with that.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, get_args

from controller.documents.letterhead import Letterhead

Kind = Literal["penitipan", "pengembalian"]
"""penitipan: the unit deposits a server (intake); pengembalian: the office returns it."""

Side = Literal["penerima", "penyerah"]
"""penerima: receives the goods; penyerah: hands them over."""

KINDS: tuple[str, ...] = get_args(Kind)
SIDES: tuple[str, ...] = get_args(Side)

# The return form gets its own series so that a number alone tells which form it is and the
# two series never collide. "K" is for "kembali" (returned), as in "barang kembali"; the
# intake form keeps the plain, widely recognised "BAST" prefix.
NUMBER_PREFIXES: dict[str, str] = {"penitipan": "BAST", "pengembalian": "BAST-K"}


@dataclass(frozen=True)
class Party:
    """One signatory. ``signed_at`` is None until they sign (in Titip or on paper)."""

    name: str | None
    nip: str | None
    position: str | None
    unit: str | None
    side: Side
    signed_at: datetime | None = None
    # How the signature was given, printed as what it was: "app" (approved in Titip by the
    # logged-in ``username``), "paper" (signed on the printed form; recorded by the officer) or
    # "bsre" (signed with the person's own BSrE certificate, embedded in the PDF).
    act: Literal["app", "paper", "bsre"] = "app"
    username: str | None = None

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"Party.side must be one of {SIDES}, got {self.side!r}")


@dataclass(frozen=True)
class Item:
    """One line of the goods table. ``condition`` is a Condition value (``baik``, ...)."""

    name: str | None
    brand_type: str | None = None
    serial_number: str | None = None
    quantity: int | None = 1
    condition: str | None = "baik"
    notes: str | None = None


@dataclass(frozen=True)
class Inspection:
    """The officer's check of the server (SOP 002 intake step 8), label -> passed."""

    passed: bool
    checklist: dict[str, bool | None] = field(default_factory=dict)
    notes: str | None = None


@dataclass(frozen=True)
class HandoverDoc:
    """Everything printed on one BAST.

    ``office_name`` is the letterhead; put each line on its own line, e.g.
    ``"PEMERINTAH KABUPATEN TRENGGALEK\\nDINAS KOMUNIKASI DAN INFORMATIKA"``.
    ``timezone`` (WIB, WITA or WIT) is the zone signature times are shown in; aware datetimes
    are converted to it, naive ones are taken as already local.
    """

    kind: Kind
    number: str | None
    date: date | None
    place: str | None
    office_name: str | None
    unit_name: str | None
    unit_code: str | None
    parties: list[Party] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    inspection: Inspection | None = None
    reason: str | None = None
    letter_number: str | None = None
    letter_date: dt.date | None = None  # dt.: the class has a field named `date`
    office_address: str | None = None
    timezone: str = "WIB"
    # True only when the PDF is sealed with the office's certificate: the footer cites UU ITE then.
    sealed: bool = False
    # The public check of this document (/verify/{number}); printed with its QR code.
    verify_url: str | None = None
    # The full letterhead (logo, address, contacts, paper size); None: office_name alone, A4.
    letterhead: Letterhead | None = None
    # "Mengetahui": the superior who dispositioned the request (the head), with their act's time.
    acknowledger: Party | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"HandoverDoc.kind must be one of {KINDS}, got {self.kind!r}")

    def side(self, side: Side) -> list[Party]:
        """The parties on one side, in the order given."""
        return [p for p in self.parties if p.side == side]


def bast_number(seq: int, unit_code: str, year: int, kind: Kind = "penitipan") -> str:
    """``BAST/007/DISDIK/2026`` for intake, ``BAST-K/007/DISDIK/2026`` for a return.

    ``seq`` counts per (kind, unit, year); keeping that counter is the caller's job. It is
    padded to three digits and simply grows wider past 999 so numbers stay unique.
    """
    if kind not in NUMBER_PREFIXES:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise ValueError(f"seq must be a positive integer, got {seq!r}")
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
        raise ValueError(f"year must have four digits, got {year!r}")
    code = (unit_code or "").strip()
    if not code or "/" in code or any(c.isspace() for c in code):
        raise ValueError(f"unit_code must be one word without '/', got {unit_code!r}")
    return f"{NUMBER_PREFIXES[kind]}/{seq:03d}/{code}/{year}"

"""Document numbers from the office's register: a configured pattern per kind, and one gapless
sequence per kind and year held by the database (a counter row raised under its lock)."""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict
from ..models.numbering import DocumentCounter

if TYPE_CHECKING:
    from ..settings import Settings

FIELDS = frozenset({"klasifikasi", "nomor", "kode_opd", "kode_unit", "tahun"})
DEFAULT_PATTERNS = {"handover": "BAST/{nomor}/{kode_unit}/{tahun}", "return": "BAST-K/{nomor}/{kode_unit}/{tahun}",
                    # services.letters: the incoming letter's agenda number (its first disposition
                    # sheet carries it), the division head's disposition sheet, the lifecycle forms.
                    "agenda": "AGENDA/{nomor}/{tahun}", "disposition": "DISP/{nomor}/{tahun}",
                    "assignment": "SPT/{nomor}/{tahun}", "activity_report": "LAP/{nomor}/{tahun}",
                    "transfer": "BA-PT/{nomor}/{tahun}", "disposal": "BA-HPS/{nomor}/{tahun}",
                    "nota_dinas": "ND/{nomor}/{tahun}", "disposal_review": "TL-HPS/{nomor}/{tahun}",
                    # services.reconciliation_report: the monthly report to the Asisten.
                    "reconciliation": "LAP-REK/{nomor}/{tahun}",
                    # services.asset_issues: the BAST of assets issued to a unit's users.
                    "issue_bast": "BAST-PB/{nomor}/{tahun}"}


def check_pattern(kind: str, pattern: str) -> None:
    """A pattern names only known fields and holds {nomor} and {tahun} (else numbers repeat)."""
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None}
    except ValueError as exc:
        raise ValueError(f"TITIP_DOCUMENT_NUMBER_PATTERNS[{kind}]: {exc}") from None
    unknown = names - FIELDS
    if unknown:
        raise ValueError(f"TITIP_DOCUMENT_NUMBER_PATTERNS[{kind}]: unknown field(s) {sorted(unknown)}; "
                         f"use {sorted(FIELDS)}")
    if not {"nomor", "tahun"} <= names:
        raise ValueError(f"TITIP_DOCUMENT_NUMBER_PATTERNS[{kind}]: the pattern needs {{nomor}} and {{tahun}}")
    if not 1 <= len(kind) <= 16:
        raise ValueError(f"TITIP_DOCUMENT_NUMBER_PATTERNS: {kind!r} is not a document kind")


def next_seq(session: Session, kind: str, year: int) -> int:
    """The next number of (kind, year), raised in this transaction: concurrent issues wait on the
    counter row's lock (PostgreSQL; SQLite writers are serialised anyway) and a rollback gives the
    number back, so the sequence has no gap and no repeat."""
    for _ in range(2):
        raised = session.execute(
            update(DocumentCounter).where(DocumentCounter.kind == kind, DocumentCounter.year == year)
            .values(last=DocumentCounter.last + 1).returning(DocumentCounter.last)).scalar_one_or_none()
        if raised is not None:
            return raised
        # The first of its kind this year: create the row; a concurrent creator makes ours fail,
        # and the update above then waits for its lock.
        try:
            with session.begin_nested():
                session.add(DocumentCounter(kind=kind, year=year, last=1))
            return 1
        except IntegrityError:  # the key (kind, year): someone else created it first
            continue
    raise Conflict(f"the {kind} counter of {year} could not be taken; try again")


def format_number(settings: Settings, kind: str, seq: int, year: int, unit_code: str | None = None) -> str:
    """The number as the office writes it, from the kind's configured pattern."""
    pattern = settings.document_number_patterns.get(kind) or DEFAULT_PATTERNS.get(kind) \
        or "{klasifikasi}/{nomor}/{kode_opd}/{tahun}"
    return pattern.format(klasifikasi=settings.document_classifications.get(kind, ""), nomor=f"{seq:03d}",
                          kode_opd=settings.office_code, kode_unit=unit_code or "", tahun=year)


def last_seq(session: Session, kind: str, year: int) -> int:
    return session.scalar(select(DocumentCounter.last).where(
        DocumentCounter.kind == kind, DocumentCounter.year == year)) or 0

"""Issuing the office's other forms: the lembar disposisi of a custody letter, the surat penugasan
and laporan kegiatan of maintenance and disposal cases, the berita acara of a transfer and of a
handover for disposal. Each is numbered from the register, sealed by ``papers.store`` and kept
in the caller's transaction; people are printed by name and NIP, their acts as what they were.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..documents import letterhead
from ..documents.letters import (
    Act,
    DispositionEntry,
    DispositionSheet,
    Frame,
    Record,
    Signer,
    render_disposition,
    render_record,
)
from ..documents.seal import sealer_of
from ..models import CustodyRequest, CustodyStep, Document, User
from ..settings import Settings
from . import numbering, papers

# Kinds issued here (Document.kind and the register's kind), with their Indonesian names.
NAMES = {"disposition": "Lembar Disposisi", "assignment": "Surat Penugasan", "activity_report": "Laporan Kegiatan",
         "transfer": "Berita Acara Alih Status Penggunaan", "disposal": "Berita Acara Serah Terima untuk Penghapusan",
         "nota_dinas": "Nota Dinas", "disposal_review": "Telaahan Penghapusan Aset"}


def _zone(settings: Settings) -> str:
    return papers.zone_label(settings.timezone)


def user_named(session: Session, username: str | None) -> User | None:
    return session.scalar(select(User).where(User.username == username)) if username else None


def take_number(session: Session, settings: Settings, kind: str, now: datetime,
                unit_code: str | None = None) -> tuple[str, int, int]:
    """(number, year, seq) of the next form of a kind, from the office's register."""
    year = now.astimezone(ZoneInfo(settings.timezone)).year
    seq = numbering.next_seq(session, kind, year)
    return numbering.format_number(settings, kind, seq, year, unit_code), year, seq


def frame(session: Session, settings: Settings, number: str | None, now: datetime) -> Frame:
    return Frame(letterhead=letterhead.from_settings(settings), number=number,
                 date=now.astimezone(ZoneInfo(settings.timezone)).date(), place=settings.office_city,
                 timezone=_zone(settings), sealed=sealer_of(session) is not None,
                 verify_url=papers.verify_url(session, settings, number) if number else None)


PdfOf = Callable[[Frame], bytes]


def issue(session: Session, settings: Settings, kind: str, pdf_of: PdfOf, *, now: datetime, actor: str,
          unit_id: int | None, request_id: int | None = None,
          number: tuple[str, int | None, int | None] | None = None,
          stem: str) -> Document:
    """Number (unless given), render with the frame, seal and keep one form."""
    num, year, seq = number or take_number(session, settings, kind, now)
    pdf = pdf_of(frame(session, settings, num, now))
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in num)[:80]
    return papers.store(session, kind=kind, unit_id=unit_id, request_id=request_id, filename=f"{stem}_{safe}.pdf",
                        content_type="application/pdf", content=pdf, actor=actor, number=num, year=year, seq=seq)


# --- lembar disposisi ----------------------------------------------------------------------------

def _disposition_sheets(session: Session, req: CustodyRequest) -> list[Document]:
    return list(session.scalars(select(Document).where(
        Document.request_id == req.id, Document.kind == "disposition").order_by(Document.id)))


def issue_disposition(session: Session, settings: Settings, req: CustodyRequest, action: str, actor: str,
                      note: str | None, officer: str | None, now: datetime) -> Document | None:
    """The lembar disposisi at each disposition of the letter: the head's (it enters the letter in
    the agenda: the sheet's number is the agenda number), then the division head's, which repeats
    the head's line under its own number. A letter about several servers gets one sheet, kept with
    its first request."""
    if req.batch_id is not None and req.batch_id != req.id:
        return None
    entries: list[DispositionEntry] = []
    earlier = _disposition_sheets(session, req)
    agenda = earlier[0].number if earlier else None
    head_step = session.scalar(select(CustodyStep).where(
        CustodyStep.request_id == req.id, CustodyStep.action == "head_dispose").order_by(CustodyStep.id.desc()))
    division_heads = list(session.scalars(select(User).where(User.role == "division_head", User.is_active)))
    to_division = division_heads[0] if len(division_heads) == 1 else None
    if action == "head_dispose":
        number = take_number(session, settings, "agenda", now)
        agenda = number[0]
        head = user_named(session, actor)
        entries.append(DispositionEntry(settings.head_title, head.full_name if head else actor,
                                        head.nip if head else None, actor, settings.division_head_title,
                                        to_division.full_name if to_division else None,
                                        to_division.nip if to_division else None, note, now))
    else:
        number = take_number(session, settings, "disposition", now)
        if head_step is not None:
            head = user_named(session, head_step.actor)
            entries.append(DispositionEntry(settings.head_title, head.full_name if head else head_step.actor,
                                            head.nip if head else None, head_step.actor, settings.division_head_title,
                                            to_division.full_name if to_division else None,
                                            to_division.nip if to_division else None, head_step.note, head_step.at))
        me, to = user_named(session, actor), user_named(session, officer)
        entries.append(DispositionEntry(settings.division_head_title, me.full_name if me else actor,
                                        me.nip if me else None, actor, "Petugas (Pejabat Fungsional/Pelaksana)",
                                        to.full_name if to else officer, to.nip if to else None, note, now))
    server = req.server
    sheet = DispositionSheet(
        sender=req.unit.name, letter_number=req.letter_number, letter_date=req.letter_date,
        received_on=req.created_at.astimezone(ZoneInfo(settings.timezone)).date() if req.created_at else None,
        agenda_number=agenda,
        subject=f"Permohonan penitipan server {server.brand} {server.model} (nomor seri {server.serial_number})",
        entries=entries)
    return issue(session, settings, "disposition", lambda f: render_disposition(f, sheet), now=now, actor=actor,
                 unit_id=req.unit_id, request_id=req.id, number=number, stem="lembar_disposisi")


# --- people on the records ---------------------------------------------------------------------

def signer(session: Session, role: str, title: str | None, username: str | None, *, act: Act = None,
           at: datetime | None = None, unit: str | None = None, name: str | None = None) -> Signer:
    """A signature block for a user of Titip (by name and NIP, never the username alone)."""
    user = user_named(session, username)
    return Signer(role=role, title=title, name=name or (user.full_name if user else username),
                  nip=user.nip if user else None, unit=unit, act=act, username=username if act else None, at=at)


def record_pdf(record: Record) -> PdfOf:
    return lambda f: render_record(f, record)

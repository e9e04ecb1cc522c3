"""Issuing and storing documents: handover and return forms (PDF), uploaded letters."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..documents import HandoverDoc, Inspection, Item, Party, letterhead, render_handover_pdf
from ..documents.model import Kind
from ..documents.seal import sealer_of
from ..errors import Invalid
from ..models import CustodyRequest, CustodyStep, Document, Signature, User
from ..models.base import utcnow
from ..settings import Settings
from ..signing import personal
from . import numbering

MAX_LETTER_BYTES = 10 * 1024 * 1024
# Papers Titip issues (as opposed to uploads: letters, wipe reports, imports): sealed when a seal is set.
SEALED_KINDS = frozenset({"handover", "return", "transfer", "disposal", "inventory", "disposition", "assignment",
                          "activity_report", "issue_bast", "install_report", "evaluation", "nota_dinas",
                          "disposal_review", "reconciliation"})
_ZONES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def zone_label(tz_name: str, moment: datetime | None = None) -> str:
    """WIB / WITA / WIT for Indonesian offices, else the zone's own abbreviation."""
    return _ZONES.get(tz_name) or (moment or utcnow()).astimezone(ZoneInfo(tz_name)).tzname() or tz_name


def store(session: Session, *, kind: str, unit_id: int | None, request_id: int | None, filename: str,
          content_type: str, content: bytes, actor: str, number: str | None = None,
          year: int | None = None, seq: int | None = None) -> Document:
    """Keep a document; an issued PDF is sealed first, so the stored bytes and their audited SHA-256
    are the sealed ones."""
    if kind in SEALED_KINDS and content_type == "application/pdf":
        sealer = sealer_of(session)
        if sealer is not None:
            content = sealer.seal(content)
    doc = Document(kind=kind, unit_id=unit_id, request_id=request_id, filename=filename,
                   content_type=content_type, size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                   content=content, created_by=actor, number=number, year=year, seq=seq)
    session.add(doc)
    session.flush()
    return doc


def store_letter(session: Session, req: CustodyRequest, filename: str, content: bytes, actor: str) -> Document:
    if not content.startswith(b"%PDF-"):
        raise Invalid("the letter must be a PDF file", field="letter_file")
    if len(content) > MAX_LETTER_BYTES:
        raise Invalid(f"the letter is larger than {MAX_LETTER_BYTES // 1024 // 1024} MB", field="letter_file")
    safe = "".join(c for c in filename if c.isalnum() or c in "._-")[-100:] or "surat.pdf"
    return store(session, kind="letter", unit_id=req.unit_id, request_id=req.id, filename=safe,
                 content_type="application/pdf", content=content, actor=actor)


def verify_url(session: Session, settings: Settings, number: str) -> str:
    """The public check of a numbered document, as printed on it (and in its QR code)."""
    base = session.info.get("public_url") or settings.public_url.rstrip("/")
    return f"{base}/verify/{quote(number, safe='/')}"


def acknowledger(session: Session, settings: Settings, req: CustodyRequest, form: str = "handover") -> Party | None:
    """The superior for the form's "Mengetahui" block: on the intake form the head who dispositioned
    the letter, on the return form the division head who approved the return (None before that)."""
    action, title = ("head_dispose", settings.head_title) if form == "handover" else \
        ("approve_return", settings.division_head_title)
    step = session.scalar(select(CustodyStep).where(
        CustodyStep.request_id == req.id, CustodyStep.action == action).order_by(CustodyStep.id.desc()))
    if step is None:
        return None
    boss = session.scalar(select(User).where(User.username == step.actor))
    return Party(name=boss.full_name if boss else step.actor, nip=boss.nip if boss else None,
                 position=title, unit=settings.office_name, side="penerima", signed_at=step.at,
                 act="app", username=step.actor)


def _return_letter_date(session: Session, req: CustodyRequest) -> date | None:
    """The return letter's date, as given with the latest request_return (optional there)."""
    data = session.scalar(select(CustodyStep.data).where(
        CustodyStep.request_id == req.id, CustodyStep.action == "request_return").order_by(CustodyStep.id.desc()))
    given = json.loads(data).get("letter_date") if data else None
    try:
        return date.fromisoformat(given) if given else None
    except (TypeError, ValueError):
        return None


def issue_form(session: Session, settings: Settings, req: CustodyRequest, form: str, actor: str,
               now: datetime | None = None) -> Document:
    """Render and store the handover (intake) or return form from the recorded signatures."""
    now = now or utcnow()
    tz = ZoneInfo(settings.timezone)
    local = now.astimezone(tz)
    kind: Kind = "penitipan" if form == "handover" else "pengembalian"
    seq = numbering.next_seq(session, form, local.year)  # office-wide, gapless (the register)
    number = numbering.format_number(settings, form, seq, local.year, req.unit.code)
    sigs = list(session.scalars(select(Signature).where(
        Signature.request_id == req.id, Signature.form == form).order_by(Signature.id)))
    # Intake: the unit hands over, the office receives. Return: the other way round.
    giver = "unit_contact" if form == "handover" else "officer"
    # Handover: each side approves in Titip, logged in as themselves. Return: the officer records
    # both sides' names at release from the form they signed on paper.
    act: Literal["app", "paper"] = "app" if form == "handover" else "paper"
    # The signer whose act issues the form may sign it with their BSrE certificate (controller.signing).
    bsre = personal.pending_of(session)
    parties = [Party(name=s.name, nip=s.nip, position=s.position,
                     unit=req.unit.name if s.side == "unit_contact" else settings.office_name,
                     side="penyerah" if s.side == giver else "penerima", signed_at=s.signed_at,
                     act="bsre" if bsre is not None and act == "app" and s.username == bsre.username else act,
                     username=s.username if act == "app" else None)
               for s in sigs]
    server = req.server
    inspection = None
    if req.inspection:
        data = json.loads(req.inspection)
        inspection = Inspection(passed=data["passed"], checklist=data["checklist"], notes=data.get("notes"))
    doc = HandoverDoc(
        kind=kind, number=number, date=local.date(), place=settings.office_city,
        office_name=settings.office_letterhead, unit_name=req.unit.name, unit_code=req.unit.code,
        parties=parties,
        items=[Item(name="Server", brand_type=f"{server.brand} {server.model}",
                    serial_number=server.serial_number, quantity=1, condition=server.condition,
                    notes=req.purpose)],
        inspection=inspection if form == "handover" else None,
        reason=req.return_reason if form == "return" else None,
        letter_number=req.return_letter_number if form == "return" else req.letter_number,
        letter_date=req.letter_date if form == "handover" else _return_letter_date(session, req),
        timezone=_ZONES.get(settings.timezone, "WIB"),
        sealed=sealer_of(session) is not None, verify_url=verify_url(session, settings, number),
        letterhead=letterhead.from_settings(settings), acknowledger=acknowledger(session, settings, req, form))
    pdf = render_handover_pdf(doc)
    filename = number.replace("/", "_") + ".pdf"
    # BSrE first, the office's seal after (in store): see controller.signing.personal for why.
    pdf = personal.sign(session, settings, pdf, filename, reason=f"Berita Acara Serah Terima {number}")
    return store(session, kind=form, unit_id=req.unit_id, request_id=req.id, filename=filename,
                 content_type="application/pdf", content=pdf, actor=actor, number=number,
                 year=local.year, seq=seq)

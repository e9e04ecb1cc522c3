"""Issuing the procurement's activity report (*Laporan Kegiatan Pengadaan Aset*, SOP 001
Perencanaan Kebutuhan dan Penganggaran steps 5-6) at its report move.

It is a laporan kegiatan like the maintenance and disposal ones, so it takes its number from the
same register kind (``activity_report``: LAP/001/2027, ...), is sealed by ``papers.store`` and is
kept with the procurement's unit, so exactly those who may see the procurement may download it.
People are printed by name and NIP, each act as what it was: the Kepala Seksi makes the report
(recorded in Titip when they made the move themselves; a space to sign when an officer recorded
it for them), the Kepala Bidang who reviewed the plan knows of it ("Mengetahui").
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..documents import indonesian as idn
from ..documents.asset_card import rupiah
from ..documents.letters import Signer
from ..documents.procurement_report import AcquiredRow, ProcurementActivity, render_pdf
from ..domain.choices import Role
from ..domain.planning_flow import ITEM_KIND_LABELS
from ..models import Document, Server, Unit, User
from ..models.assets import AssetRecord
from ..models.planning import NeedsItem, NeedsPlan, ProcedureStep, ProcuredAsset, Procurement
from ..settings import Settings
from . import letters

REGISTER = "activity_report"
SECTION_HEAD_TITLE = "Kepala Seksi"
OFFICER_TITLE = "Pejabat Fungsional/Pelaksana"
METHODS = {"e_purchasing": "E-purchasing (katalog elektronik)", "pengadaan_langsung": "Pengadaan langsung",
           "penunjukan_langsung": "Penunjukan langsung", "tender": "Tender", "swakelola": "Swakelola"}


_KIND_WORDS = {str(k): label.id for k, label in ITEM_KIND_LABELS.items()}


def _kind(kind: str) -> str:
    return _KIND_WORDS.get(kind, kind)


def _steps(session: Session, kind: str, case_id: int, *actions: str) -> list[ProcedureStep]:
    return list(session.scalars(select(ProcedureStep).where(
        ProcedureStep.kind == kind, ProcedureStep.case_id == case_id, ProcedureStep.action.in_(actions))
        .order_by(ProcedureStep.id)))


def _only_active(session: Session, role: str) -> User | None:
    """The one active user of a role; None when there are several (nobody is guessed)."""
    users = list(session.scalars(select(User).where(User.role == role, User.is_active).limit(2)))
    return users[0] if len(users) == 1 else None


def _person(user: User | None, username: str) -> str:
    if user is None:
        return username
    return f"{user.full_name} (NIP {user.nip})" if user.nip else user.full_name


def _executors(session: Session, p: Procurement, actor: str) -> str:
    """Who carried the procurement out: whoever recorded its order, its receipt and this report."""
    names = dict.fromkeys([s.actor for s in _steps(session, "procurement", p.id, "start", "receive")] + [actor])
    return ", ".join(_person(letters.user_named(session, n), n) for n in names)


def _maker(session: Session, p: Procurement, actor: str, role: str, now: datetime) -> list[Signer]:
    """The Kepala Seksi makes the report; an officer who records it for them signs as Pelaksana."""
    if role == Role.section_head:
        return [letters.signer(session, "Yang membuat laporan,", SECTION_HEAD_TITLE, actor, act="recorded", at=now)]
    kasi = next((letters.user_named(session, s.actor) for s in reversed(_steps(session, "procurement", p.id,
                                                                               "start", "receive"))
                 if s.role == Role.section_head), None) or _only_active(session, Role.section_head)
    return [letters.signer(session, "Yang membuat laporan,", SECTION_HEAD_TITLE, kasi.username if kasi else None),
            letters.signer(session, "Pelaksana,", OFFICER_TITLE, actor, act="recorded", at=now)]


def _division_head(session: Session, settings: Settings, plan: NeedsPlan) -> Signer:
    """The Kepala Bidang who reviewed the plan (else the only one there is), to sign "Mengetahui"."""
    review = _steps(session, "needs_plan", plan.id, "review")
    user = letters.user_named(session, review[-1].actor) if review else _only_active(session, Role.division_head)
    return letters.signer(session, "Mengetahui,", settings.division_head_title, user.username if user else None)


def _assets(session: Session, p: Procurement) -> list[AcquiredRow]:
    rows = session.execute(select(Server, AssetRecord).join(ProcuredAsset, ProcuredAsset.server_id == Server.id)
                           .outerjoin(AssetRecord, AssetRecord.server_id == Server.id)
                           .where(ProcuredAsset.procurement_id == p.id).order_by(Server.id)).all()
    return [AcquiredRow(kind=_kind(server.kind), brand_model=f"{server.brand} {server.model}",
                        serial_number=server.serial_number, asset_code=rec.asset_code if rec else None,
                        nup=rec.nup if rec else None, value=rupiah(rec.acquisition_value) if rec else None)
            for server, rec in rows]


def activity(session: Session, settings: Settings, p: Procurement, actor: str, role: str,
             now: datetime) -> ProcurementActivity:
    """The report's content from the records (the narrative is the report the actor gave)."""
    item, plan = session.get_one(NeedsItem, p.item_id), session.get_one(NeedsPlan, p.plan_id)
    unit = session.get_one(Unit, plan.unit_id)
    price = (p.contract_value / p.quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return ProcurementActivity(
        opening=f"Berdasarkan rencana kebutuhan {unit.name} Tahun Anggaran {plan.budget_year} yang telah "
                f"disetujui Kepala Dinas, telah dilaksanakan pengadaan aset dengan rincian sebagai berikut:",
        plan=[("Unit kerja pengusul", f"{unit.name} ({unit.code})"),
              ("Rencana kebutuhan", f"Nomor {plan.letter_number}" + (f", {plan.title}" if plan.title else "")),
              ("Tahun anggaran", str(plan.budget_year)),
              ("Keputusan Kepala Dinas", plan.decision_number),
              ("Uraian barang", f"{item.line_no}. {item.description} ({_kind(item.kind)})"),
              ("Jumlah yang disetujui", f"{item.quantity} {item.uom}"),
              ("Harga satuan dalam rencana", rupiah(item.unit_price)),
              ("Anggaran", rupiah(Decimal(item.quantity) * item.unit_price))],
        purchase=[("Cara pengadaan", METHODS.get(p.method, p.method)), ("Penyedia", p.vendor),
                  ("Nomor kontrak / SPK", p.contract_number),
                  ("Tanggal kontrak / SPK", idn.short_date(p.contract_date)),
                  ("Nilai kontrak", rupiah(p.contract_value)), ("Jumlah", f"{p.quantity} {item.uom}"),
                  ("Harga satuan", rupiah(price)), ("Tanggal barang diterima", idn.short_date(p.received_on)),
                  ("Berita acara serah terima dari penyedia", p.receipt_number),
                  ("Pelaksana", _executors(session, p, actor))],
        assets=_assets(session, p), narrative=p.report or "",
        signers=_maker(session, p, actor, role, now), acknowledger=_division_head(session, settings, plan))


def issue(session: Session, settings: Settings, p: Procurement, actor: str, role: str, now: datetime) -> Document:
    """Number the report from the register, render, seal and keep it; the procurement points to it."""
    report = activity(session, settings, p, actor, role, now)
    doc = letters.issue(session, settings, REGISTER, lambda frame: render_pdf(frame, report), now=now, actor=actor,
                        unit_id=p.unit_id, stem=f"laporan_kegiatan_procurement_{p.id}")
    p.report_document_id = doc.id
    return doc


def document_of(session: Session, p: Procurement) -> Document | None:
    return session.get(Document, p.report_document_id) if p.report_document_id else None

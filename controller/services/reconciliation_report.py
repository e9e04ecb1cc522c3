"""Issuing the monthly *Laporan Rekonsiliasi Aset TIK* to the Asisten (SOP 000 Penggunaan 4).

A month, not a quarter: the report sums up the reconciliation of one month's inventory run (the
"data kondisi aset TIK" of step 3, collected and signed monthly), so each report stands on one
signed inventory and shares the XLSX's period key; a quarter would report only its last month's
run and hide the two before it.

The Pengelola Barang (or the admin for them) issues it once per month: numbered from the office's
register (``reconciliation``: LAP-REK/001/2026, ...), sealed by ``papers.store`` and kept for the
office (no unit sees it), tied to its period by a unique row, so a second issue is a 409 naming
the period and every download serves the stored bytes. It is refused while the month's own
inventory run is still waiting for its signature: signing changes the register's conditions.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..documents import indonesian as idn
from ..documents.inventory_form import period_label
from ..documents.letters import Signer
from ..documents.reconciliation import KindCount, Reconciliation, ReconciliationLetter, render_report_pdf
from ..domain.asset_kinds import KIND_LABELS, AssetKind
from ..domain.choices import CONDITION_LABELS, Role
from ..errors import Conflict, Invalid, NotFound
from ..models import Document, InventoryRun, User
from ..models.base import utcnow
from ..models.evidence import ReconciliationReport
from ..settings import Settings
from ..validation import period_problem
from . import letters
from .assets import reconciliation
from .common import flush_or_conflict
from .inventory import period_of

REGISTER = "reconciliation"
ISSUERS = frozenset({Role.admin, Role.property_manager})
SIGNER_ROLE = "Yang melaporkan,"
# The results a report counts, in the order printed; "not held" (registered, not in the server
# room's custody, so not inventoried) is counted but is no difference.
RESULT_WORDS = {"matches": "Sesuai", "condition_differs": "Selisih kondisi", "serial_differs": "Selisih nomor seri",
                "unreachable": "Tidak terjangkau saat inventarisasi", "not_found": "Tidak ditemukan",
                "not_held": "Tidak dalam ruang server (tidak diinventarisasi)"}
DIFFERENCES = frozenset({"condition_differs", "serial_differs", "unreachable", "not_found"})


def _kind(kind: str) -> str:
    return KIND_LABELS[AssetKind(kind)].id if kind in AssetKind.__members__ else kind


def _compared_with(rep: Reconciliation, session: Session) -> str:
    if rep.run_period is None:
        return "belum ada inventarisasi"
    run = session.scalar(select(InventoryRun).where(InventoryRun.period == rep.run_period))
    words = f"inventarisasi bulanan {period_label(rep.run_period)}"
    if run is not None and run.status == "signed":
        words += f", ditandatangani {run.signed_name or run.signed_by}"
    else:
        words += " (belum ditandatangani)"
    return words


def _head(session: Session, settings: Settings) -> Signer:
    """The Kepala Dinas for "Mengetahui": the only active head, else a space with the title only."""
    heads = list(session.scalars(select(User).where(User.role == Role.head, User.is_active).limit(2)))
    head = heads[0] if len(heads) == 1 else None
    return letters.signer(session, "Mengetahui,", settings.head_title, head.username if head else None)


def letter(session: Session, settings: Settings, rep: Reconciliation, signer: Signer) -> ReconciliationLetter:
    """The month's figures from the reconciliation rows (what the XLSX lists row by row)."""
    conditions = tuple(label.id for label in CONDITION_LABELS.values())
    extra = sorted({r["condition"] for r in rep.rows} - set(conditions))   # a row without a condition: "-"
    columns = conditions + tuple(extra)
    by_kind: dict[str, Counter[str]] = {}
    for r in rep.rows:
        by_kind.setdefault(_kind(r["kind"]), Counter())[r["condition"]] += 1
    results = Counter(r["result"] for r in rep.rows)
    return ReconciliationLetter(
        period=rep.period, addressee=settings.reconciliation_addressee, addressee_place=settings.office_city,
        compared_with=_compared_with(rep, session), conditions=columns,
        by_kind=[KindCount(kind, tuple(c[col] for col in columns)) for kind, c in sorted(by_kind.items())],
        results=[(words, results[code]) for code, words in RESULT_WORDS.items()],
        differences=[{**r, "kind": _kind(r["kind"]), "result_words": RESULT_WORDS[r["result"]]}
                     for r in rep.rows if r["result"] in DIFFERENCES],
        disposed=[{**r, "kind": _kind(r["kind"]),
                   "disposed_words": idn.short_date(date.fromisoformat(r["disposed_at"]))}
                  for r in rep.disposed if r["disposed_at"][:7] == rep.period],
        signer=signer, acknowledger=_head(session, settings))


def issued(session: Session) -> list[tuple[ReconciliationReport, Document]]:
    """Every report issued, the latest month first."""
    return list(session.execute(select(ReconciliationReport, Document).join(
        Document, Document.id == ReconciliationReport.document_id).order_by(ReconciliationReport.period.desc()))
        .all())


def issued_for(session: Session, period: str) -> ReconciliationReport | None:
    return session.scalar(select(ReconciliationReport).where(ReconciliationReport.period == period))


def document_for(session: Session, period: str) -> Document:
    report = issued_for(session, period)
    if report is None:
        raise NotFound(f"no reconciliation report issued for {period}: "
                       f"POST /api/v1/reconciliation-reports issues one")
    return session.get_one(Document, report.document_id)


def issue(session: Session, settings: Settings, user: User, period: str, name: str, nip: str | None,
          position: str, now: datetime | None = None) -> ReconciliationReport:
    """Number, render, seal and keep the month's report, once."""
    now = now or utcnow()
    if (problem := period_problem(period, now.date())) is not None:
        raise Invalid(f"period: {problem}", field="period")
    if period > period_of(now, settings.timezone):
        raise Invalid(f"period: {period} has not begun; a month is reported once it has", field="period")
    if (earlier := issued_for(session, period)) is not None:
        doc = session.get_one(Document, earlier.document_id)
        raise Conflict(f"the reconciliation report for {period} was already issued ({doc.number}); "
                       f"it is not issued twice", field="period", period=period, number=doc.number)
    run = session.scalar(select(InventoryRun).where(InventoryRun.period == period))
    if run is not None and run.status != "signed":
        raise Conflict(f"the inventory for {period} is {run.status}: sign it first, its decisions change "
                       f"the register's conditions", field="period", period=period)
    # The person who signs: approved in Titip when the Pengelola Barang issues it themselves; an
    # admin issuing it for them leaves the space to sign on paper and claims nothing.
    own = user.role == Role.property_manager
    signer = Signer(role=SIGNER_ROLE, title=position, name=name, nip=nip, act="app" if own else None,
                    username=user.username if own else None, at=now if own else None)
    content = letter(session, settings, reconciliation(session, settings, period, now), signer)
    doc = letters.issue(session, settings, REGISTER, lambda frame: render_report_pdf(frame, content), now=now,
                        actor=user.username, unit_id=None, stem=f"laporan_rekonsiliasi_{period}")
    report = ReconciliationReport(period=period, document_id=doc.id, signed_name=name, signed_nip=nip,
                                  signed_position=position, issued_by=user.username, issued_at=now)
    session.add(report)
    flush_or_conflict(session, f"the reconciliation report for {period} was already issued; it is not issued twice",
                      "period")
    return report

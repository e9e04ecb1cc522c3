"""Issuing an asset to its user (SOP 001 Penggunaan dan Pemanfaatan): the office hands it over with
a BAST, the user reports its installation and configuration, the office receives the report.

From the handover on, the asset is held by the user's unit (its register row changes unit): the
SOP makes it the user's responsibility, and the unit's contact person then sees it as theirs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..documents.issue_form import IssueBast, IssuedItem, render_installation_report_pdf, render_issue_bast_pdf
from ..domain.issue_flow import ISSUE, ISSUE_DUE, ISSUE_LABELS, ISSUE_STEPS, IssueState
from ..domain.planning_flow import ITEM_KIND_LABELS
from ..errors import Conflict, NotFound
from ..models import Unit, User
from ..models.base import utcnow
from ..models.planning import AssetIssue
from ..settings import Settings
from . import papers, procedure_cases as cases, runner, turns
from .access import unit_scope
from .custody import open_request_of
from .lifecycle import asset_record
from .planning_payloads import InstallationReport, IssueAsset, parse
from .runner import Ctx
from .servers import get_server
from .setup import unit_by_code

SPEC = cases.Spec("asset_issue", ISSUE, ISSUE_LABELS, ISSUE_STEPS, ISSUE_DUE)


def get_issue(session: Session, user: User, issue_id: int) -> AssetIssue:
    """The receiving unit's contact person sees the issue; another unit's does not (404)."""
    issue = session.get(AssetIssue, issue_id)
    scope = unit_scope(user)
    if issue is None or (scope is not None and issue.unit_id != scope):
        raise NotFound(f"asset issue {issue_id} not found")
    return issue


def list_stmt(user: User, state: str | None = None) -> Select[AssetIssue]:
    stmt = select(AssetIssue).order_by(AssetIssue.id.desc())
    if (scope := unit_scope(user)) is not None:
        stmt = stmt.where(AssetIssue.unit_id == scope)
    if state:
        stmt = stmt.where(AssetIssue.state == state)
    return stmt


def issue(session: Session, settings: Settings, user: User, data: dict[str, Any],
          now: datetime | None = None) -> AssetIssue:
    now = now or utcnow()
    move = cases.first_move(ISSUE, "issue", user, data)
    body = parse("asset_issue", "issue", data)
    assert isinstance(body, IssueAsset)
    server = get_server(session, user, body.server_id)
    rec = asset_record(session, server.id)
    if rec is not None and rec.disposed_at is not None:
        raise Conflict(f"asset {server.id} was disposed; it cannot be issued", field="server_id")
    if (custody := open_request_of(session, server.id)) is not None:
        raise Conflict(f"asset {server.id} is a unit's server in custody (request {custody.id}); the office "
                       "issues only its own assets", field="server_id")
    open_one = session.scalar(select(AssetIssue.id).where(AssetIssue.server_id == server.id,
                                                          AssetIssue.state != str(IssueState.closed)))
    if open_one:
        raise Conflict(f"asset {server.id} has an open issue ({open_one})", field="server_id", issue_id=open_one)
    to_unit = unit_by_code(session, body.to_unit, field="to_unit")
    case = AssetIssue(server_id=server.id, unit_id=to_unit.id, from_unit_id=server.unit_id,
                      recipient_name=body.recipient_name, recipient_nip=body.recipient_nip, purpose=body.purpose,
                      bast_number=body.bast_number)
    return cases.open_case(PROCEDURE, session, settings, user, case, move, body, data, now).case


def apply(session: Session, settings: Settings, user: User, issue_id: int, action: str,
          data: dict[str, Any] | None, now: datetime | None = None) -> AssetIssue:
    case = get_issue(session, user, issue_id)
    return runner.run(PROCEDURE, session, settings, case, action, role=user.role, actor=user.username, data=data,
                      user=user, now=now or utcnow()).case


def allowed_actions(user: User, case: AssetIssue) -> list[str]:
    return ISSUE.allowed_actions(case.state, user.role)


def _safe(number: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in number)[:80]


def _local_day(settings: Settings, now: datetime) -> date:
    return now.astimezone(ZoneInfo(settings.timezone)).date()


def _record(ctx: Ctx[AssetIssue]) -> None:
    if isinstance(ctx.body, InstallationReport):
        ctx.case.installed_on, ctx.case.report = ctx.body.installed_on, ctx.body.report


def _hand_to_user(ctx: Ctx[AssetIssue]) -> None:
    ctx.case.server.unit = ctx.session.get_one(Unit, ctx.case.unit_id)   # the relationship, so views name it
    ctx.session.flush()


def _issue_bast(ctx: Ctx[AssetIssue]) -> None:
    case, session, settings = ctx.case, ctx.session, ctx.settings
    server, rec = case.server, asset_record(session, case.server_id)
    unit = session.get_one(Unit, case.unit_id)
    giver = ctx.user
    kind = ITEM_KIND_LABELS.get(server.kind)   # type: ignore[call-overload]   # str keys: ItemKind is a StrEnum
    pdf = render_issue_bast_pdf(IssueBast(
        number=case.bast_number, office_name=settings.office_letterhead, place=settings.office_city,
        date=_local_day(settings, ctx.now), giver_name=giver.full_name if giver else ctx.actor,
        giver_nip=giver.nip if giver else None, giver_office=settings.office_name,
        recipient_name=case.recipient_name, recipient_nip=case.recipient_nip,
        recipient_unit=f"{unit.code} - {unit.name}", purpose=case.purpose,
        items=[IssuedItem(kind=kind.id if kind else server.kind, brand_model=f"{server.brand} {server.model}",
                          serial_number=server.serial_number, asset_code=rec.asset_code if rec else None,
                          nup=rec.nup if rec else None, condition=server.condition)]))
    doc = papers.store(session, kind="issue_bast", unit_id=unit.id, request_id=None,
                       filename=f"bast_{_safe(case.bast_number)}.pdf", content_type="application/pdf", content=pdf,
                       actor=ctx.actor)
    case.document_id = doc.id


def _store_installation_report(ctx: Ctx[AssetIssue]) -> None:
    case, session, settings, body = ctx.case, ctx.session, ctx.settings, ctx.body
    assert isinstance(body, InstallationReport)
    server = case.server
    unit = session.get_one(Unit, case.unit_id)
    reporter = ctx.user.full_name if ctx.user else ctx.actor
    pdf = render_installation_report_pdf(
        number=f"{case.bast_number}/INST", office_name=settings.office_letterhead, place=settings.office_city,
        day=_local_day(settings, ctx.now),
        rows=[("Berdasarkan BAST", "under handover record", case.bast_number),
              ("Barang", "asset", f"{server.brand} {server.model}"), ("Nomor seri", "serial", server.serial_number),
              ("Unit kerja", "unit", f"{unit.code} - {unit.name}"), ("Pengguna", "user", case.recipient_name),
              ("Tanggal instalasi", "installed on", body.installed_on.isoformat()),
              ("Instalasi dan konfigurasi", "installation and configuration", body.report)],
        parties=[("Pengguna Aset", reporter)])
    doc = papers.store(session, kind="install_report", unit_id=unit.id, request_id=None,
                       filename=f"instalasi_{_safe(case.bast_number)}.pdf", content_type="application/pdf",
                       content=pdf, actor=ctx.actor)
    case.report_document_id = doc.id


PROCEDURE: runner.Procedure[AssetIssue] = runner.Procedure(
    name="asset_issue", flow=ISSUE, model=AssetIssue, parse=lambda action, data: parse("asset_issue", action, data),
    step=cases.step_row(SPEC), record=_record,
    effects={"hand_to_user": _hand_to_user, "issue_bast": _issue_bast,
             "store_installation_report": _store_installation_report},
    tell=turns.Teller("Serah terima aset", "Asset issue", "/issues/{id}", ISSUE_LABELS))

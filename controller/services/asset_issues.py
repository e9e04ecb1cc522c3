"""Issuing assets to their user (SOP 001 Penggunaan dan Pemanfaatan): the office draws up one BAST
for one asset or a batch, both sides sign it in Titip, the user reports the installation and
configuration, the office receives the report.

Once both sides have signed, the assets are held by the user's unit (their register rows change
unit): the SOP makes them the user's responsibility, and the unit's contact person then sees them
as theirs. Until then they stay where they were, and the case is already the receiving unit's to
see, so its contact person can read what they are asked to sign.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..documents import letterhead
from ..documents.issue_form import IssueBast, IssuedItem, render_installation_report_pdf, render_issue_bast_pdf
from ..documents.letters import Frame, Signer
from ..documents.seal import sealer_of
from ..domain.issue_flow import ISSUE, ISSUE_DUE, ISSUE_LABELS, ISSUE_STEPS, SIDES, IssueState
from ..domain.lifecycle_flow import is_open
from ..domain.planning_flow import ITEM_KIND_LABELS
from ..errors import Conflict, Invalid, NotFound
from ..models import Document, Server, Unit, User
from ..models.base import utcnow
from ..models.planning import AssetIssue, AssetIssueItem, AssetIssueSignature
from ..settings import Settings
from . import letters, papers, procedure_cases as cases, runner, turns
from .access import unit_scope
from .custody import open_request_of
from .lifecycle import KINDS as LIFECYCLE_KINDS, asset_record
from .planning_payloads import InstallationReport, IssueAsset, SignBast, parse
from .runner import Ctx
from .servers import get_server
from .setup import unit_by_code

SPEC = cases.Spec("asset_issue", ISSUE, ISSUE_LABELS, ISSUE_STEPS, ISSUE_DUE)
_CLOSED = str(IssueState.closed)


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


def open_issue_of(session: Session, server_id: int) -> int | None:
    """The issue case not yet closed that lists the asset, if any."""
    return session.scalar(select(AssetIssue.id).join(AssetIssueItem, AssetIssueItem.issue_id == AssetIssue.id)
                          .where(AssetIssueItem.server_id == server_id, AssetIssue.state != _CLOSED))


def _asset_ids(body: IssueAsset) -> tuple[list[int], str]:
    """The assets named, and the field to name in an error: a batch, or one asset as before batches."""
    if body.server_ids is not None and body.server_id is not None:
        raise Invalid("give either server_ids (the assets on the BAST) or server_id (one asset), not both",
                      field="server_ids")
    if body.server_ids is not None:
        seen: set[int] = set()
        for n, sid in enumerate(body.server_ids):
            if sid in seen:
                raise Invalid(f"asset {sid} is listed twice", field=f"server_ids.{n}")
            seen.add(sid)
        return list(body.server_ids), "server_ids"
    if body.server_id is not None:
        return [body.server_id], "server_id"
    raise Invalid("give the assets on the BAST (server_ids)", field="server_ids")


def _name(server: Server) -> str:
    return f"asset {server.id} ({server.brand} {server.model}, SN {server.serial_number})"


def _lock(session: Session, server_ids: list[int]) -> None:
    """Take the assets' register rows until the transaction ends, in id order (so two batches that
    overlap cannot deadlock): a second BAST naming one of them waits for the first to commit, then
    finds it open and is refused. SQLite already serialises writers (``db.py``)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Server.id).where(Server.id.in_(server_ids)).order_by(Server.id).with_for_update())


def _require_available(session: Session, user: User, server_id: int, field: str) -> Server:
    """One asset the office may issue: in its register, not disposed, not a unit's server in
    custody, in no open lifecycle case and on no open BAST. Each refusal names the asset."""
    try:
        server = get_server(session, user, server_id)
    except NotFound as exc:
        raise NotFound(f"asset {server_id} not found", field=field) from exc
    rec = asset_record(session, server.id)
    if rec is not None and rec.disposed_at is not None:
        raise Conflict(f"{_name(server)} was disposed; it cannot be issued", field=field, server_id=server.id)
    if (custody := open_request_of(session, server.id)) is not None:
        raise Conflict(f"{_name(server)} is a unit's server in custody (request {custody.id}); the office "
                       "issues only its own assets", field=field, server_id=server.id)
    for kind, k in LIFECYCLE_KINDS.items():
        for case_id, state in session.execute(select(k.model.id, k.model.state).where(k.model.server_id == server.id)):
            if is_open(kind, state):
                raise Conflict(f"{_name(server)} has an open {kind} case ({case_id})", field=field,
                               server_id=server.id, case_id=case_id)
    if (open_one := open_issue_of(session, server.id)) is not None:
        raise Conflict(f"{_name(server)} has an open issue ({open_one})", field=field, server_id=server.id,
                       issue_id=open_one)
    return server


def _bast_number(session: Session, settings: Settings, given: str | None, now: datetime) -> str:
    """The register's next BAST number, or the one a BAST signed on paper carries: never one the
    register or another issue already holds, so the public check finds exactly one paper by it."""
    def taken(number: str) -> bool:
        return (session.scalar(select(Document.id).where(Document.number == number)) is not None
                or session.scalar(select(AssetIssue.id).where(AssetIssue.bast_number == number)) is not None)

    if given is not None:
        if taken(given.strip()):
            raise Conflict(f"bast_number: number {given.strip()} is already used in the register",
                           field="bast_number")
        return given.strip()
    number = letters.take_number(session, settings, "issue_bast", now)[0]
    while taken(number):   # a number given by hand earlier took this one: the register moves past it
        number = letters.take_number(session, settings, "issue_bast", now)[0]
    return number


def issue(session: Session, settings: Settings, user: User, data: dict[str, Any],
          now: datetime | None = None) -> AssetIssue:
    """Draw up the BAST of one asset or a batch for the receiving unit; nothing moves until both sign."""
    now = now or utcnow()
    move = cases.first_move(ISSUE, "issue", user, data)
    body = parse("asset_issue", "issue", data)
    assert isinstance(body, IssueAsset)
    ids, field = _asset_ids(body)
    _lock(session, ids)
    assets = [_require_available(session, user, sid, field if field == "server_id" else f"{field}.{n}")
              for n, sid in enumerate(ids)]
    to_unit = unit_by_code(session, body.to_unit, field="to_unit")
    case = AssetIssue(unit_id=to_unit.id, recipient_name=body.recipient_name, recipient_nip=body.recipient_nip,
                      purpose=body.purpose, bast_number=_bast_number(session, settings, body.bast_number, now))
    case.items = [AssetIssueItem(line_no=n, server_id=s.id, from_unit_id=s.unit_id)
                  for n, s in enumerate(assets, start=1)]
    return cases.open_case(PROCEDURE, session, settings, user, case, move, body, data, now).case


def apply(session: Session, settings: Settings, user: User, issue_id: int, action: str,
          data: dict[str, Any] | None, now: datetime | None = None) -> AssetIssue:
    case = get_issue(session, user, issue_id)
    return runner.run(PROCEDURE, session, settings, case, action, role=user.role, actor=user.username, data=data,
                      user=user, now=now or utcnow()).case


def allowed_actions(user: User, case: AssetIssue) -> list[str]:
    return ISSUE.allowed_actions(case.state, user.role)


def signatures_of(session: Session, case_id: int) -> list[AssetIssueSignature]:
    return list(session.scalars(select(AssetIssueSignature).where(AssetIssueSignature.issue_id == case_id)
                                .order_by(AssetIssueSignature.id)))


def _safe(number: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in number)[:80]


def _local_day(settings: Settings, now: datetime) -> date:
    return now.astimezone(ZoneInfo(settings.timezone)).date()


def _record(ctx: Ctx[AssetIssue]) -> None:
    if isinstance(ctx.body, InstallationReport):
        ctx.case.installed_on, ctx.case.report = ctx.body.installed_on, ctx.body.report
    elif isinstance(ctx.body, SignBast):
        # The table lets each side sign once (its half-signed state has no move of that side left);
        # the unique (issue, side) row is the database's word on it.
        ctx.session.add(AssetIssueSignature(
            issue_id=ctx.case.id, side=SIDES[ctx.move.action], username=ctx.actor, role=ctx.role,
            name=ctx.body.name, nip=ctx.body.nip, position=ctx.body.position, signed_at=ctx.now))
        ctx.session.flush()


def _hand_to_user(ctx: Ctx[AssetIssue]) -> None:
    unit = ctx.session.get_one(Unit, ctx.case.unit_id)
    for item in ctx.case.items:
        item.server.unit = unit   # the relationship, so views name it
    ctx.session.flush()


def _item(session: Session, server: Server) -> IssuedItem:
    rec = asset_record(session, server.id)
    kind = ITEM_KIND_LABELS.get(server.kind)   # type: ignore[call-overload]   # str keys: ItemKind is a StrEnum
    return IssuedItem(kind=kind.id if kind else server.kind, brand_model=f"{server.brand} {server.model}",
                      serial_number=server.serial_number, asset_code=rec.asset_code if rec else None,
                      nup=rec.nup if rec else None, condition=server.condition)


def _issue_bast(ctx: Ctx[AssetIssue]) -> None:
    """The BAST with both signatures, sealed by ``papers.store`` when the office has a seal."""
    case, session, settings = ctx.case, ctx.session, ctx.settings
    unit = session.get_one(Unit, case.unit_id)
    signed = {s.side: s for s in signatures_of(session, case.id)}

    def signer(side: str, role: str, office: str) -> Signer:
        s = signed[side]
        return Signer(role=role, title=s.position, name=s.name, nip=s.nip, unit=office, act="app",
                      username=s.username, at=s.signed_at)

    frame = Frame(letterhead=letterhead.from_settings(settings), number=case.bast_number,
                  date=_local_day(settings, ctx.now), place=settings.office_city,
                  timezone=papers.zone_label(settings.timezone, ctx.now), sealed=sealer_of(session) is not None,
                  verify_url=papers.verify_url(session, settings, case.bast_number))
    pdf = render_issue_bast_pdf(frame, IssueBast(
        giver=signer("giver", "Yang Menyerahkan", settings.office_name),
        recipient=signer("recipient", "Yang Menerima", unit.name), recipient_unit=f"{unit.name} ({unit.code})",
        user_name=case.recipient_name, user_nip=case.recipient_nip, purpose=case.purpose,
        items=[_item(session, item.server) for item in case.items]))
    doc = papers.store(session, kind="issue_bast", unit_id=unit.id, request_id=None,
                       filename=f"bast_{_safe(case.bast_number)}.pdf", content_type="application/pdf", content=pdf,
                       actor=ctx.actor, number=case.bast_number)
    case.document_id = doc.id


def _store_installation_report(ctx: Ctx[AssetIssue]) -> None:
    case, session, settings, body = ctx.case, ctx.session, ctx.settings, ctx.payload(InstallationReport)
    unit = session.get_one(Unit, case.unit_id)
    reporter = ctx.user.full_name if ctx.user else ctx.actor
    assets = "; ".join(f"{i.server.brand} {i.server.model} (SN {i.server.serial_number})" for i in case.items)
    pdf = render_installation_report_pdf(
        number=f"{case.bast_number}/INST", office_name=settings.office_letterhead, place=settings.office_city,
        day=_local_day(settings, ctx.now),
        rows=[("Berdasarkan BAST", "under handover record", case.bast_number),
              ("Barang", "assets", assets),
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

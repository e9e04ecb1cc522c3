"""Procurement against an approved needs item (SOP 001 Perencanaan Kebutuhan dan Penganggaran 5-6),
and the register rows of what arrives.

A procurement may only buy what the head approved: an approved item of a plan that is approved
(or already in the RKPD or sent to the finance office), and no more than its approved quantity
across all its procurements that are not cancelled.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..domain.planning_flow import (
    PROCUREMENT,
    PROCUREMENT_DUE,
    PROCUREMENT_LABELS,
    PROCUREMENT_STEPS,
    Decision,
    ProcurementState,
)
from ..errors import Conflict, Invalid, NotFound
from ..models import Server, User
from ..models.assets import AssetRecord
from ..models.base import utcnow
from ..models.planning import NeedsItem, NeedsPlan, ProcuredAsset, Procurement
from ..settings import Settings
from . import asset_kinds, procedure_cases as cases, procurement_report, runner, turns
from .access import unit_scope
from .common import flush_or_conflict
from .needs_plans import APPROVED_STATES
from .planning_payloads import ProcurementReport, Reason, Receive, StartProcurement, parse
from .runner import Ctx

SPEC = cases.Spec("procurement", PROCUREMENT, PROCUREMENT_LABELS, PROCUREMENT_STEPS, PROCUREMENT_DUE)


def get_procurement(session: Session, user: User, procurement_id: int) -> Procurement:
    p = session.get(Procurement, procurement_id)
    scope = unit_scope(user)
    if p is None or (scope is not None and p.unit_id != scope):
        raise NotFound(f"procurement {procurement_id} not found")
    return p


def list_stmt(user: User, state: str | None = None, plan_id: int | None = None) -> Select[Procurement]:
    stmt = select(Procurement).order_by(Procurement.id.desc())
    if (scope := unit_scope(user)) is not None:
        stmt = stmt.where(Procurement.unit_id == scope)
    if state:
        stmt = stmt.where(Procurement.state == state)
    if plan_id:
        stmt = stmt.where(Procurement.plan_id == plan_id)
    return stmt


def procured_quantity(session: Session, item_id: int, except_id: int | None = None) -> int:
    stmt = select(func.coalesce(func.sum(Procurement.quantity), 0)).where(
        Procurement.item_id == item_id, Procurement.state != str(ProcurementState.cancelled))
    if except_id is not None:
        stmt = stmt.where(Procurement.id != except_id)
    return int(session.scalar(stmt) or 0)


def start(session: Session, settings: Settings, user: User, data: dict[str, Any],
          now: datetime | None = None) -> Procurement:
    now = now or utcnow()
    move = cases.first_move(PROCUREMENT, "start", user, data)
    body = parse("procurement", "start", data)
    assert isinstance(body, StartProcurement)
    item = session.get(NeedsItem, body.item_id)
    if item is None:
        raise Invalid(f"item_id: needs item {body.item_id} does not exist", field="item_id")
    plan = session.get_one(NeedsPlan, item.plan_id)
    if plan.state not in APPROVED_STATES or item.decision != Decision.approved:
        raise Conflict(f"item {item.id} is not an approved item of an approved plan "
                       f"(plan {plan.id} is {plan.state}, the item {item.decision or 'undecided'})", field="item_id")
    left = item.quantity - procured_quantity(session, item.id)
    if body.quantity > left:
        raise Conflict(f"item {item.id} has {left} of {item.quantity} {item.uom} left to procure",
                       field="quantity", left=left)
    proc = Procurement(item_id=item.id, plan_id=plan.id, unit_id=plan.unit_id, method=body.method, vendor=body.vendor,
                       contract_number=body.contract_number, contract_date=body.contract_date,
                       contract_value=body.contract_value, quantity=body.quantity)
    return cases.open_case(PROCEDURE, session, settings, user, proc, move, body, data, now).case


def apply(session: Session, settings: Settings, user: User, procurement_id: int, action: str,
          data: dict[str, Any] | None, now: datetime | None = None) -> Procurement:
    p = get_procurement(session, user, procurement_id)
    return runner.run(PROCEDURE, session, settings, p, action, role=user.role, actor=user.username, data=data,
                      user=user, now=now or utcnow()).case


def allowed_actions(user: User, p: Procurement) -> list[str]:
    return PROCUREMENT.allowed_actions(p.state, user.role)


def assets_of(session: Session, procurement_id: int) -> list[Server]:
    return list(session.scalars(select(Server).join(ProcuredAsset, ProcuredAsset.server_id == Server.id)
                                .where(ProcuredAsset.procurement_id == procurement_id).order_by(Server.id)))


def _record(ctx: Ctx[Procurement]) -> None:
    p, body = ctx.case, ctx.body
    if isinstance(body, Receive):
        p.received_on, p.receipt_number = body.received_on, body.receipt_number
    elif isinstance(body, ProcurementReport):
        p.report = body.report
    elif isinstance(body, Reason):
        p.reject_reason = body.reason


def _create_assets(ctx: Ctx[Procurement]) -> None:
    """Each asset that arrived enters the register: the plan's unit holds it, the office owns it,
    acquired on the day received at the contract's price per piece."""
    body, p, session = ctx.body, ctx.case, ctx.session
    assert isinstance(body, Receive)
    if len(body.assets) > p.quantity:
        raise Invalid(f"assets: {len(body.assets)} received, but the contract is for {p.quantity}", field="assets")
    item = session.get_one(NeedsItem, p.item_id)
    price = (p.contract_value / p.quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    for n, a in enumerate(body.assets):
        taken = session.scalar(select(Server.id).where(Server.serial_number == a.serial_number))
        if taken:
            raise Conflict(f"serial number '{a.serial_number}' is already registered (server {taken})",
                           field=f"assets.{n}.serial_number")
        # The register's own rules for the kind (a laptop takes no rack space, a switch does).
        given: dict[str, Any] = {"kind": item.kind, **({"height_u": a.height_u} if a.height_u else {})}
        try:
            columns = asset_kinds.prepare(given, ctx.settings)
        except Invalid as exc:
            raise Invalid(f"assets.{n}.{exc.message}", field=f"assets.{n}.{exc.field}") from None
        columns.setdefault("height_u", a.height_u)
        server = Server(unit_id=p.unit_id, brand=a.brand, model=a.model, serial_number=a.serial_number,
                        power_w=a.power_w, condition="baik", **columns)
        session.add(server)
        flush_or_conflict(session, f"serial number '{a.serial_number}' is already registered", "assets")
        session.add(AssetRecord(server_id=server.id, asset_code=a.asset_code, nup=a.nup, owner="office",
                                acquired_on=body.received_on, acquisition_value=price, updated_by=ctx.actor))
        session.add(ProcuredAsset(procurement_id=p.id, server_id=server.id))
        flush_or_conflict(session, f"asset code {a.asset_code} with NUP {a.nup} is already registered", "assets")


def _issue_report(ctx: Ctx[Procurement]) -> None:
    """SOP 001 Perencanaan 5-6: the report move issues the laporan kegiatan pengadaan."""
    procurement_report.issue(ctx.session, ctx.settings, ctx.case, ctx.actor, ctx.role, ctx.now)


PROCEDURE: runner.Procedure[Procurement] = runner.Procedure(
    name="procurement", flow=PROCUREMENT, model=Procurement,
    parse=lambda action, data: parse("procurement", action, data), step=cases.step_row(SPEC), record=_record,
    effects={"create_assets": _create_assets, "issue_report": _issue_report},
    tell=turns.Teller("Pengadaan", "Procurement", "/procurements/{id}", PROCUREMENT_LABELS))

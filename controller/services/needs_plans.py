"""Needs planning (SOP 000 Perencanaan Kebutuhan Aset TIK, SOP 001 Perencanaan Kebutuhan dan
Penganggaran): a unit submits next year's needs, the office reviews, assesses and decides per item.

The table (``domain.planning_flow.NEEDS``) says which move is legal; this module checks the items
a move names against the plan, keeps what the actor gave and runs the move through the runner.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..documents.needs_plan_xlsx import ApprovedPlan, PlanRow
from ..domain.choices import Role
from ..domain.planning_flow import (
    ITEM_KIND_LABELS,
    NEEDS,
    NEEDS_DUE,
    NEEDS_LABELS,
    NEEDS_STEPS,
    Decision,
    ItemKind,
    NeedsState,
)
from ..errors import Forbidden, Invalid, NotFound
from ..models import User
from ..models.base import utcnow
from ..models.planning import NeedsItem, NeedsPlan
from ..settings import Settings
from . import procedure_cases as cases, runner, turns
from .access import unit_scope
from .planning_payloads import (
    Approve,
    Assess,
    ItemDecision,
    Reason,
    RecordRkpd,
    Resubmit,
    ReturnForRevision,
    Review,
    SendToFinance,
    SubmitPlan,
    parse,
)
from .runner import Ctx
from .setup import unit_by_code

SPEC = cases.Spec("needs_plan", NEEDS, NEEDS_LABELS, NEEDS_STEPS, NEEDS_DUE)
# Plans whose approved items count: in the regional plan and the finance office's export.
APPROVED_STATES = (NeedsState.approved, NeedsState.in_rkpd, NeedsState.sent)


def get_plan(session: Session, user: User, plan_id: int) -> NeedsPlan:
    """Another unit's plan does not exist for a contact person (404, as every unit-scoped case)."""
    plan = session.get(NeedsPlan, plan_id)
    scope = unit_scope(user)
    if plan is None or (scope is not None and plan.unit_id != scope):
        raise NotFound(f"needs plan {plan_id} not found")
    return plan


def list_stmt(user: User, state: str | None = None, budget_year: int | None = None) -> Select[NeedsPlan]:
    stmt = select(NeedsPlan).order_by(NeedsPlan.id.desc())
    if (scope := unit_scope(user)) is not None:
        stmt = stmt.where(NeedsPlan.unit_id == scope)
    if state:
        stmt = stmt.where(NeedsPlan.state == state)
    if budget_year:
        stmt = stmt.where(NeedsPlan.budget_year == budget_year)
    return stmt


def items_of(session: Session, plan_id: int) -> list[NeedsItem]:
    return list(session.scalars(select(NeedsItem).where(NeedsItem.plan_id == plan_id).order_by(NeedsItem.line_no)))


def submit(session: Session, settings: Settings, user: User, data: dict[str, Any],
           now: datetime | None = None) -> NeedsPlan:
    """A unit's plan (its contact person), or the office's own section's (an officer, for a unit)."""
    now = now or utcnow()
    move = cases.first_move(NEEDS, "submit", user, data)
    body = parse("needs_plan", "submit", data)
    assert isinstance(body, SubmitPlan)
    if user.role == Role.unit_contact:
        if body.unit_code is not None and (user.unit is None or body.unit_code != user.unit.code):
            raise Forbidden("a contact person submits needs for their own unit only", field="unit_code")
        unit_id = user.unit_id
    else:
        if body.unit_code is None:
            raise Invalid("unit_code: say which unit the needs are for", field="unit_code")
        unit_id = unit_by_code(session, body.unit_code).id
    plan = NeedsPlan(unit_id=unit_id, budget_year=body.budget_year, letter_number=body.letter_number,
                     letter_date=body.letter_date, title=body.title)
    ctx = cases.open_case(PROCEDURE, session, settings, user, plan, move, body, data, now)
    session.add_all(NeedsItem(plan_id=plan.id, line_no=n, kind=str(i.kind), description=i.description,
                              quantity=i.quantity, uom=i.uom, unit_price=i.unit_price, justification=i.justification)
                    for n, i in enumerate(body.items, start=1))
    session.flush()
    return ctx.case


def apply(session: Session, settings: Settings, user: User, plan_id: int, action: str, data: dict[str, Any] | None,
          now: datetime | None = None) -> NeedsPlan:
    plan = get_plan(session, user, plan_id)
    ctx = runner.run(PROCEDURE, session, settings, plan, action, role=user.role, actor=user.username,
                     data=data, user=user, now=now or utcnow())
    return ctx.case


def allowed_actions(user: User, plan: NeedsPlan) -> list[str]:
    return NEEDS.allowed_actions(plan.state, user.role)


# --- what each move keeps ----------------------------------------------------------------------

def _undecided(session: Session, plan: NeedsPlan) -> dict[int, NeedsItem]:
    return {i.id: i for i in items_of(session, plan.id) if i.decision is None}


def _covering(named: list[int], expected: dict[int, NeedsItem], what: str) -> None:
    """The move names every item still open, each once, and nothing else."""
    if len(set(named)) != len(named):
        raise Invalid(f"items: an item is named twice in the {what}", field="items")
    unknown = sorted(set(named) - set(expected))
    if unknown:
        raise Invalid(f"items: {unknown} are not open items of this plan", field="items")
    missing = sorted(set(expected) - set(named))
    if missing:
        raise Invalid(f"items: the {what} must cover items {missing} too", field="items")


def _record(ctx: Ctx[NeedsPlan]) -> None:
    plan, body, session = ctx.case, ctx.body, ctx.session
    if isinstance(body, Review):
        plan.findings = body.findings
    elif isinstance(body, Assess):
        open_items = _undecided(session, plan)
        _covering([a.id for a in body.items], open_items, "assessment")
        for a in body.items:
            open_items[a.id].recommended, open_items[a.id].assessment = a.recommended, a.assessment
    elif isinstance(body, Approve):
        plan.decision_number, plan.decided_by = body.decision_number, ctx.actor
    elif isinstance(body, Reason):
        plan.reject_reason = body.reason
    elif isinstance(body, RecordRkpd):
        plan.rkpd_reference = body.rkpd_reference
    elif isinstance(body, SendToFinance):
        plan.finance_letter_number, plan.simbada_reference = body.letter_number, body.simbada_reference


def _decide_items(ctx: Ctx[NeedsPlan]) -> None:
    body = ctx.body
    assert isinstance(body, Approve | ReturnForRevision)
    decisions: list[ItemDecision] = body.items
    open_items = _undecided(ctx.session, ctx.case)
    _covering([d.id for d in decisions], open_items, "decision")
    for d in decisions:
        open_items[d.id].decision, open_items[d.id].decision_note = str(d.decision), d.note


def _reject_items(ctx: Ctx[NeedsPlan]) -> None:
    for item in _undecided(ctx.session, ctx.case).values():
        item.decision = str(Decision.rejected)


def _revise_items(ctx: Ctx[NeedsPlan]) -> None:
    """The items marked for revision change as the unit says and go through review again;
    approved and rejected items stay as decided."""
    body = ctx.body
    assert isinstance(body, Resubmit)
    to_revise = {i.id: i for i in items_of(ctx.session, ctx.case.id) if i.decision == Decision.revise}
    for rev in body.items:
        item = to_revise.get(rev.id)
        if item is None:
            raise Invalid(f"items: item {rev.id} is not marked for revision", field="items")
        for name in ("description", "quantity", "unit_price", "justification"):
            if (value := getattr(rev, name)) is not None:
                setattr(item, name, value)
    for item in to_revise.values():
        item.decision = item.decision_note = item.recommended = item.assessment = None


PROCEDURE: runner.Procedure[NeedsPlan] = runner.Procedure(
    name="needs_plan", flow=NEEDS, model=NeedsPlan, parse=lambda action, data: parse("needs_plan", action, data),
    step=cases.step_row(SPEC), record=_record,
    effects={"decide_items": _decide_items, "reject_items": _reject_items, "revise_items": _revise_items},
    tell=turns.Teller("Rencana kebutuhan", "Needs plan", "/plans/{id}", NEEDS_LABELS))


# --- the regional plan: approved items -----------------------------------------------------------

def approved_items(session: Session, budget_year: int, unit_id: int | None = None) -> list[tuple[NeedsPlan, NeedsItem]]:
    """Every approved item of the year's approved plans (by unit, then plan, then line)."""
    stmt = (select(NeedsPlan, NeedsItem).join(NeedsItem, NeedsItem.plan_id == NeedsPlan.id)
            .where(NeedsPlan.budget_year == budget_year, NeedsPlan.state.in_([str(s) for s in APPROVED_STATES]),
                   NeedsItem.decision == str(Decision.approved))
            .order_by(NeedsPlan.unit_id, NeedsPlan.id, NeedsItem.line_no))
    if unit_id is not None:
        stmt = stmt.where(NeedsPlan.unit_id == unit_id)
    return [(p, i) for p, i in session.execute(stmt)]


def approved_plan(session: Session, settings: Settings, budget_year: int, unit_id: int | None = None,
                  now: datetime | None = None) -> ApprovedPlan:
    """The year's approved needs as the finance office's sheet takes them, signed by the head."""
    from zoneinfo import ZoneInfo

    head = session.scalar(select(User).where(User.role == Role.head, User.is_active.is_(True)).order_by(User.id))
    rows = [PlanRow(unit=f"{p.unit.code} - {p.unit.name}", program=p.rkpd_reference,
                    kind=ITEM_KIND_LABELS[ItemKind(i.kind)].id, description=i.description, quantity=i.quantity,
                    uom=i.uom, unit_price=i.unit_price, justification=i.justification, approval=p.decision_number,
                    remark=NEEDS_LABELS[NeedsState(p.state)].id)
            for p, i in approved_items(session, budget_year, unit_id)]
    day = (now or utcnow()).astimezone(ZoneInfo(settings.timezone)).date()
    return ApprovedPlan(budget_year=budget_year, office_name=settings.office_letterhead, place=settings.office_city,
                        day=day, head_name=head.full_name if head else None, head_nip=head.nip if head else None,
                        rows=rows)

"""Needs planning, procurement and issuing assets to users over HTTP (SOPs 000 and 001).

Each procedure has the shape of the others: ``POST`` opens a case, ``GET`` reads, and
``POST .../actions/{action}`` takes one move, one route per move so each has its typed body. The
engine answers a wrong role with 403 (and the roles that may), a move the state does not allow with
409 (and the moves that are left); another unit's case is a 404.

(No ``from __future__ import annotations`` here: the action routes are made in a loop, and FastAPI
must see each one's body model as an object, not as a name to look up.)
"""

import inspect
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import BaseModel

from ...documents.needs_plan_xlsx import render_plan_xlsx
from ...domain.issue_flow import IssueState
from ...domain.planning_flow import NeedsState, ProcurementState
from ...errors import NotFound
from ...services import asset_issues, needs_plans, planning_view, procurements
from ...services.access import unit_scope
from ...services.common import page
from ...services.planning_payloads import PAYLOADS, IssueAsset, StartProcurement, SubmitPlan
from ...services.setup import unit_by_code
from ..deps import CurrentUser, Id, PagingDep, SessionDep, SettingsDep
from ..planning_schemas import IssueOut, IssuePage, NeedsPlanOut, PlanPage, ProcurementOut, ProcurementPage
from ..unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, tags=["planning"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _data(body: BaseModel | None) -> dict[str, Any]:
    """What the caller sent, as the runner validates it again and the step row keeps it."""
    return body.model_dump(mode="json", exclude_unset=True) if body is not None else {}


# --- needs plans ---------------------------------------------------------------------------------

@router.post("/needs-plans", status_code=201, response_model=NeedsPlanOut)
def submit_plan(body: SubmitPlan, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> dict[str, Any]:
    """A unit's needs for a budget year (its contact person; an officer names `unit_code`)."""
    plan = needs_plans.submit(db, settings, user, _data(body))
    out = planning_view.plan_view(db, settings, user, plan)
    return out


@router.get("/needs-plans", response_model=PlanPage)
def list_plans(db: SessionDep, settings: SettingsDep, user: CurrentUser, paging: PagingDep,
               state: Annotated[NeedsState | None, Query()] = None,
               budget_year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> dict[str, Any]:
    items, total = page(db, needs_plans.list_stmt(user, state, budget_year), paging.offset, paging.limit)
    out = [planning_view.plan_view(db, settings, user, p) for p in items]
    return {"items": out, "total": total, "offset": paging.offset, "limit": paging.limit}


@router.get("/needs-plans/approved/{budget_year}.xlsx", response_class=Response,
            responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
def approved_plan_xlsx(budget_year: Annotated[int, Path(ge=2000, le=2100)], db: SessionDep, settings: SettingsDep,
                       user: CurrentUser, unit_code: Annotated[str | None, Query(max_length=32)] = None) -> Response:
    """The year's approved needs in the finance office's RKBMD layout; a contact person gets their unit's."""
    unit_id = unit_by_code(db, unit_code).id if unit_code else None
    scope = unit_scope(user)
    if scope is not None:
        if unit_id is not None and unit_id != scope:
            raise NotFound(f"unit {unit_code} not found", field="unit_code")
        unit_id = scope
    content = render_plan_xlsx(needs_plans.approved_plan(db, settings, budget_year, unit_id))
    name = f"rkbmd_tik_{budget_year}{'_' + unit_code if unit_code else ''}.xlsx"
    return Response(content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/needs-plans/{plan_id}", response_model=NeedsPlanOut)
def get_plan(plan_id: Id, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> dict[str, Any]:
    out = planning_view.plan_view(db, settings, user, needs_plans.get_plan(db, user, plan_id))
    return out


# --- procurements --------------------------------------------------------------------------------

@router.post("/procurements", status_code=201, response_model=ProcurementOut)
def start_procurement(body: StartProcurement, db: SessionDep, settings: SettingsDep,
                      user: CurrentUser) -> dict[str, Any]:
    """Procurement of an approved needs item (officer)."""
    p = procurements.start(db, settings, user, _data(body))
    out = planning_view.procurement_view(db, settings, user, p)
    return out


@router.get("/procurements", response_model=ProcurementPage)
def list_procurements(db: SessionDep, settings: SettingsDep, user: CurrentUser, paging: PagingDep,
                      state: Annotated[ProcurementState | None, Query()] = None,
                      plan_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> dict[str, Any]:
    items, total = page(db, procurements.list_stmt(user, state, plan_id), paging.offset, paging.limit)
    out = [planning_view.procurement_view(db, settings, user, p) for p in items]
    return {"items": out, "total": total, "offset": paging.offset, "limit": paging.limit}


@router.get("/procurements/{procurement_id}", response_model=ProcurementOut)
def get_procurement(procurement_id: Id, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> dict[str, Any]:
    out = planning_view.procurement_view(db, settings, user, procurements.get_procurement(db, user, procurement_id))
    return out


# --- issues to users -----------------------------------------------------------------------------

@router.post("/asset-issues", status_code=201, response_model=IssueOut)
def issue_asset(body: IssueAsset, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> dict[str, Any]:
    """Hand an asset to its user with a BAST (officer); the PDF is among the answer's documents."""
    case = asset_issues.issue(db, settings, user, _data(body))
    out = planning_view.issue_view(db, settings, user, case)
    return out


@router.get("/asset-issues", response_model=IssuePage)
def list_issues(db: SessionDep, settings: SettingsDep, user: CurrentUser, paging: PagingDep,
                state: Annotated[IssueState | None, Query()] = None) -> dict[str, Any]:
    items, total = page(db, asset_issues.list_stmt(user, state), paging.offset, paging.limit)
    out = [planning_view.issue_view(db, settings, user, c) for c in items]
    return {"items": out, "total": total, "offset": paging.offset, "limit": paging.limit}


@router.get("/asset-issues/{issue_id}", response_model=IssueOut)
def get_issue(issue_id: Id, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> dict[str, Any]:
    out = planning_view.issue_view(db, settings, user, asset_issues.get_issue(db, user, issue_id))
    return out


# --- one route per move ----------------------------------------------------------------------------

_CASES: dict[str, tuple[str, str, str, Callable[..., Any], Callable[..., dict[str, Any]], type[BaseModel]]] = {
    "needs_plan": ("/needs-plans/{plan_id}", "plan_id", "submit", needs_plans.apply, planning_view.plan_view,
                   NeedsPlanOut),
    "procurement": ("/procurements/{procurement_id}", "procurement_id", "start", procurements.apply,
                    planning_view.procurement_view, ProcurementOut),
    "asset_issue": ("/asset-issues/{issue_id}", "issue_id", "issue", asset_issues.apply, planning_view.issue_view,
                    IssueOut),
}


def _action_route(kind: str, action: str, model: type[BaseModel]) -> None:
    """``POST {case}/actions/{action}`` with the action's own body model; the case id keeps its
    resource's name (``plan_id``...), so the route is declared through its signature."""
    path, id_name, _, apply, view, out_model = _CASES[kind]
    optional = not any(f.is_required() for f in model.model_fields.values())
    body_type: Any = Annotated[model | None, Body()] if optional else Annotated[model, Body()]

    def act(**kw: Any) -> dict[str, Any]:
        db, settings, user = kw["db"], kw["settings"], kw["user"]
        case = apply(db, settings, user, kw[id_name], action, _data(kw.get("body")))
        out = view(db, settings, user, case)
        return out

    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [inspect.Parameter(id_name, keyword, annotation=Id),
              inspect.Parameter("db", keyword, annotation=SessionDep),
              inspect.Parameter("settings", keyword, annotation=SettingsDep),
              inspect.Parameter("user", keyword, annotation=CurrentUser),
              inspect.Parameter("body", keyword, annotation=body_type, default=None if optional else inspect._empty)]
    act.__signature__ = inspect.Signature(params, return_annotation=dict[str, Any])  # type: ignore[attr-defined]
    act.__name__ = f"{kind}_{action}"
    router.add_api_route(f"{path}/actions/{action}", act, methods=["POST"], response_model=out_model,
                         name=f"{kind}_{action}", summary=f"{kind.replace('_', ' ')}: {action.replace('_', ' ')}")


for _kind, (_path, _id, _opening, *_rest) in _CASES.items():
    for _action, _model in PAYLOADS[_kind].items():
        if _action != _opening:
            _action_route(_kind, _action, _model)

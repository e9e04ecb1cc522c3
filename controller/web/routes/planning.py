"""Needs plans, procurements and issues to users as pages (SOPs 000 and 001).

Every rule stays in the services (and the tables in ``domain.planning_flow`` / ``issue_flow``), as
for the API; this module turns forms into the services' data and their errors into messages.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from ...api.deps import Id
from ...documents.asset_card import rupiah
from ...documents.needs_plan_xlsx import render_plan_xlsx
from ...domain.choices import Role
from ...domain.issue_flow import ISSUE, ISSUE_LABELS, SIDES
from ...domain.planning_flow import (
    DECISION_LABELS,
    ITEM_KIND_LABELS,
    NEEDS,
    NEEDS_LABELS,
    PROCUREMENT,
    PROCUREMENT_LABELS,
    Decision,
    ItemKind,
)
from ...domain.workflow import RoleNotAllowed
from ...models import Unit
from ...services import asset_issues, needs_plans, planning_view, procurements, servers
from ...services.common import page as page_of
from .. import forms
from ..actions import Refusal, act, change
from ..deps import FormDep, SessionDep, SettingsDep, WebUser
from ..i18n import N_, label
from ..render import gettext_for, page
from ..route import web_router
from ..session import flash, lang_of

router = web_router()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ITEM_ROWS = 6        # blank item rows on the new-plan form
ASSET_ROWS = 4       # blank asset rows on the receive form

ACTIONS: dict[str, str] = {
    "submit": N_("Needs plan submitted"),
    "disposition": N_("Disposition to the division head"),
    "review": N_("Review the needs"),
    "assess": N_("Assess each item"),
    "approve": N_("Approve"),
    "return_for_revision": N_("Return for revision"),
    "reject": N_("Reject the plan"),
    "resubmit": N_("Resubmit the revised items"),
    "record_rkpd": N_("Record the entry in the RKPD"),
    "send_to_finance": N_("Record sending to the finance office"),
    "start": N_("Procurement started"),
    "receive": N_("Record the goods received"),
    "report": N_("Activity report"),
    "cancel": N_("Cancel the procurement"),
    "issue": N_("BAST drawn up for the user"),
    "sign_as_giver": N_("Sign the BAST for the office (first party)"),
    "sign_as_recipient": N_("Sign the BAST as the recipient (second party)"),
    "report_installation": N_("Report installation and configuration"),
    "acknowledge": N_("Receive the installation report"),
}


def see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def words(request: Request) -> dict[str, Any]:
    """Template helpers: state badges, item kinds, decisions and action names in the reader's language."""
    gt, lang = gettext_for(request), lang_of(request)

    def badge(labels: dict[Any, Any], value: str | None) -> dict[str, str]:
        lbl = labels.get(value) if value else None
        return {"text": label(lbl, lang), "colour": lbl.colour} if lbl else {"text": value or "—", "colour": "grey"}

    return {"plan_state": lambda v: badge(NEEDS_LABELS, v), "proc_state": lambda v: badge(PROCUREMENT_LABELS, v),
            "issue_state": lambda v: badge(ISSUE_LABELS, v), "decision": lambda v: badge(DECISION_LABELS, v),
            "kind_text": lambda v: badge(ITEM_KIND_LABELS, v)["text"], "rupiah": rupiah,
            "act_text": lambda v: gt(ACTIONS[v]) if v in ACTIONS else v,
            "kinds": [(k.value, label(ITEM_KIND_LABELS[k], lang)) for k in ItemKind],
            "decisions": [(d.value, label(DECISION_LABELS[d], lang)) for d in Decision]}


def _item_rows(form: FormData, rows: int, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """Numbered rows of a form (``description_1``, ``quantity_1``...); a row left blank is skipped."""
    out = []
    for n in range(1, rows + 1):
        row = {f: forms.text(form, f"{f}_{n}") for f in fields}
        if any(v is not None for v in row.values()):
            out.append({k: v for k, v in row.items() if v is not None})
    return out


def _ids(form: FormData, prefix: str) -> list[int]:
    return sorted(int(k[len(prefix):]) for k in form if k.startswith(prefix) and k[len(prefix):].isdigit())


def plan_action_data(action: str, form: FormData) -> dict[str, Any]:
    """The body of a plan's move as the service takes it (the service validates the values)."""
    data: dict[str, Any] = {"note": forms.text(form, "note")}
    if action == "review":
        data.update(findings=forms.text(form, "findings"), forward=form.get("forward") == "1"
                    if form.get("forward") in ("0", "1") else None)
    elif action == "assess":
        data["items"] = [{"id": i, "recommended": form.get(f"recommended_{i}") == "1",
                          "assessment": forms.text(form, f"assessment_{i}")} for i in _ids(form, "item_")]
    elif action in ("approve", "return_for_revision"):
        data["items"] = [{"id": i, "decision": forms.text(form, f"decision_{i}"),
                          "note": forms.text(form, f"decision_note_{i}")} for i in _ids(form, "item_")]
        if action == "approve":
            data["decision_number"] = forms.text(form, "decision_number")
    elif action == "reject":
        data["reason"] = forms.text(form, "reason")
    elif action == "resubmit":
        data["items"] = [{"id": i, **{f: forms.text(form, f"{f}_{i}") for f in ("quantity", "unit_price")}}
                         for i in _ids(form, "item_")]
    elif action in ("record_rkpd", "send_to_finance"):
        for name in ("rkpd_reference", "letter_number", "simbada_reference", "on_behalf_of"):
            data[name] = forms.text(form, name)
    return _clean(data)


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        if isinstance(v, list):
            out[k] = [{a: b for a, b in row.items() if b is not None} for row in v]
        elif v is not None:
            out[k] = v
    return out


# --- needs plans ---------------------------------------------------------------------------------

@router.get("/plans")
def list_plans(request: Request, db: SessionDep, settings: SettingsDep, user: WebUser) -> Response:
    """Needs plans the caller may see (a contact person: their unit's), newest first."""
    found, total = page_of(db, needs_plans.list_stmt(user), 0, 200)
    rows = [planning_view.plan_view(db, settings, user, p) for p in found]
    years = sorted({r["budget_year"] for r in rows}, reverse=True)
    db.commit()
    can_submit = "submit" in NEEDS.allowed_actions(None, user.role)
    return page(request, "plans.html", rows=rows, total=total, years=years, can_submit=can_submit, **words(request))


def _units(db: Any, user: Any) -> list[Unit]:
    return list(db.scalars(select(Unit).order_by(Unit.code))) if user.role != Role.unit_contact else []


@router.get("/plans/approved/{budget_year}.xlsx")
def approved_plan_xlsx(budget_year: Id, db: SessionDep, settings: SettingsDep, user: WebUser) -> Response:
    """The same sheet as the API's, for a browser session (a contact person: their unit's rows)."""
    from ...services.access import unit_scope

    content = render_plan_xlsx(needs_plans.approved_plan(db, settings, budget_year, unit_scope(user)))
    db.commit()
    return Response(content, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="rkbmd_tik_{budget_year}.xlsx"'})


@router.get("/plans/new")
def new_plan(request: Request, db: SessionDep, user: WebUser) -> Response:
    units = _units(db, user)
    db.commit()
    return page(request, "plan_new.html", values={}, units=units, item_rows=ITEM_ROWS, **words(request))


@router.post("/plans")
def submit_plan(request: Request, form: FormDep, db: SessionDep, settings: SettingsDep, user: WebUser) -> Response:
    _ = gettext_for(request)

    def work() -> int:
        data: dict[str, Any] = {"budget_year": forms.number(form, "budget_year"),
                                "letter_number": forms.text(form, "letter_number"),
                                "letter_date": forms.text(form, "letter_date"), "title": forms.text(form, "title"),
                                "unit_code": forms.text(form, "unit_code"),
                                "items": _item_rows(form, ITEM_ROWS, ("kind", "description", "quantity", "uom",
                                                                      "unit_price", "justification"))}
        return needs_plans.submit(db, settings, user, {k: v for k, v in data.items() if v is not None}).id

    outcome = change(request, db, work, passes=(RoleNotAllowed,))
    if isinstance(outcome, Refusal):
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return page(request, "plan_new.html", status_code=422, error=(outcome.message, outcome.detail),
                    values=values, units=_units(db, user), item_rows=ITEM_ROWS, **words(request))
    plan_id = outcome
    flash(request, "success", _("Needs plan #%(id)s has been submitted.") % {"id": plan_id})
    return see_other(f"/plans/{plan_id}")


@router.get("/plans/{plan_id}")
def show_plan(plan_id: Id, request: Request, db: SessionDep, settings: SettingsDep, user: WebUser) -> Response:
    plan = needs_plans.get_plan(db, user, plan_id)   # another unit's plan is a 404
    view = planning_view.plan_view(db, settings, user, plan)
    db.commit()
    can_procure = "start" in PROCUREMENT.allowed_actions(None, user.role)
    return page(request, "plan.html", p=view, can_procure=can_procure, **words(request))


def _act(request: Request, db: Any, back: str, action: str, run: Any) -> Response:
    """Take the move; a refusal is a message on the case's page, naming the step and why."""
    _ = gettext_for(request)
    w = words(request)
    return act(request, db, run, back, _("%(action)s: done.") % {"action": w["act_text"](action)},
               what=w["act_text"](action))


@router.post("/plans/{plan_id}/actions/{action}")
def plan_action(plan_id: Id, action: str, request: Request, form: FormDep, db: SessionDep, settings: SettingsDep,
                user: WebUser) -> Response:
    return _act(request, db, f"/plans/{plan_id}", action, lambda: needs_plans.apply(
        db, settings, user, plan_id, action, plan_action_data(action, form)))


# --- procurements --------------------------------------------------------------------------------

@router.get("/procurements")
def list_procurements(request: Request, db: SessionDep, settings: SettingsDep, user: WebUser) -> Response:
    found, total = page_of(db, procurements.list_stmt(user), 0, 200)
    rows = [planning_view.procurement_view(db, settings, user, p) for p in found]
    db.commit()
    return page(request, "procurements.html", rows=rows, total=total, **words(request))


@router.post("/procurements")
def start_procurement(request: Request, form: FormDep, db: SessionDep, settings: SettingsDep,
                      user: WebUser) -> Response:
    """Started from a plan's approved item (officer)."""
    _ = gettext_for(request)
    item_id = forms.number(form, "item_id")
    plan_id = forms.number(form, "plan_id")

    def work() -> int:
        data = {"item_id": item_id, "method": forms.text(form, "method"), "vendor": forms.text(form, "vendor"),
                **{k: forms.text(form, k) for k in ("contract_number", "contract_date", "contract_value")},
                "quantity": forms.number(form, "quantity")}
        return procurements.start(db, settings, user, {k: v for k, v in data.items() if v is not None}).id

    outcome = change(request, db, work, passes=(RoleNotAllowed,))
    if isinstance(outcome, Refusal):
        flash(request, "error", f"{_('Start a procurement')}: {outcome.message}", outcome.detail)
        return see_other(f"/plans/{plan_id}" if plan_id else "/plans")
    pid = outcome
    flash(request, "success", _("Procurement #%(id)s has been started.") % {"id": pid})
    return see_other(f"/procurements/{pid}")


@router.get("/procurements/{procurement_id}")
def show_procurement(procurement_id: Id, request: Request, db: SessionDep, settings: SettingsDep,
                     user: WebUser) -> Response:
    view = planning_view.procurement_view(db, settings, user, procurements.get_procurement(db, user, procurement_id))
    db.commit()
    return page(request, "procurement.html", p=view, asset_rows=ASSET_ROWS, **words(request))


@router.post("/procurements/{procurement_id}/actions/{action}")
def procurement_action(procurement_id: Id, action: str, request: Request, form: FormDep, db: SessionDep,
                       settings: SettingsDep, user: WebUser) -> Response:
    data: dict[str, Any] = {"note": forms.text(form, "note")}
    if action == "receive":
        data.update(received_on=forms.text(form, "received_on"), receipt_number=forms.text(form, "receipt_number"),
                    assets=_item_rows(form, ASSET_ROWS, ("brand", "model", "serial_number", "height_u", "power_w",
                                                         "asset_code", "nup")))
    elif action == "report":
        data["report"] = forms.text(form, "report")
    elif action == "cancel":
        data["reason"] = forms.text(form, "reason")
    return _act(request, db, f"/procurements/{procurement_id}", action, lambda: procurements.apply(
        db, settings, user, procurement_id, action, _clean(data)))


# --- issues to users -----------------------------------------------------------------------------

@router.get("/issues")
def list_issues(request: Request, db: SessionDep, settings: SettingsDep, user: WebUser) -> Response:
    found, total = page_of(db, asset_issues.list_stmt(user), 0, 200)
    rows = [planning_view.issue_view(db, settings, user, c) for c in found]
    db.commit()
    can_issue = "issue" in ISSUE.allowed_actions(None, user.role)
    return page(request, "issues.html", rows=rows, total=total, can_issue=can_issue, **words(request))


def _issue_form(request: Request, db: Any, user: Any, status: int = 200, **extra: Any) -> Response:
    assets = list(db.scalars(servers.list_servers_stmt(user)))
    units = _units(db, user)
    return page(request, "issue_new.html", status_code=status, assets=assets, units=units, **extra)


@router.get("/issues/new")
def new_issue(request: Request, db: SessionDep, user: WebUser) -> Response:
    """The BAST form; ``?server_id=`` ticks an asset (the register's "issue" link), once or several times."""
    out = _issue_form(request, db, user, values={}, chosen=set(request.query_params.getlist("server_id")))
    db.commit()
    return out


@router.post("/issues")
def issue_asset(request: Request, form: FormDep, db: SessionDep, settings: SettingsDep, user: WebUser) -> Response:
    _ = gettext_for(request)

    def work() -> int:
        chosen = [v for v in form.getlist("server_ids") if isinstance(v, str) and v.strip()]
        data = {"server_ids": chosen or None, "to_unit": forms.text(form, "to_unit"),
                "recipient_name": forms.text(form, "recipient_name"),
                "recipient_nip": forms.text(form, "recipient_nip"), "purpose": forms.text(form, "purpose"),
                "bast_number": forms.text(form, "bast_number"), "note": forms.text(form, "note")}
        return asset_issues.issue(db, settings, user, {k: v for k, v in data.items() if v is not None}).id

    outcome = change(request, db, work, passes=(RoleNotAllowed,))
    if isinstance(outcome, Refusal):
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        chosen = {v for v in form.getlist("server_ids") if isinstance(v, str)}
        return _issue_form(request, db, user, 422, error=(outcome.message, outcome.detail), values=values,
                           chosen=chosen)
    cid = outcome
    flash(request, "success", _("The BAST has been drawn up; both sides now sign it."))
    return see_other(f"/issues/{cid}")


@router.get("/issues/{issue_id}")
def show_issue(issue_id: Id, request: Request, db: SessionDep, settings: SettingsDep, user: WebUser) -> Response:
    view = planning_view.issue_view(db, settings, user, asset_issues.get_issue(db, user, issue_id))
    db.commit()
    return page(request, "issue.html", c=view, **words(request))


@router.post("/issues/{issue_id}/actions/{action}")
def issue_action(issue_id: Id, action: str, request: Request, form: FormDep, db: SessionDep, settings: SettingsDep,
                 user: WebUser) -> Response:
    data: dict[str, Any] = {"note": forms.text(form, "note")}
    if action == "report_installation":
        data.update(installed_on=forms.text(form, "installed_on"), report=forms.text(form, "report"))
    elif action in SIDES:
        data.update({k: forms.text(form, k) for k in ("name", "nip", "position")})
    return _act(request, db, f"/issues/{issue_id}", action, lambda: asset_issues.apply(
        db, settings, user, issue_id, action, _clean(data)))


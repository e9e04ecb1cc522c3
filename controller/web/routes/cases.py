"""Maintenance, transfer and disposal cases as pages: the open ones, opening one, its page with
a form for each step the reader may take, and a server's condition changed with a reason.

Every move goes to `services.lifecycle` exactly as the API's does (the table decides who may do
what, when); this module only turns forms into its data and its refusals into messages.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from ...api.deps import Id
from ...domain.choices import CONDITION_LABELS, Condition
from ...domain.lifecycle_flow import (
    DISPOSAL_METHOD_LABELS,
    FLOWS,
    KIND_LABELS,
    LABELS,
    DisposalMethod,
    is_open,
    service_time,
)
from ...domain.workflow import RoleNotAllowed
from ...errors import Invalid, NotFound
from ...models import Unit, User
from ...models.assets import LifecycleStep, MaintenancePart, TransferCase
from ...services import case_letters, condition, lifecycle
from ...services.servers import get_server
from .. import views
from ..actions import Refusal, change
from ..case_forms import case_data
from ..deps import FormDep, SessionDep, SettingsDep, WebUser
from ..i18n import N_, label
from ..render import gettext_for, page
from ..route import web_router
from ..session import flash, lang_of
from .assets import open_cases

router = web_router()
CONDITION_SETTERS = frozenset(str(r) for r in condition.MAY_SET)

# The steps of the three procedures, for buttons, timelines and messages.
STEPS: dict[str, str] = {
    "request": N_("Case opened"),
    "issue_memo": N_("Send the memo (nota dinas) to the division head"),
    "approve": N_("Approve"),
    "reject": N_("Reject"),
    "assign": N_("Issue the assignment letter"),
    "record_work": N_("Record the work done"),
    "report": N_("Close with the activity report"),
    "record_transfer": N_("Record the transfer"),
    "review": N_("Review the requirements"),
    "record_regent_approval": N_("Record the regent's approval"),
    "record_wipe": N_("Record the data backup and wipe"),
    "hand_over": N_("Hand over to the property manager"),
    "dispose": N_("Remove from the register"),
}
MAINTENANCE_KINDS: dict[str, str] = {"maintenance": N_("Maintenance"), "repair": N_("Repair")}


def see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def _kind(kind: str) -> str:
    if kind not in FLOWS:
        raise NotFound(f"no procedure {kind}")
    return kind


def _case_url(kind: str, case_id: int) -> str:
    return f"/cases/{kind}/{case_id}"


def _globals(request: Request) -> dict[str, Any]:
    _ = gettext_for(request)
    lang = lang_of(request)
    return {"step_label": lambda a: _(STEPS[a]) if a in STEPS else a,
            "kind_label": lambda k: label(KIND_LABELS[k], lang),
            "method_label": lambda m: label(DISPOSAL_METHOD_LABELS[DisposalMethod(m)], lang)
            if m in set(DisposalMethod) else m,
            "maintenance_kind": lambda k: _(MAINTENANCE_KINDS[k]) if k in MAINTENANCE_KINDS else k,
            "conditions": [(c.value, label(CONDITION_LABELS[c], lang)) for c in Condition],
            "methods": [(m.value, label(DISPOSAL_METHOD_LABELS[m], lang)) for m in DisposalMethod],
            "maintenance_kinds": MAINTENANCE_KINDS}


def server_cases(db: Session, user: User, server_id: int, lang: str) -> list[dict[str, Any]]:
    """The server's cases of every procedure, newest first, for its page."""
    rows: list[dict[str, Any]] = []
    for kind in FLOWS:
        for case in db.scalars(lifecycle.list_stmt(user, kind, server_id=server_id)):
            state = LABELS[kind].get(case.state)
            rows.append({"kind": kind, "kind_label": label(KIND_LABELS[kind], lang), "id": case.id,
                         "open": is_open(kind, case.state), "state_since": case.state_since,
                         "state_label": {"text": label(state, lang) if state else case.state,
                                         "colour": state.colour if state else "grey"}})
    return sorted(rows, key=lambda r: r["state_since"], reverse=True)


def may_open(user: User) -> list[str]:
    """The procedures the reader may open a case of (the tables' first rows)."""
    return [kind for kind, flow in FLOWS.items() if flow.allowed_actions(None, user.role)]


@router.get("/cases")
def list_cases(request: Request, db: SessionDep, settings: SettingsDep, user: WebUser) -> Response:
    """Every case still under way the reader may see (their unit's only, for a contact person)."""
    out = page(request, "cases.html", cases=open_cases(db, settings, user, lang_of(request)), **_globals(request))
    db.commit()
    return out


@router.get("/cases/new")
def new_case(request: Request, db: SessionDep, user: WebUser,
             kind: Annotated[str, Query(max_length=16)] = "maintenance",
             server_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> Response:
    """The form that opens a case; the role check is the table's (one that may not gets a 403)."""
    kind = _kind(kind)
    if not FLOWS[kind].allowed_actions(None, user.role):
        raise RoleNotAllowed("request", user.role,
                             sorted(r for t in FLOWS[kind].transitions if t.action == "request" for r in t.roles))
    server = get_server(db, user, server_id) if server_id else None
    units = list(db.scalars(select(Unit).order_by(Unit.code)))
    out = page(request, "case_new.html", kind=kind, server=server, units=units, values={}, **_globals(request))
    db.commit()
    return out


@router.post("/cases/{kind}")
def open_case(kind: str, request: Request, form: FormDep, db: SessionDep, settings: SettingsDep,
              user: WebUser) -> Response:
    _ = gettext_for(request)
    kind = _kind(kind)
    outcome = change(request, db, lambda: lifecycle.open_case(
        db, settings, user, kind, case_data(kind, "request", form, settings.timezone)).id, passes=(RoleNotAllowed,))
    if isinstance(outcome, Refusal):
        flash(request, "error", f"{_(STEPS['request'])}: {outcome.message}", outcome.detail)
        server = form.get("server_id")
        return see_other(f"/cases/new?kind={kind}" + (f"&server_id={server}" if isinstance(server, str)
                                                       and server.isdigit() else ""))
    case_id = outcome
    flash(request, "success", _("%(kind)s #%(id)s has been opened.")
          % {"kind": label(KIND_LABELS[kind], lang_of(request)), "id": case_id})
    return see_other(_case_url(kind, case_id))


@router.get("/cases/{kind}/{case_id}")
def show_case(kind: str, case_id: Id, request: Request, db: SessionDep, settings: SettingsDep,
              user: WebUser) -> Response:
    kind = _kind(kind)
    case = lifecycle.get_case(db, user, kind, case_id)
    lang = lang_of(request)
    state = LABELS[kind].get(case.state)
    steps = list(db.scalars(select(LifecycleStep).where(LifecycleStep.kind == kind, LifecycleStep.case_id == case.id)
                            .order_by(LifecycleStep.id)))
    parts = list(db.scalars(select(MaintenancePart).where(MaintenancePart.case_id == case.id))) \
        if kind == "maintenance" else []
    docs = case_letters.documents_of(db, kind, case)   # its berita acara, letters and reports
    allowed = lifecycle.allowed_actions(user, kind, case)
    to_unit = db.get(Unit, case.to_unit_id) if isinstance(case, TransferCase) else None
    out = page(request, "case.html", kind=kind, c=case, steps=steps, parts=parts, documents=docs, allowed=allowed,
               to_unit=to_unit, from_unit=db.get(Unit, case.unit_id),
               officers=views.active_officers(db) if "assign" in allowed else [],
               state={"text": label(state, lang) if state else case.state, "colour": state.colour if state else "grey"},
               state_of=lambda s: label(LABELS[kind][s], lang) if s in LABELS[kind] else (s or "–"),
               timing=lifecycle.timing(settings, kind, case),
               service_time=service_time(kind, case.state, getattr(case, "method", None)), **_globals(request))
    db.commit()
    return out


@router.post("/cases/{kind}/{case_id}/actions/{action}")
def take_step(kind: str, case_id: Id, action: str, request: Request, form: FormDep, db: SessionDep,
              settings: SettingsDep, user: WebUser) -> Response:
    """A refusal (not this state, not this role, a field missing, a conflict) comes back as a
    message on the case's page, in the reader's language, and nothing is written."""
    _ = gettext_for(request)
    kind = _kind(kind)
    step = _(STEPS[action]) if action in STEPS else action
    outcome = change(request, db, lambda: lifecycle.apply(db, settings, user, kind, case_id, action,
                                                         case_data(kind, action, form, settings.timezone))[0].state)
    if isinstance(outcome, Refusal):
        flash(request, "error", f"{step}: {outcome.message}", outcome.detail)
        return see_other(_case_url(kind, case_id))
    state = outcome
    flash(request, "success", _("%(action)s: done.") % {"action": step},
          _("Status now: %(state)s") % {"state": label(LABELS[kind][state], lang_of(request))})
    return see_other(_case_url(kind, case_id))


@router.post("/servers/{server_id}/condition")
def change_condition(server_id: Id, request: Request, form: FormDep, db: SessionDep, user: WebUser) -> Response:
    """The office states a server's condition, with the reason (kept on the audit trail)."""
    _ = gettext_for(request)
    back = f"/servers/{server_id}#record"

    def work() -> str:
        value = form.get("condition")
        reason = form.get("reason")
        if not isinstance(value, str) or value not in set(Condition):
            raise Invalid("condition: choose one of the conditions", field="condition")
        return condition.set_condition(db, user, server_id, Condition(value),
                                       reason if isinstance(reason, str) else "").condition

    outcome = change(request, db, work)
    if isinstance(outcome, Refusal):
        flash(request, "error", f"{_('Change the condition')}: {outcome.message}", outcome.detail)
        return see_other(back)
    new = outcome
    flash(request, "success", _("Condition now: %(condition)s")
          % {"condition": label(CONDITION_LABELS[Condition(new)], lang_of(request))})
    return see_other(back)


__all__ = ["router", "STEPS"]

"""What the machines found: drift findings to accept or reject, the monthly inventory to sign.

Decisions go through the same services as the API (agents.resolve_finding, inventory.sign), with
the API's role rule: office staff read, officers and admins decide.
"""

from __future__ import annotations

import threading
import time
from typing import Annotated, Literal

from fastapi import Path, Query, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from ...api.deps import Id
from ...api.routes.inventory import ConditionIn, SignIn, form_response
from ...domain.choices import REGISTER_KEEPERS, SPACE_MANAGERS
from ...models import Finding, InventoryRun, Server
from ...models.base import utcnow
from ...services import agents, inventory
from ...services.access import require_role
from ...validation import period_problem
from .. import forms
from ..actions import act
from ..deps import FormDep, SessionDep, SettingsDep, StaffUser
from ..render import gettext_for, page
from ..route import web_router
from ..session import flash

router = web_router()
Period = Annotated[str, Path(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
DECIDE = "decide on findings and sign inventories"


@router.get("/findings")
def findings(request: Request, db: SessionDep, user: StaffUser,
             show: Annotated[Literal["open", "all"], Query()] = "open") -> Response:
    stmt = select(Finding, Server).join(Server, Server.id == Finding.server_id).order_by(Finding.id.desc()).limit(500)
    if show == "open":
        stmt = stmt.where(Finding.status == "open")
    rows = list(db.execute(stmt))
    return page(request, "findings.html", rows=rows, show=show, can_decide=user.role in SPACE_MANAGERS)


@router.post("/findings/{finding_id}/{decision}")
def decide(finding_id: Id, decision: Literal["accept", "reject"], request: Request, form: FormDep,
           db: SessionDep, user: StaffUser) -> Response:
    require_role(user, SPACE_MANAGERS, DECIDE)
    _ = gettext_for(request)
    return act(request, db, lambda: agents.resolve_finding(db, user, finding_id, decision == "accept",
                                                           forms.text(form, "note")),
               "/findings", _("Finding accepted.") if decision == "accept" else _("Finding rejected."))


@router.get("/inventory")
def runs(request: Request, db: SessionDep, settings: SettingsDep, user: StaffUser) -> Response:
    found = list(db.scalars(select(InventoryRun).order_by(InventoryRun.period.desc()).limit(60)))
    now = utcnow()
    late = {r.period for r in found if (due := inventory.signing_due(settings, r)) and now > due}
    return page(request, "inventory.html", runs=found, late=late, can_start=user.role in REGISTER_KEEPERS,
                this_period=inventory.period_of(utcnow(), settings.timezone))


@router.post("/inventory/start")
def start(request: Request, form: FormDep, db: SessionDep, settings: SettingsDep, user: StaffUser) -> Response:
    """Start (or resume) a period's run in the background, as `POST /api/v1/inventory-runs`; its
    page then shows the progress."""
    require_role(user, REGISTER_KEEPERS, DECIDE)
    _ = gettext_for(request)
    period = forms.text(form, "period") or inventory.period_of(utcnow(), settings.timezone)
    if (problem := period_problem(period, utcnow().date())) is not None:
        flash(request, "error", _("Invalid value for %(field)s.") % {"field": _("Period")}, problem)
        return RedirectResponse("/inventory", status_code=303)
    existing = db.scalar(select(InventoryRun.status).where(InventoryRun.period == period))
    db.commit()
    if existing in ("completed", "signed"):
        flash(request, "info", _("The inventory for %(period)s is already done.") % {"period": period})
        return RedirectResponse(f"/inventory/{period}", status_code=303)
    sessions, actor = request.app.state.sessions, user.username

    def work() -> None:
        try:
            inventory.run(sessions, settings, period, actor)
        except inventory.RunTaken:
            pass

    threading.Thread(target=work, name=f"inventory-{period}", daemon=True).start()
    for _wait in range(50):   # its page follows the run: wait (up to 5 s) until the run row is there
        if db.scalar(select(InventoryRun.id).where(InventoryRun.period == period)) is not None:
            break
        db.commit()
        time.sleep(0.1)
    db.commit()
    flash(request, "success", _("The inventory for %(period)s has started.") % {"period": period})
    return RedirectResponse(f"/inventory/{period}", status_code=303)


@router.get("/inventory/{period}")
def run(period: Period, request: Request, db: SessionDep, settings: SettingsDep, user: StaffUser) -> Response:
    view = inventory.run_view(db, settings, period)
    progress = None
    if view["status"] == "running":   # the run's totals are written at its end; count as it goes
        progress = {"done": len(view["items"]), "total": len(inventory.servers_in_custody(db))}
    out = page(request, "inventory_run.html", run=view, can_sign=user.role in REGISTER_KEEPERS, progress=progress)
    db.commit()
    return out


@router.post("/inventory/{period}/sign")
def sign(period: Period, request: Request, form: FormDep, db: SessionDep, settings: SettingsDep,
         user: StaffUser) -> Response:
    """The officer reviewed the month and signs it, with the API's rules (inventory.sign)."""
    require_role(user, REGISTER_KEEPERS, DECIDE)
    _ = gettext_for(request)

    def work() -> None:
        body = forms.validate(SignIn, {k: forms.text(form, k) for k in ("name", "nip", "position")})
        inventory.sign(db, settings, user, period, body.name, body.nip, body.position)

    return act(request, db, work, f"/inventory/{period}", _("The inventory has been signed."))


@router.post("/inventory/{period}/items/{server_id}/condition")
def decide_condition(period: Period, server_id: Id, request: Request, form: FormDep, db: SessionDep,
                     user: StaffUser) -> Response:
    """The officer sets one server's condition before signing (inventory.decide, as the API)."""
    require_role(user, REGISTER_KEEPERS, DECIDE)
    _ = gettext_for(request)

    def work() -> None:
        body = forms.validate(ConditionIn, {k: forms.text(form, k) for k in ("condition", "reason")})
        inventory.decide(db, user, period, server_id, body.condition, body.reason)

    return act(request, db, work, f"/inventory/{period}#server-{server_id}", _("The condition has been recorded."))


@router.get("/inventory/{period}/form.{ext}")
def inventory_file(period: Period, ext: Literal["pdf", "xlsx"], db: SessionDep, settings: SettingsDep,
                   user: StaffUser) -> Response:
    """After signing, exactly the bytes stored at signing (as the API serves them)."""
    return form_response(db, settings, period, ext)

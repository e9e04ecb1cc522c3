"""Custody requests as pages: the list, filing one, its page (timeline, papers) and its actions.

Every action goes to `services.custody.apply`, exactly as the API's does; this module only turns
forms into its data and its errors into messages.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import Query, Request
from sqlalchemy import select
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from ...api.deps import Id
from ...domain.custody_flow import STATE_LABELS, TERMINAL, CustodyState
from ...domain.workflow import RoleNotAllowed
from ...models import CustodyRequest, Server, Unit
from ...models.base import utcnow
from ...services import custody, papers
from ...services.custody_view import request_view
from ...signing import bsre
from .. import forms, views
from ..actions import Refusal, change
from ..deps import ContactUser, FormDep, SessionDep, SettingsDep, WebUser
from ..i18n import label
from ..labels import Gettext, action_label
from ..listing import ListQuery, ListSpec, export, pager
from ..render import gettext_for, page
from ..route import web_router
from ..session import flash, lang_of, safe_next

router = web_router()


def see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


REQUESTS = ListSpec(
    sorts={"id": CustodyRequest.id, "since": CustodyRequest.state_since, "letter": CustodyRequest.letter_number,
           "state": CustodyRequest.state, "unit": Unit.code, "serial": Server.serial_number},
    default_sort="since",
    text=(CustodyRequest.letter_number, Server.serial_number, Server.brand, Server.model, Server.hostname),
    state=CustodyRequest.state, states=[s.value for s in CustodyState], unit=CustodyRequest.unit_id,
    joins=(lambda st: st.join(Server, Server.id == CustodyRequest.server_id)
           .join(Unit, Unit.id == CustodyRequest.unit_id),))
EXPORT_HEADER = ("No", "Nomor surat", "Unit", "Server", "Nomor seri", "Status", "Sejak", "Tenggat", "Terlambat")


@router.get("/requests")
def list_requests(request: Request, db: SessionDep, settings: SettingsDep, user: WebUser,
                  show: Annotated[Literal["open", "all"], Query()] = "open") -> Response:
    """Open requests by default, every one with show=all or a chosen state; filtered, sorted and
    paged in SQL (web.listing), exported with ?format=csv|xlsx. Without a chosen sort the longest
    waiting come first and, on each page, the overdue ones before the rest."""
    lq = ListQuery.parse(request, REQUESTS, keep=("show",))
    stmt = custody.list_stmt(user)
    if show == "open" and not lq.state:
        stmt = stmt.where(CustodyRequest.state.not_in([str(s) for s in TERMINAL]))
    stmt = lq.apply(stmt, REQUESTS)
    urgent_first = not lq.chosen
    now = utcnow()
    if lq.format:
        rows = views.request_rows(db, settings, user, lq.all_of(db, stmt), now, urgent_first)
        lang = lang_of(request)
        out = export("permohonan", EXPORT_HEADER, [
            (r["id"], r["letter_number"], r["unit_code"], f"{r['server']['brand']} {r['server']['model']}",
             r["server"]["serial_number"], label(STATE_LABELS[CustodyState(r["state"])], lang), r["state_since"],
             r["due_at"], "Ya" if r["overdue"] else "Tidak") for r in rows], lq.format)
        db.commit()
        return out
    reqs, total = lq.page_of(db, stmt)
    units = list(db.scalars(select(Unit).order_by(Unit.code))) if user.unit_id is None else []
    return page(request, "requests.html", rows=views.request_rows(db, settings, user, reqs, now, urgent_first),
                show=show, lq=lq, pager=pager(lq, "/requests", total), units=units,
                states=REQUESTS.states,
                state_text=lambda st: label(STATE_LABELS[CustodyState(st)], lang_of(request)))


@router.get("/requests/new")
def new_request(request: Request, user: ContactUser) -> Response:
    return page(request, "request_new.html", values={})


@router.post("/requests")
def file_request(request: Request, form: FormDep, db: SessionDep, settings: SettingsDep,
                 user: WebUser) -> Response:
    """The letter and the declared server in one transaction: a bad letter files nothing."""
    _ = gettext_for(request)
    upload = form.get("letter_file")

    def work() -> tuple[int, list[int]]:
        req = custody.submit(db, settings, user, forms.submission(form))
        if isinstance(upload, UploadFile) and upload.filename:
            content = upload.file.read(papers.MAX_LETTER_BYTES + 1)
            papers.store_letter(db, req, upload.filename, content, user.username)
        return req.id, [r.id for r in custody.batch_of(db, req)] if req.batch_id is not None else []

    # A wrong role is the 403 page; every other refusal (even an unknown server) is the form again.
    outcome = change(request, db, work, passes=(RoleNotAllowed,))
    if isinstance(outcome, Refusal):
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return page(request, "request_new.html", status_code=422, error=(outcome.message, outcome.detail),
                    values=values)
    req_id, batch = outcome
    if batch:
        flash(request, "success", _("Requests %(ids)s have been filed under one letter.")
              % {"ids": ", ".join(f"#{i}" for i in batch)})
    else:
        flash(request, "success", _("Request #%(id)s has been filed.") % {"id": req_id})
    return see_other(f"/requests/{req_id}")


@router.get("/requests/{request_id}")
def show_request(request_id: Id, request: Request, db: SessionDep, settings: SettingsDep,
                 user: WebUser) -> Response:
    req = custody.get_request(db, user, request_id)
    view = request_view(db, settings, user, req, utcnow())
    for doc in view["documents"]:
        doc["url"] = f"/documents/{doc['id']}"
    inspection = json.loads(req.inspection) if req.inspection else None
    officers = views.active_officers(db) if "division_dispose" in view["allowed_actions"] else []
    health = views.server_health(db, [req.server], settings.heartbeat_stale_seconds)[req.server_id]
    return page(request, "request.html", r=view, req=req, inspection=inspection, officers=officers,
                health=health, unit_name=req.unit.name, bsre=bsre.client_from(settings) is not None)


@router.post("/requests/{request_id}/actions/{action}")
def take_action(request_id: Id, action: str, request: Request, form: FormDep, db: SessionDep,
                settings: SettingsDep, user: WebUser) -> Response:
    _ = gettext_for(request)
    back = safe_next(forms.text(form, "next"), f"/requests/{request_id}")

    def work() -> tuple[str, list[str]]:
        result = custody.apply(db, settings, user, request_id, action, forms.action_data(action, form))
        return result.request.state, result.warnings

    outcome = change(request, db, work)
    if isinstance(outcome, Refusal):
        flash(request, "error", f"{action_label(action, _)}: {outcome.message}", outcome.detail)
        return see_other(back)
    state, warnings = outcome
    flash(request, *_outcome(action, state, warnings, _),
          _("Status now: %(state)s") % {"state": label(STATE_LABELS[CustodyState(state)], lang_of(request))})
    return see_other(back)


def _outcome(action: str, state: str, warnings: list[str], _: Gettext) -> tuple[str, str]:
    """The words match what happened: failed checks and a reported failure are not a success."""
    if action == "configure" and warnings:
        return "warning", _("Configuration saved, but the access checks failed: the unit was told the server "
                            "is not yet verified. Check the results below.")
    if action == "confirm_access" and state == CustodyState.access_failed:
        return "info", _("The access failure was reported; the officer will configure the server again.")
    return "success", _("%(action)s: done.") % {"action": action_label(action, _)}

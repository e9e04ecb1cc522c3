"""Helpdesk tickets (SOP 003) as pages: the list, filing one, its page (timeline, due) and its actions.

Every rule stays in `services.tickets` (and the table in `domain.ticket_flow`), as for the API;
this module only turns forms into the service's data and its errors into messages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Query, Request
from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from ...api.deps import Id
from ...domain.ticket_flow import STATE_LABELS, TicketState
from ...domain.workflow import RoleNotAllowed, WorkflowError
from ...errors import NotFound, TitipError
from ...models import Server, Ticket, Unit
from ...models.base import utcnow
from ...services import custody, servers, tickets
from ...services.custody_view import request_view
from .. import forms, views
from ..deps import FormDep, SessionDep, SettingsDep, WebUser
from ..i18n import N_, label
from ..labels import describe
from ..listing import ListQuery, ListSpec, export, pager
from ..render import gettext_for, page
from ..route import web_router
from ..session import flash, lang_of

router = web_router()
ERRORS = (TitipError, WorkflowError)

TICKET_ACTIONS: dict[str, str] = {
    "file": N_("Ticket filed"),
    "assign": N_("Assign to an officer"),
    "resolve": N_("Resolve"),
    "reject_out_of_scope": N_("Close as out of scope"),
    "check": N_("Check the resolution"),
    "approve_closure": N_("Approve the closure"),
}


def see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def ticket_words(request: Request) -> dict[str, Any]:  # template helpers, spread into page()
    """The template helpers for tickets: action names and state badges in the reader's language."""
    gt, lang = gettext_for(request), lang_of(request)

    def state(value: str | None) -> dict[str, str]:
        try:
            lbl = STATE_LABELS[TicketState(value or "")]  # None, like any unknown state: grey
        except (ValueError, KeyError):
            return {"text": str(value or "-"), "colour": "grey"}
        return {"text": label(lbl, lang), "colour": lbl.colour}

    def action(value: str | None) -> str:
        return gt(TICKET_ACTIONS[value]) if value in TICKET_ACTIONS else str(value or "")

    return {"ticket_state": state, "ticket_action": action}


def action_data(action: str, form: FormData) -> dict[str, Any]:
    """The body of `action` as services.tickets.apply takes it (it validates the values)."""
    fields = {"assign": ("officer",), "reject_out_of_scope": ("reason",), "resolve": ("resolution",),
              "check": ("note",), "approve_closure": ("note",)}.get(action, ())
    data: dict[str, Any] = {name: forms.text(form, name) for name in fields}
    if action == "check" and form.get("ok") in ("0", "1"):
        data["ok"] = form.get("ok") == "1"
    return {k: v for k, v in data.items() if v is not None}


def _when(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


TICKETS = ListSpec(
    sorts={"id": Ticket.id, "subject": Ticket.subject, "state": Ticket.state, "since": Ticket.state_since,
           "created": Ticket.created_at},
    default_sort="id", default_desc=True, text=(Ticket.subject, Ticket.description, Ticket.created_by),
    state=Ticket.state, states=[s.value for s in TicketState], unit=Ticket.unit_id)
EXPORT_HEADER = ("No", "Perihal", "Status", "Sejak", "Petugas", "Pelapor", "Dibuat", "Tenggat", "Terlambat")


@router.get("/tickets")
def list_tickets(request: Request, db: SessionDep, settings: SettingsDep, user: WebUser,
                 show: Annotated[Literal["open", "all"], Query()] = "open") -> Response:
    """Open tickets the caller may see (a contact person: their own and their unit's), newest
    first; filtered, sorted and paged in SQL (web.listing), exported with ?format=csv|xlsx."""
    lq = ListQuery.parse(request, TICKETS, keep=("show",))
    stmt = tickets.list_stmt(user)
    if show == "open" and not lq.state:
        stmt = stmt.where(Ticket.state != TicketState.closed)
    stmt = lq.apply(stmt, TICKETS)
    now = utcnow()
    words = ticket_words(request)
    if lq.format:
        found = lq.all_of(db, stmt)
        views_ = [tickets.view(db, settings, user, t, now) for t in found]
        out = export("tiket", EXPORT_HEADER, [
            (t["id"], t["subject"], words["ticket_state"](t["state"])["text"], o.state_since, t["officer"],
             t["created_by"], t["created_at"], t["due_at"], "Ya" if t["overdue"] else "Tidak")
            for o, t in zip(found, views_, strict=True)], lq.format)
        db.commit()
        return out
    found, total = lq.page_of(db, stmt)
    rows = [tickets.view(db, settings, user, t, now) for t in found]
    units = list(db.scalars(select(Unit).order_by(Unit.code))) if user.unit_id is None else []
    db.commit()
    return page(request, "tickets.html", rows=rows, show=show, lq=lq, pager=pager(lq, "/tickets", total),
                units=units, states=TICKETS.states, state_text=lambda st: words["ticket_state"](st)["text"], **words)


@router.get("/tickets/new")
def new_ticket(request: Request, db: SessionDep, user: WebUser) -> Response:
    return page(request, "ticket_new.html", values={}, servers=list(db.scalars(servers.list_servers_stmt(user))))


@router.post("/tickets")
def file_ticket(request: Request, form: FormDep, db: SessionDep, settings: SettingsDep, user: WebUser) -> Response:
    """Subject, description and (optionally) one of the caller's unit's servers."""
    _ = gettext_for(request)
    data: dict[str, Any] = {"subject": forms.text(form, "subject"), "description": forms.text(form, "description")}
    try:
        data["server_id"] = forms.number(form, "server_id")
        t = tickets.file(db, user, {k: v for k, v in data.items() if v is not None}, settings)
        ticket_id = t.id
        db.commit()
    except RoleNotAllowed:
        raise
    except ERRORS as exc:
        db.rollback()
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return page(request, "ticket_new.html", status_code=422, error=describe(exc, _), values=values,
                    servers=list(db.scalars(servers.list_servers_stmt(user))))
    flash(request, "success", _("Ticket #%(id)s has been filed.") % {"id": ticket_id})
    return see_other(f"/tickets/{ticket_id}")


@router.post("/requests/{request_id}/ticket")
def ticket_from_request(request_id: Id, request: Request, db: SessionDep, settings: SettingsDep,
                        user: WebUser) -> Response:
    """The request page's offer, filed as it stands (the service attaches the last probe results)."""
    _ = gettext_for(request)
    req = custody.get_request(db, user, request_id)  # another unit's request is a 404
    offer = request_view(db, settings, user, req, utcnow()).get("ticket_offer")
    if offer is None:
        db.rollback()
        flash(request, "info", _("This request has no access problem to report now."))
        return see_other(f"/requests/{request_id}")
    try:
        t = tickets.file(db, user, {"subject": offer["subject"], "description": offer["description"][:5000],
                                    "from_request": offer["from_request"]}, settings)
        ticket_id = t.id
        db.commit()
    except ERRORS as exc:
        db.rollback()
        message, detail = describe(exc, _)
        flash(request, "error", f"{_('File a helpdesk ticket')}: {message}", detail)
        return see_other(f"/requests/{request_id}")
    flash(request, "success", _("Ticket #%(id)s has been filed.") % {"id": ticket_id},
          _("The access check results are attached."))
    return see_other(f"/tickets/{ticket_id}")


@router.get("/tickets/{ticket_id}")
def show_ticket(ticket_id: Id, request: Request, db: SessionDep, settings: SettingsDep, user: WebUser) -> Response:
    t = tickets.get(db, user, ticket_id)  # another unit's ticket is a 404
    view = tickets.view(db, settings, user, t, utcnow())
    for probe in view["attachment"] or []:  # stored as JSON: times come back as ISO text
        probe["checked_at"] = _when(probe.get("checked_at"))
    server = db.get(Server, t.server_id) if t.server_id else None
    officers = views.active_officers(db) if "assign" in view["allowed_actions"] else []
    unit = db.get(Unit, t.unit_id) if t.unit_id else None
    db.commit()
    return page(request, "ticket.html", t=view, server=server, officers=officers, unit=unit,
                **ticket_words(request))


@router.post("/tickets/{ticket_id}/actions/{action}")
def take_action(ticket_id: Id, action: str, request: Request, form: FormDep, db: SessionDep,
                settings: SettingsDep, user: WebUser) -> Response:
    words = ticket_words(request)
    _ = gettext_for(request)
    back = f"/tickets/{ticket_id}"
    try:
        state = tickets.apply(db, user, ticket_id, action, action_data(action, form), settings=settings).state
        db.commit()
    except NotFound:
        raise
    except ERRORS as exc:
        db.rollback()
        message, detail = describe(exc, _)
        flash(request, "error", f"{words['ticket_action'](action)}: {message}", detail)
        return see_other(back)
    flash(request, "success", _("%(action)s: done.") % {"action": words["ticket_action"](action)},
          _("Status now: %(state)s") % {"state": words["ticket_state"](state)["text"]})
    return see_other(back)


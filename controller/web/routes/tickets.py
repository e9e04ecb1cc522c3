"""Helpdesk tickets (SOP 003) as pages: the list, filing one (the reporter's words, a file, and
the machine's findings beside them), its page (timeline, comments, files, due) and its actions.

Every rule stays in `services.tickets`, `services.ticket_talk` (and the table in
`domain.ticket_flow`), as for the API; this module only turns forms into the service's data and
its errors into messages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Query, Request
from sqlalchemy import select
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from ...api.deps import Id
from ...api.routes.tickets import attachment_response
from ...domain.ticket_flow import CATEGORY_LABELS, PRIORITY_LABELS, STATE_LABELS, Category, Priority, TicketState
from ...domain.workflow import RoleNotAllowed
from ...errors import Invalid, NotFound
from ...models import Server, Ticket, Unit
from ...models.base import utcnow
from ...services import catalogue, custody, servers, ticket_talk, tickets
from ...services.custody_view import request_view
from .. import forms
from ..actions import Refusal, act, change
from ..deps import FormDep, SessionDep, SettingsDep, WebUser
from ..i18n import N_, label
from ..listing import ListQuery, ListSpec, export, pager
from ..render import gettext_for, page
from ..route import web_router
from ..session import flash, lang_of

router = web_router()

TICKET_ACTIONS: dict[str, str] = {
    "file": N_("Ticket filed"),
    "triage": N_("Pass to the division (service catalogue)"),
    "refuse": N_("Refuse: not a service of the office"),
    "assign": N_("Assign to an officer"),
    "take": N_("Take the ticket"),
    "resolve": N_("Resolve"),
    "reject_out_of_scope": N_("Close as out of scope"),
    "check": N_("Check the resolution"),
    "approve_closure": N_("Approve the closure"),
    "close": N_("Close the ticket"),
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

    def category(value: str | None) -> dict[str, str]:
        try:
            lbl = CATEGORY_LABELS[Category(value or "")]
        except ValueError:
            return {"text": str(value or "-"), "colour": "grey"}
        return {"text": label(lbl, lang), "colour": lbl.colour}

    def priority(value: str | None) -> dict[str, str]:
        try:
            lbl = PRIORITY_LABELS[Priority(value or "")]
        except ValueError:
            return {"text": str(value or "-"), "colour": "grey"}
        return {"text": label(lbl, lang), "colour": lbl.colour}

    return {"ticket_state": state, "ticket_action": action, "ticket_category": category,
            "ticket_priority": priority, "priorities": [p.value for p in Priority]}


def action_data(action: str, form: FormData) -> dict[str, Any]:
    """The body of `action` as services.tickets.apply takes it (it validates the values)."""
    fields = {"triage": ("priority", "note"), "refuse": ("reason",), "assign": ("officer", "note"),
              "take": ("note",), "reject_out_of_scope": ("reason",), "resolve": ("resolution",),
              "check": ("note",), "approve_closure": ("note",), "close": ("note",)}.get(action, ())
    data: dict[str, Any] = {name: forms.text(form, name) for name in fields}
    if action == "triage":
        data["service"] = forms.number(form, "service")
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
        views_ = [tickets.view(db, settings, user, t, now, brief=True) for t in found]
        out = export("tiket", EXPORT_HEADER, [
            (t["id"], t["subject"], words["ticket_state"](t["state"])["text"], o.state_since, t["officer"],
             t["created_by"], t["created_at"], t["due_at"], "Ya" if t["overdue"] else "Tidak")
            for o, t in zip(found, views_, strict=True)], lq.format)
        db.commit()
        return out
    found, total = lq.page_of(db, stmt)
    rows = [tickets.view(db, settings, user, t, now, brief=True) for t in found]
    units = list(db.scalars(select(Unit).order_by(Unit.code))) if user.unit_id is None else []
    db.commit()
    return page(request, "tickets.html", rows=rows, show=show, lq=lq, pager=pager(lq, "/tickets", total),
                units=units, states=TICKETS.states, state_text=lambda st: words["ticket_state"](st)["text"], **words)


def _form_page(request: Request, db: SessionDep, user: WebUser, values: dict[str, Any], status_code: int = 200,
               error: tuple[str, str | None] | None = None) -> Response:
    """The filing form; from a custody request, with the machine's findings shown beside it."""
    findings: list[dict[str, Any]] = []
    rid = values.get("from_request")
    if rid:
        try:
            req = custody.get_request(db, user, int(rid))  # another unit's request is a 404
        except ValueError:
            raise NotFound(f"custody request {rid} not found") from None
        findings = tickets.request_findings(db, req.id)
        for probe in findings:
            probe["checked_at"] = _when(probe.get("checked_at"))
        values.setdefault("server_id", str(req.server_id))
    out = page(request, "ticket_new.html", status_code=status_code, error=error, values=values, findings=findings,
               servers=list(db.scalars(servers.list_servers_stmt(user))),
               max_mb=ticket_talk.MAX_ATTACHMENT_BYTES // 2**20)
    db.commit()
    return out


@router.get("/tickets/new")
def new_ticket(request: Request, db: SessionDep, user: WebUser,
               from_request: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
               subject: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    values: dict[str, Any] = {"from_request": str(from_request) if from_request else "", "subject": subject or ""}
    return _form_page(request, db, user, values)


@router.post("/tickets")
def file_ticket(request: Request, form: FormDep, db: SessionDep, settings: SettingsDep, user: WebUser) -> Response:
    """Subject and description in the reporter's words, optionally one of their unit's servers and
    a file; from a custody request, its access checks are attached as findings. One transaction:
    a refused file files nothing."""
    _ = gettext_for(request)
    data: dict[str, Any] = {"subject": forms.text(form, "subject"), "description": forms.text(form, "description")}
    upload = form.get("file")

    def work() -> int:
        data["server_id"] = forms.number(form, "server_id")
        data["from_request"] = forms.number(form, "from_request")
        if data["from_request"]:
            data.pop("server_id")   # the request's own server
        t = tickets.file(db, user, {k: v for k, v in data.items() if v is not None}, settings)
        if isinstance(upload, UploadFile) and upload.filename:
            content = upload.file.read(ticket_talk.MAX_ATTACHMENT_BYTES + 1)
            ticket_talk.attach(db, user, t.id, upload.filename, content)
        return t.id

    # A wrong role is the 403 page; every other refusal (even an unknown request) is the form again.
    outcome = change(request, db, work, passes=(RoleNotAllowed,))
    if isinstance(outcome, Refusal):
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return _form_page(request, db, user, values, status_code=422, error=(outcome.message, outcome.detail))
    ticket_id = outcome
    flash(request, "success", _("Ticket #%(id)s has been filed.") % {"id": ticket_id})
    return see_other(f"/tickets/{ticket_id}")


@router.post("/requests/{request_id}/ticket")
def ticket_from_request(request_id: Id, request: Request, db: SessionDep, settings: SettingsDep,
                        user: WebUser) -> Response:
    """The request page's offer: the filing form, for the reporter to describe the problem in their
    own words; the last access checks go with it as findings."""
    _ = gettext_for(request)
    req = custody.get_request(db, user, request_id)  # another unit's request is a 404
    offer = request_view(db, settings, user, req, utcnow()).get("ticket_offer")
    db.rollback()
    if offer is None:
        flash(request, "info", _("This request has no access problem to report now."))
        return see_other(f"/requests/{request_id}")
    return see_other(f"/tickets/new?{urlencode({'from_request': request_id, 'subject': offer['subject']})}")


@router.get("/tickets/{ticket_id}")
def show_ticket(ticket_id: Id, request: Request, db: SessionDep, settings: SettingsDep, user: WebUser) -> Response:
    t = tickets.get(db, user, ticket_id)  # another unit's ticket is a 404
    view = tickets.view(db, settings, user, t, utcnow())
    for probe in view["findings"] or []:  # stored as JSON: times come back as ISO text
        probe["checked_at"] = _when(probe.get("checked_at"))
    server = db.get(Server, t.server_id) if t.server_id else None
    officers = ([u for u in catalogue.members(db, t.division_id) if u.role == "officer"]
                if "assign" in view["allowed_actions"] and t.division_id else [])
    services = catalogue.list_services(db) if "triage" in view["allowed_actions"] else []
    unit = db.get(Unit, t.unit_id) if t.unit_id else None
    out = page(request, "ticket.html", t=view, server=server, officers=officers, unit=unit, services=services,
               open_ticket=t.state != TicketState.closed, max_mb=ticket_talk.MAX_ATTACHMENT_BYTES // 2**20,
               **ticket_words(request))
    db.commit()
    return out


@router.post("/tickets/{ticket_id}/comments")
def add_comment(ticket_id: Id, request: Request, form: FormDep, db: SessionDep, settings: SettingsDep,
                user: WebUser) -> Response:
    _ = gettext_for(request)
    body = {"body": forms.text(form, "body")}
    return act(request, db, lambda: ticket_talk.comment(db, settings, user, ticket_id, body),
               f"/tickets/{ticket_id}#comments", _("Your comment has been added."), what=_("Comment"))


@router.post("/tickets/{ticket_id}/attachments")
def add_attachment(ticket_id: Id, request: Request, form: FormDep, db: SessionDep, user: WebUser) -> Response:
    _ = gettext_for(request)
    upload = form.get("file")

    def work() -> None:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid("no file was chosen", field="file")
        ticket_talk.attach(db, user, ticket_id, upload.filename,
                           upload.file.read(ticket_talk.MAX_ATTACHMENT_BYTES + 1))

    return act(request, db, work, f"/tickets/{ticket_id}#files", _("The file has been attached."),
               what=_("Attach a file"))


@router.get("/tickets/{ticket_id}/attachments/{attachment_id}")
def get_attachment(ticket_id: Id, attachment_id: Id, db: SessionDep, user: WebUser) -> Response:
    doc = ticket_talk.attachment_file(db, user, ticket_id, attachment_id)
    out = attachment_response(doc.content, doc.filename, doc.content_type, doc.sha256)
    db.commit()
    return out


@router.post("/tickets/{ticket_id}/actions/{action}")
def take_action(ticket_id: Id, action: str, request: Request, form: FormDep, db: SessionDep,
                settings: SettingsDep, user: WebUser) -> Response:
    words = ticket_words(request)
    _ = gettext_for(request)
    back = f"/tickets/{ticket_id}"
    outcome = change(request, db, lambda: tickets.apply(db, user, ticket_id, action, action_data(action, form),
                                                       settings=settings).state)
    if isinstance(outcome, Refusal):
        flash(request, "error", f"{words['ticket_action'](action)}: {outcome.message}", outcome.detail)
        return see_other(back)
    state = outcome
    flash(request, "success", _("%(action)s: done.") % {"action": words["ticket_action"](action)},
          _("Status now: %(state)s") % {"state": words["ticket_state"](state)["text"]})
    return see_other(back)


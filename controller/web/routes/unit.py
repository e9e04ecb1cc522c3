"""A unit's side: its servers and whether they answer, its notifications, its papers."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from ...api.deps import Id
from ...api.downloads import document_response
from ...domain.choices import CONDITION_LABELS, Condition
from ...errors import NotFound
from ...models import CustodyRequest, Document, Notification, Server, Unit
from ...models.base import utcnow
from ...services import custody, servers
from ...services.access import unit_scope
from ...services.ticket_talk import DOCUMENT_KIND as TICKET_FILE
from .. import views
from ..deps import SessionDep, SettingsDep, WebUser
from ..i18n import label
from ..labels import DOCUMENT_KINDS, document_kind as doc_kind
from ..listing import ListQuery, ListSpec, export, pager
from ..render import gettext_for, page
from ..route import web_router
from ..session import lang_of

router = web_router()


SERVERS = ListSpec(
    sorts={"id": Server.id, "serial": Server.serial_number, "brand": Server.brand, "hostname": Server.hostname,
           "ip": Server.management_ip, "unit": Unit.code, "condition": Server.condition},
    default_sort="id",
    text=(Server.serial_number, Server.hostname, Server.management_ip, Server.brand, Server.model),
    state=Server.condition, states=[c.value for c in Condition], unit=Server.unit_id,
    joins=(lambda st: st.join(Unit, Unit.id == Server.unit_id),))
EXPORT_HEADER = ("No", "Unit", "Merek / model", "Nomor seri", "Nama host", "IP manajemen", "Lokasi", "Kondisi")


@router.get("/servers")
def server_list(request: Request, db: SessionDep, settings: SettingsDep, user: WebUser) -> Response:
    """The caller's servers, filtered, sorted and paged in SQL (web.listing); ?format= exports."""
    lq = ListQuery.parse(request, SERVERS)
    stmt = lq.apply(servers.list_servers_stmt(user), SERVERS)
    lang = lang_of(request)
    if lq.format:
        found = lq.all_of(db, stmt)
        where = views.placements(db, [s.id for s in found])
        out = export("server", EXPORT_HEADER, [
            (s.id, s.unit.code, f"{s.brand} {s.model}", s.serial_number, s.hostname, s.management_ip,
             f"{where[s.id].rack.name} U{where[s.id].u_bottom}-U{where[s.id].u_top}" if s.id in where else None,
             label(CONDITION_LABELS[Condition(s.condition)], lang) if s.condition in set(Condition) else s.condition)
            for s in found], lq.format)
        db.commit()
        return out
    found, total = lq.page_of(db, stmt)
    ids = [s.id for s in found]
    reqs = views.requests_by_server(db, ids)
    actions = {sid: custody.allowed_actions(db, user, r) for sid, r in reqs.items()}
    units = list(db.scalars(select(Unit).order_by(Unit.code))) if user.unit_id is None else []
    health = views.server_health(db, found, settings.heartbeat_stale_seconds)
    return page(request, "servers.html", servers=found, health=health,
                placements=views.placements(db, ids), reqs=reqs, actions=actions, lq=lq,
                pager=pager(lq, "/servers", total), units=units, states=SERVERS.states,
                state_text=lambda c: label(CONDITION_LABELS[Condition(c)], lang))


NOTIFICATIONS = ListSpec(sorts={"id": Notification.id}, default_sort="id", default_desc=True,
                         text=(Notification.subject, Notification.body))


@router.get("/notifications")
def notifications(request: Request, db: SessionDep, user: WebUser) -> Response:
    """The caller's notices, newest first, in pages (no silent cap)."""
    lq = ListQuery.parse(request, NOTIFICATIONS)
    items, total = lq.page_of(db, lq.apply(select(Notification).where(Notification.user_id == user.id),
                                           NOTIFICATIONS))
    return page(request, "notifications.html", items=items, lq=lq, pager=pager(lq, "/notifications", total))


@router.post("/notifications/read")
def mark_read(request: Request, db: SessionDep, user: WebUser) -> Response:
    now = utcnow()
    for note in db.scalars(select(Notification).where(Notification.user_id == user.id,
                                                      Notification.read_at.is_(None))):
        note.read_at = now
    db.commit()
    return RedirectResponse("/notifications", status_code=303)


DOCUMENTS = ListSpec(
    sorts={"id": Document.id, "kind": Document.kind, "number": Document.number, "created": Document.created_at},
    default_sort="id", default_desc=True, text=(Document.number, Document.filename, Document.sha256),
    state=Document.kind, states=tuple(DOCUMENT_KINDS), unit=Document.unit_id)


@router.get("/documents")
def documents(request: Request, db: SessionDep, user: WebUser) -> Response:
    """Every stored paper the caller may see, newest first, in pages (no silent cap)."""
    lq = ListQuery.parse(request, DOCUMENTS)
    stmt = select(Document).where(Document.kind != TICKET_FILE)  # a ticket's files are on its page, for its people
    if (scope := unit_scope(user)) is not None:
        stmt = stmt.where(Document.unit_id == scope)
    stmt = lq.apply(stmt, DOCUMENTS)
    if lq.format:
        rows = lq.all_of(db, stmt)
        return export("dokumen", ("No", "Jenis", "Nomor", "Nama berkas", "Permohonan", "Tanggal", "SHA-256"),
                      [(d.id, d.kind, d.number, d.filename, d.request_id, d.created_at, d.sha256) for d in rows],
                      lq.format)
    docs, total = lq.page_of(db, stmt)
    reqs = {r.id: r for r in db.scalars(select(CustodyRequest).where(
        CustodyRequest.id.in_({d.request_id for d in docs if d.request_id})))}
    return page(request, "documents.html", docs=docs, reqs=reqs, lq=lq, pager=pager(lq, "/documents", total),
                states=DOCUMENTS.states, state_text=lambda k: doc_kind(k, gettext_for(request)))


@router.get("/documents/{document_id}")
def download(document_id: Id, db: SessionDep, user: WebUser) -> Response:
    """The stored bytes as issued, exactly as the API serves them (a ticket's file from its ticket)."""
    if db.scalar(select(Document.kind).where(Document.id == document_id)) == TICKET_FILE:
        raise NotFound(f"document {document_id} not found")
    return document_response(db, user, document_id)

"""A unit's side: its servers and whether they answer, its notifications, its papers."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from ...api.deps import Id
from ...api.downloads import document_response
from ...models import CustodyRequest, Document, Notification
from ...models.base import utcnow
from ...services import custody, servers
from ...services.access import unit_scope
from .. import views
from ..deps import SessionDep, SettingsDep, WebUser
from ..render import page
from ..route import web_router

router = web_router()


@router.get("/servers")
def server_list(request: Request, db: SessionDep, settings: SettingsDep, user: WebUser) -> Response:
    found = list(db.scalars(servers.list_servers_stmt(user)))
    ids = [s.id for s in found]
    reqs = views.requests_by_server(db, ids)
    actions = {sid: custody.allowed_actions(db, user, r) for sid, r in reqs.items()}
    return page(request, "servers.html", servers=found, health=views.server_health(db, found, settings.heartbeat_stale_seconds),
                placements=views.placements(db, ids), reqs=reqs, actions=actions)


@router.get("/notifications")
def notifications(request: Request, db: SessionDep, user: WebUser) -> Response:
    items = list(db.scalars(select(Notification).where(Notification.user_id == user.id)
                            .order_by(Notification.id.desc()).limit(200)))
    return page(request, "notifications.html", items=items)


@router.post("/notifications/read")
def mark_read(request: Request, db: SessionDep, user: WebUser) -> Response:
    now = utcnow()
    for note in db.scalars(select(Notification).where(Notification.user_id == user.id,
                                                      Notification.read_at.is_(None))):
        note.read_at = now
    db.commit()
    return RedirectResponse("/notifications", status_code=303)


@router.get("/documents")
def documents(request: Request, db: SessionDep, user: WebUser) -> Response:
    stmt = select(Document).order_by(Document.id.desc()).limit(500)
    if (scope := unit_scope(user)) is not None:
        stmt = stmt.where(Document.unit_id == scope)
    docs = list(db.scalars(stmt))
    reqs = {r.id: r for r in db.scalars(select(CustodyRequest).where(
        CustodyRequest.id.in_({d.request_id for d in docs if d.request_id})))}
    return page(request, "documents.html", docs=docs, reqs=reqs)


@router.get("/documents/{document_id}")
def download(document_id: Id, db: SessionDep, user: WebUser) -> Response:
    """The stored bytes as issued, exactly as the API serves them."""
    return document_response(db, user, document_id)

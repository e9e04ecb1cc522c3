"""One server's page: its record, custodies, place, live state, papers and history.

Staff see every server; a unit's contact person only the unit's own (another unit's is a 404,
as in the API). Everything is read through `services.server_view`.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from ...api.deps import Id
from ...services import server_view
from .. import views
from ..deps import SessionDep, SettingsDep, WebUser
from ..i18n import N_
from ..render import gettext_for, page
from ..route import web_router

router = web_router()

HISTORY_KINDS: dict[str, str] = {
    "custody": N_("Custody"),
    "inventory": N_("Inventory"),
    "maintenance": N_("Maintenance"),
    "transfer": N_("Transfer"),
    "disposal": N_("Disposal"),
    "ticket": N_("Helpdesk ticket"),
    "audit": N_("Record change"),
}


@router.get("/servers/{server_id}")
def server_page(server_id: Id, request: Request, db: SessionDep, settings: SettingsDep, user: WebUser) -> Response:
    _ = gettext_for(request)
    view = server_view.server_page(db, user, server_id)
    server = view["server"]
    health = views.server_health(db, [server], settings.heartbeat_stale_seconds)[server.id]
    out = page(request, "server.html", v=view, s=server, health=health,
               history_kind=lambda k: _(HISTORY_KINDS[k]) if k in HISTORY_KINDS else k)
    db.commit()
    return out


__all__ = ["router"]

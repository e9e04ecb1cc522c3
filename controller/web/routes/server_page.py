"""One server's page: its record, custodies, place, live state, papers and history.

Staff see every server; a unit's contact person only the unit's own (another unit's is a 404,
as in the API). Everything is read through `services.server_view`.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from ...api.deps import Id
from ...domain.choices import CONDITION_LABELS, Condition
from ...domain.lifecycle_flow import KIND_LABELS
from ...services import server_view
from .. import views
from ..deps import SessionDep, SettingsDep, WebUser
from ..i18n import N_, label
from ..render import gettext_for, page
from ..route import web_router
from ..session import lang_of
from .cases import CONDITION_SETTERS, may_open, server_cases

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
    lang = lang_of(request)
    out = page(request, "server.html", v=view, s=server, health=health,
               history_kind=lambda k: _(HISTORY_KINDS[k]) if k in HISTORY_KINDS else k,
               cases=server_cases(db, user, server.id, lang), may_open=may_open(user),
               may_set_condition=user.role in CONDITION_SETTERS,
               conditions=[(c.value, label(CONDITION_LABELS[c], lang)) for c in Condition],
               kind_label=lambda k: label(KIND_LABELS[k], lang))
    db.commit()
    return out


__all__ = ["router"]

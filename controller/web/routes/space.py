"""The server room: every rack's elevation, and choosing a slot for a request on it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from ...api.deps import Id
from ...models import Rack, Room
from ...models.base import utcnow
from ...services import custody
from ...services.common import get_or_404
from .. import views
from ..deps import SessionDep, SettingsDep, StaffUser
from ..render import gettext_for, page
from ..route import web_router
from ..session import flash, lang_of

router = web_router()
PICK_ACTIONS = ("reserve_space", "waitlist")


@router.get("/rooms")
def rooms(request: Request, db: SessionDep, user: StaffUser) -> Response:
    found = list(db.scalars(select(Room).order_by(Room.name)))
    if len(found) == 1:
        return RedirectResponse(f"/rooms/{found[0].id}", status_code=303)
    return page(request, "rooms.html", rooms=found)


@router.get("/rooms/{room_id}")
def room(room_id: Id, request: Request, db: SessionDep, settings: SettingsDep, user: StaffUser) -> Response:
    found = get_or_404(db, Room, room_id, "room")
    panels = views.rack_panels(db, found, utcnow(), lang_of(request), gettext_for(request),
                               settings.heartbeat_stale_seconds)
    return page(request, "room.html", room=found, panels=panels,
                rooms=list(db.scalars(select(Room).order_by(Room.name))))


@router.get("/requests/{request_id}/space")
def choose_space(request_id: Id, request: Request, db: SessionDep, settings: SettingsDep,
                 user: StaffUser) -> Response:
    """Suggested slots, and every rack drawn with the U where this server fits as links."""
    req = custody.get_request(db, user, request_id)
    allowed = custody.allowed_actions(db, user, req)
    if not any(a in allowed for a in PICK_ACTIONS):
        _ = gettext_for(request)
        flash(request, "info", _("No slot can be chosen for this request now."))
        return RedirectResponse(f"/requests/{request_id}", status_code=303)
    now, lang, gettext = utcnow(), lang_of(request), gettext_for(request)
    stale = settings.heartbeat_stale_seconds
    rooms = [(room, views.rack_panels(db, room, now, lang, gettext, stale, pick_for=req,
                                      href=lambda rack, u: f"/requests/{req.id}/space/confirm"
                                                           f"?rack_id={rack}&u_bottom={u}"))
             for room in db.scalars(select(Room).order_by(Room.name))]
    return page(request, "space.html", req=req, allowed=allowed, suggestions=views.suggestions(db, req),
                rooms=rooms)


@router.get("/requests/{request_id}/space/confirm")
def confirm_space(request_id: Id, request: Request, db: SessionDep, user: StaffUser,
                  rack_id: Annotated[int, Query(ge=1, le=2**31 - 1)],
                  u_bottom: Annotated[int, Query(ge=1, le=60)]) -> Response:
    """A link in the elevation cannot reserve (a GET changes nothing): this page asks first."""
    req = custody.get_request(db, user, request_id)
    rack = get_or_404(db, Rack, rack_id, "rack")
    return page(request, "space_confirm.html", req=req, rack=rack, u_bottom=u_bottom,
                u_top=u_bottom + req.server.height_u - 1)

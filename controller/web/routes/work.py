"""Work lists: the officer's queue and the head's and division head's disposition inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from ...models import CustodyRequest, User
from ...models.base import utcnow
from ...services import custody
from ...settings import Settings
from .. import views
from ..deps import DisposerUser, OfficerUser, SessionDep, SettingsDep
from ..render import page
from ..route import web_router

router = web_router()


def actionable(db: Session, settings: Settings, user: User, now: datetime) -> list[dict[str, Any]]:
    """Open requests in which this user has a step to take (the workflow table says which)."""
    stmt = custody.list_stmt(user).where(CustodyRequest.state.in_(views.actionable_states(user.role)))
    rows = views.request_rows(db, settings, user, db.scalars(stmt), now)
    return [r for r in rows if r["allowed_actions"]]


@router.get("/queue")
def queue(request: Request, db: SessionDep, settings: SettingsDep, user: OfficerUser) -> Response:
    now = utcnow()
    rows = actionable(db, settings, user, now)
    return page(request, "queue.html", rows=rows, overdue=sum(1 for r in rows if r["overdue"]))


@router.get("/inbox")
def inbox(request: Request, db: SessionDep, settings: SettingsDep, user: DisposerUser) -> Response:
    rows = actionable(db, settings, user, utcnow())
    return page(request, "inbox.html", rows=rows, letters=views.letters(db, [r["id"] for r in rows]),
                officers=views.active_officers(db))

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from ...errors import NotFound
from ...models import Notification
from ...models.base import utcnow
from ...services.common import page
from ..answers.notices import NotificationOut
from ..deps import CurrentUser, Id, PagingDep, SessionDep
from ..schemas import Page
from ..unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/notifications", tags=["notifications"])


@router.get("", response_model=Page[NotificationOut])
def inbox(db: SessionDep, user: CurrentUser, paging: PagingDep,
          unread: Annotated[bool | None, Query()] = None) -> dict[str, Any]:
    """The caller's own notifications, newest first."""
    stmt = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    items, total = page(db, stmt, paging.offset, paging.limit)
    return {"items": items, "total": total, "offset": paging.offset, "limit": paging.limit}


@router.post("/{notification_id}/read", response_model=NotificationOut)
def mark_read(notification_id: Id, db: SessionDep, user: CurrentUser) -> Notification:
    note = db.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise NotFound(f"notification {notification_id} not found")
    note.read_at = note.read_at or utcnow()
    return note

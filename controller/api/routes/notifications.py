from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from ...errors import NotFound
from ...models import Notification
from ...models.base import utcnow
from ...services.common import page
from ..deps import CurrentUser, Id, PagingDep, SessionDep

router = APIRouter(prefix="/notifications", tags=["notifications"])


def _out(n: Notification) -> dict:
    return {"id": n.id, "kind": n.kind, "subject": n.subject, "body": n.body, "request_id": n.request_id,
            "created_at": n.created_at, "read_at": n.read_at, "email_status": n.email_status}


@router.get("")
def inbox(db: SessionDep, user: CurrentUser, paging: PagingDep,
          unread: Annotated[bool | None, Query()] = None) -> dict:
    """The caller's own notifications, newest first."""
    stmt = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    items, total = page(db, stmt, paging.offset, paging.limit)
    out = {"items": [_out(n) for n in items], "total": total, "offset": paging.offset, "limit": paging.limit}
    db.commit()
    return out


@router.post("/{notification_id}/read")
def mark_read(notification_id: Id, db: SessionDep, user: CurrentUser) -> dict:
    note = db.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise NotFound(f"notification {notification_id} not found")
    note.read_at = note.read_at or utcnow()
    out = _out(note)
    db.commit()
    return out

"""The pages' dependencies, named once (as api/deps.py does for the API)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import func, select
from starlette.datastructures import FormData

from ..api.deps import PageSessionDep as SessionDep, SettingsDep
from ..domain.choices import STAFF_ROLES, Role
from ..models import Notification, User
from ..services.access import require_role
from .session import LoginRequired, session_matches, session_user_id


def get_web_user(request: Request, db: SessionDep) -> User:
    uid = session_user_id(request)
    user = db.get(User, uid) if uid is not None else None
    if user is None or not user.is_active or not session_matches(request, user):
        raise LoginRequired()
    db.info["actor"] = user.username
    request.state.unread = db.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0
    db.commit()  # end the lookup's transaction in this thread (see api.deps.get_db)
    request.state.user = user
    return user


WebUser = Annotated[User, Depends(get_web_user)]


async def get_form(request: Request) -> FormData:
    return await request.form()  # already parsed (and CSRF-checked) by WebRoute


FormDep = Annotated[FormData, Depends(get_form)]


def _roles(*roles: Role, what: str) -> Callable[[User], User]:
    def check(user: WebUser) -> User:
        require_role(user, roles, what)
        return user
    return check


OfficerUser = Annotated[User, Depends(_roles(Role.officer, what="work the officer's queue"))]
DisposerUser = Annotated[User, Depends(_roles(Role.head, Role.division_head, what="disposition requests"))]
StaffUser = Annotated[User, Depends(_roles(*sorted(STAFF_ROLES), what="see the server room"))]
ContactUser = Annotated[User, Depends(_roles(Role.unit_contact, what="file requests for a unit"))]

__all__ = ["SessionDep", "SettingsDep", "WebUser", "FormDep", "OfficerUser", "DisposerUser", "StaffUser",
           "ContactUser"]

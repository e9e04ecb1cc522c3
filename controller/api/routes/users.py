from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from ...domain.choices import Role
from ...models import User
from ...services import setup
from ...services.common import get_or_404, page
from ..deps import AdminUser, Id, PagingDep, SessionDep
from ..schemas import Page, UserIn, UserOut, UserPatch
from ..unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/users", tags=["users"])


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, username=user.username, full_name=user.full_name, nip=user.nip,
                   email=user.email, role=Role(user.role), unit_code=user.unit.code if user.unit else None,
                   is_active=user.is_active)


@router.get("", response_model=Page[UserOut])
def list_users(db: SessionDep, admin: AdminUser, paging: PagingDep) -> dict:
    items, total = page(db, select(User).order_by(User.username), paging.offset, paging.limit)
    return {"items": [user_out(u) for u in items], "total": total, "offset": paging.offset, "limit": paging.limit}


@router.get("/{user_id}", response_model=UserOut)
def get_user(user_id: Id, db: SessionDep, admin: AdminUser) -> UserOut:
    return user_out(get_or_404(db, User, user_id, "user"))


@router.post("", response_model=UserOut, status_code=201)
def create_user(body: UserIn, db: SessionDep, admin: AdminUser) -> UserOut:
    out = user_out(setup.create_user(db, **body.model_dump()))
    return out


@router.patch("/{user_id}", response_model=UserOut)
def update_user(user_id: Id, body: UserPatch, db: SessionDep, admin: AdminUser) -> UserOut:
    out = user_out(setup.update_user(db, user_id, body.model_dump(exclude_unset=True)))
    return out


@router.delete("/{user_id}", response_model=UserOut)
def deactivate_user(user_id: Id, db: SessionDep, admin: AdminUser) -> UserOut:
    """Deactivates: people stay on the record (audit trail, signed forms)."""
    out = user_out(setup.deactivate_user(db, user_id))
    return out

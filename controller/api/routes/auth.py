from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select

from ...errors import Unauthorized
from ...models import User
from ...security import check_password, make_token
from ..deps import CurrentUser, SessionDep, SettingsDep
from ..schemas import TokenOut, UserOut
from .users import user_out

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=TokenOut)
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], db: SessionDep,
          settings: SettingsDep) -> TokenOut:
    user = db.scalar(select(User).where(User.username == form.username))
    if not check_password(form.password, user.password_hash if user else None) or not user.is_active:
        raise Unauthorized("wrong username or password", field="password")
    return TokenOut(access_token=make_token(user.id, settings.secret_key, settings.token_minutes),
                    role=user.role, unit_code=user.unit.code if user.unit else None)


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    return user_out(user)

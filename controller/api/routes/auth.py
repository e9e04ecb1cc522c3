from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select

from ...domain.choices import Role
from ...errors import Unauthorized
from ...models import User
from ...security import check_password, make_token
from ...services import throttle
from ..deps import CurrentUser, SessionDep, SettingsDep
from ..schemas import TokenOut, UserOut
from ..unit_of_work import UnitOfWorkRoute
from .users import user_out

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/auth", tags=["auth"])


@router.post("/token", response_model=TokenOut,
             responses={429: {"description": "too many failed logins; `Retry-After` says when to try again"}})
def login(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], db: SessionDep,
          settings: SettingsDep) -> TokenOut:
    """A token for a username and password; throttled per account and per client address."""
    keys = throttle.keys_for(form.username, request.client.host if request.client else None)
    wait = throttle.wait_seconds(db, keys)
    db.commit()  # no transaction held while the password is hashed (a write lock on SQLite)
    if wait:
        raise throttle.TooManyTries(wait)   # refused before any password is hashed
    user = db.scalar(select(User).where(User.username == form.username))
    db.commit()  # as above
    # The password is checked (and hashed) even for an unknown name, so the answer takes as long.
    if not check_password(form.password, user.password_hash if user else None) or user is None or not user.is_active:
        throttle.failed(db, settings, keys)
        db.commit()  # the failure is counted although the answer is an error (which rolls back)
        raise Unauthorized("wrong username or password", field="password")
    throttle.succeeded(db, user.username)
    return TokenOut(access_token=make_token(user.id, settings.secret_key, settings.token_minutes,
                                            user.session_epoch),
                    role=Role(user.role), unit_code=user.unit.code if user.unit else None)


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    return user_out(user)

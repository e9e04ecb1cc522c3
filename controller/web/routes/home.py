"""Login, logout, the language switch, and the landing page each role starts from."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from ...domain.choices import Role
from ...models import User
from ...security import check_password
from ...services import throttle
from ...services.setup import end_sessions
from ..deps import FormDep, SessionDep, SettingsDep, WebUser
from ..forms import text
from ..i18n import LANGS
from ..render import gettext_for, page
from ..route import web_router
from ..session import log_in, log_out, safe_next, session_matches, session_user_id, set_lang

router = web_router()

HOME: dict[str, str] = {Role.officer: "/queue", Role.head: "/inbox", Role.division_head: "/inbox",
        Role.unit_contact: "/servers", Role.section_head: "/assets", Role.property_manager: "/assets"}


@router.get("/")
def home(user: WebUser) -> Response:
    return RedirectResponse(HOME.get(user.role, "/requests"), status_code=303)


@router.get("/login")
def login_form(request: Request, next: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    return page(request, "login.html", next=safe_next(next), username="")


@router.post("/login")
def login(request: Request, form: FormDep, db: SessionDep, settings: SettingsDep) -> Response:
    username, password = text(form, "username") or "", form.get("password")
    keys = throttle.keys_for(username, request.client.host if request.client else None)
    wait = throttle.wait_seconds(db, keys)
    db.commit()
    if wait:   # refused before any password is hashed
        _ = gettext_for(request)
        error = _("Too many failed logins. Try again in %(seconds)s seconds.") % {"seconds": wait}
        refused = page(request, "login.html", status_code=429, error=error, username=username,
                       next=safe_next(text(form, "next")))
        refused.headers["Retry-After"] = str(wait)
        return refused
    user = db.scalar(select(User).where(User.username == username))
    db.commit()
    ok = check_password(password if isinstance(password, str) else "", user.password_hash if user else None)
    if not ok or user is None or not user.is_active:
        throttle.failed(db, settings, keys)
        db.commit()
        _ = gettext_for(request)
        error = _("Wrong username or password.")
        return page(request, "login.html", status_code=401, error=error, username=username,
                    next=safe_next(text(form, "next")))
    throttle.succeeded(db, user.username)
    db.commit()
    log_in(request, user)
    return RedirectResponse(safe_next(text(form, "next"), HOME.get(user.role, "/requests")), status_code=303)


@router.post("/logout")
def logout(request: Request, db: SessionDep) -> Response:
    """Ends this session on the server too: a copy of the cookie no longer opens anything."""
    uid = session_user_id(request)
    user = db.get(User, uid) if uid is not None else None
    if user is not None and session_matches(request, user):
        db.info["actor"] = user.username
        end_sessions(user)
        db.commit()
    log_out(request)
    return RedirectResponse("/login", status_code=303)


@router.get("/lang/{code}")
def switch_language(request: Request, code: str,
                    next: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    """A link, not a form: choosing a language changes nothing but this browser's cookie."""
    if code in LANGS:
        set_lang(request, code)
    return RedirectResponse(safe_next(next), status_code=303)

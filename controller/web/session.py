"""The login session: a signed, HttpOnly, SameSite=Lax cookie (Starlette's SessionMiddleware).

The cookie holds the user id, a fingerprint of the password hash (a password change or reset
ends every session), the CSRF token, the language and pending flash messages; nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any
from urllib.parse import quote

from starlette.requests import Request

from ..models import User
from .i18n import pick_lang

COOKIE = "titip_session"
CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """No valid session: the page sends the browser to /login and back afterwards."""


class CsrfFailed(Exception):
    """A POST without the session's token: refused with 403 before anything is read or written."""


def fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def lang_of(request: Request) -> str:
    return pick_lang(request.session.get("lang"))


def set_lang(request: Request, lang: str) -> None:
    request.session["lang"] = pick_lang(lang)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf(request: Request, submitted: Any) -> None:
    expected = request.session.get("csrf")
    if not expected or not isinstance(submitted, str) or not hmac.compare_digest(expected, submitted):
        raise CsrfFailed()


def log_in(request: Request, user: User) -> None:
    """A fresh session (no fixation): only the language survives from before the login."""
    lang = lang_of(request)
    request.session.clear()
    request.session.update({"uid": user.id, "fp": fingerprint(user), "lang": lang,
                            "csrf": secrets.token_urlsafe(32)})


def log_out(request: Request) -> None:
    lang = lang_of(request)
    request.session.clear()
    request.session["lang"] = lang


def session_user_id(request: Request) -> int | None:
    uid = request.session.get("uid")
    return uid if isinstance(uid, int) else None


def session_matches(request: Request, user: User) -> bool:
    return hmac.compare_digest(str(request.session.get("fp", "")), fingerprint(user))


def flash(request: Request, kind: str, message: str, detail: str | None = None) -> None:
    """A message shown once on the next page (kind: success | error | info)."""
    request.session.setdefault("flash", [])
    request.session["flash"] = [*request.session["flash"], [kind, message, detail]][-5:]


def pop_flashes(request: Request) -> list[tuple[str, str, str | None]]:
    items = request.session.pop("flash", None) or []
    return [(k, m, d) for k, m, d in items]


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a local path: a login link must not send anybody to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def login_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(here, safe='/')}"

"""The login session: a signed, HttpOnly, SameSite=Lax cookie (Starlette's SessionMiddleware).

The cookie holds the user id, a fingerprint of the password hash, the user's session epoch, the
CSRF token, the language and pending flash messages; nothing else. The cookie is only signed,
so a copy of it would outlive a logout: the epoch is what ends it, on the server. A logout, a
password change or reset, a role change or a deactivation raises the user's epoch, and every
session and API token issued before stops working (one integer per user, nothing to store per
session or to prune; the price is that logging out in one browser logs out the others too).
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
    request.session.update({"uid": user.id, "fp": fingerprint(user), "ep": user.session_epoch, "lang": lang,
                            "csrf": secrets.token_urlsafe(32)})


def log_out(request: Request) -> None:
    lang = lang_of(request)
    request.session.clear()
    request.session["lang"] = lang


def session_user_id(request: Request) -> int | None:
    uid = request.session.get("uid")
    return uid if isinstance(uid, int) and not isinstance(uid, bool) and 1 <= uid <= 2**31 - 1 else None


def session_matches(request: Request, user: User) -> bool:
    return (hmac.compare_digest(str(request.session.get("fp", "")), fingerprint(user))
            and request.session.get("ep") == user.session_epoch)


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

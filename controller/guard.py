"""Two checks at the edge of every request: security headers on every answer, and text input
without control characters or lone surrogates.

Text a person sends (JSON bodies, form fields, query parameters) with a NUL or another control
character is a 422 naming the field, before any query: PostgreSQL refuses NUL in text (a 500
otherwise) and SQLite would store it and break the exports later. Tab, line feed and carriage
return stay allowed (notes have lines). What agents send is stripped instead
(`api.routes.agents`): a device's odd byte must not lose its report.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# C0 controls but tab, LF and CR; DEL; C1 controls; lone surrogates (only reachable via \\u escapes).
BAD_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
STRIPPED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# Bodies not checked here: agents' reports (stripped in their route) and uploads (files).
UNCHECKED_BODIES = ("/api/v1/agents/reports",)

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
# Swagger UI (/docs) and ReDoc load their scripts from a CDN and start them inline.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
            "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
            "font-src 'self' https://fonts.gstatic.com; worker-src 'self' blob:; frame-ancestors 'none'")
DOCS = ("/docs", "/docs/oauth2-redirect", "/redoc")
HSTS = "max-age=31536000; includeSubDomains"


def bad_text(value: Any, field: str) -> str | None:
    """The first field in `value` (JSON-like) holding a control character or a lone surrogate."""
    if isinstance(value, str):
        return field if BAD_TEXT.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{field}.{key}" if field else str(key)
            if (found := bad_text(key, where)) or (found := bad_text(item, where)):
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if found := bad_text(item, f"{field}.{i}" if field else str(i)):
                return found
    return None


def strip_text(value: Any) -> Any:
    """`value` with control characters and lone surrogates removed from every string (devices)."""
    if isinstance(value, str):
        return STRIPPED.sub("", value)
    if isinstance(value, dict):
        return {strip_text(k): strip_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_text(v) for v in value]
    return value


class TextGuardMiddleware:
    """Inside the body limit (it reads what it checks, so it must never read more)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if (field := _bad_query(scope.get("query_string", b""))) is not None:
            await _refuse(send, field)
            return
        headers = dict(scope.get("headers") or ())
        ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if (scope["method"] in ("POST", "PUT", "PATCH") and scope["path"] not in UNCHECKED_BODIES
                and ctype in (b"application/json", b"application/x-www-form-urlencoded")):
            body = await _read(receive)     # bounded by limits.BodyLimitMiddleware, outside this one
            if (field := _bad_body(body, ctype)) is not None:
                await _refuse(send, field)
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send)


class HeadersMiddleware:
    """Outermost: every answer, a 413 or a 422 from the layers inside too, carries the headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _with_headers(scope, send))


def _bad_form(text: str) -> str | None:
    """The first urlencoded name or value with a control character or a lone surrogate."""
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="surrogatepass")
    except UnicodeDecodeError:
        return "body"      # percent-escapes that are not UTF-8
    for name, value in pairs:
        if BAD_TEXT.search(name):
            return "body"
        if BAD_TEXT.search(value):
            return name
    return None


def _bad_query(raw: bytes) -> str | None:
    if not raw:
        return None
    found = _bad_form(raw.decode("utf-8", "replace"))
    return "query" if found == "body" else found


def _bad_body(body: bytes, ctype: bytes) -> str | None:
    if ctype == b"application/json":
        if b"\\u" not in body and not re.search(rb"[\x00-\x1f\x7f]|\xc2[\x80-\x9f]|\xed[\xa0-\xbf]", body):
            return None     # nothing an escape or a raw byte could hide: the common case, no parse
        try:
            return bad_text(json.loads(body), "")
        except (ValueError, RecursionError):
            return None     # not JSON: the route says so itself
    return _bad_form(body.decode("utf-8", "replace"))


async def _read(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()    # http.disconnect, when it comes

    return again


async def _refuse(send: Send, field: str) -> None:
    detail = f"{field}: control characters (NUL and the like) and lone surrogates are not accepted"
    body = json.dumps({"detail": detail, "field": field}).encode()
    await send({"type": "http.response.start", "status": 422,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _with_headers(scope: Scope, send: Send) -> Send:
    """Every answer, page or API, error or not, gets the security headers."""
    csp = (DOCS_CSP if scope["path"] in DOCS else CSP).encode()
    https = scope.get("scheme") == "https"

    async def send_with(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {k.lower() for k, _ in headers}
            extra = [(b"content-security-policy", csp), (b"x-content-type-options", b"nosniff"),
                     (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY")]
            if https:
                extra.append((b"strict-transport-security", HSTS.encode()))
            headers += [(k, v) for k, v in extra if k not in present]
            message = {**message, "headers": headers}
        await send(message)

    return send_with


def install_text_guard(app: Any) -> None:
    app.add_middleware(TextGuardMiddleware)


def install_headers(app: Any) -> None:
    app.add_middleware(HeadersMiddleware)

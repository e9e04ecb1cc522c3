"""Request bodies bounded while they are read, before anything parses them.

A pure ASGI middleware: a `Content-Length` over the route's limit is answered 413 before one
byte is read; a body without one (chunked) is counted as it streams in and cut off at the
limit. Either way the controller never holds more than the limit of one request in memory,
so a stranger's 100 MB body costs nothing but the connection.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import TitipError

KIB, MIB = 1024, 1024 * 1024
# Uploads (letters, wipe reports: 10 MB each, services/papers.py) plus the form's own fields;
# the service then names its own limit for a file just over it.
UPLOAD = 10 * MIB + 256 * KIB
# Everything else the API takes is a small JSON document.
API_DEFAULT = 1 * MIB
# (method, path pattern, limit): the first match wins.
ROUTES: tuple[tuple[str, re.Pattern[str], int], ...] = (
    # A heartbeat is a few kB; an inventory or a spooled batch of 500 reports stays under this.
    ("POST", re.compile(r"/api/v1/agents/reports"), 4 * MIB),
    ("POST", re.compile(r"/api/v1/agents/enroll"), 16 * KIB),
    ("POST", re.compile(r"/api/v1/auth/token"), 16 * KIB),
    ("POST", re.compile(r"/login"), 16 * KIB),
)


def limit_for(method: str, path: str, content_type: str) -> int:
    for m, pattern, limit in ROUTES:
        if m == method and pattern.fullmatch(path):
            return limit
    if content_type.startswith("multipart/form-data") or not path.startswith("/api/"):
        return UPLOAD     # pages post forms that may carry a letter (web/route.py: MAX_BODY)
    return API_DEFAULT


class TooLarge(TitipError):
    """A part of a body over what it may take (a heartbeat's payload, say): 413."""

    status = 413


class BodyTooLarge(HTTPException):
    """Raised from `receive` when the body passes the limit; the app's handler answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over {_size(limit)}: this route takes at most {limit} bytes")
        self.limit = limit


def _size(n: int) -> str:
    return f"{n // MIB} MB" if n >= MIB else f"{n // KIB} kB"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        limit = limit_for(scope["method"], scope["path"], headers.get(b"content-type", b"").decode("latin-1"))
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(send, limit)   # not one byte of it is read
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except BodyTooLarge:
            if started:
                raise
            await _too_large(send, limit)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": BodyTooLarge(limit).detail, "field": "body", "limit_bytes": limit}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def install(app: Any) -> None:
    """Outermost but for the error and header layers: nothing inside reads past the limit."""
    app.add_middleware(BodyLimitMiddleware)

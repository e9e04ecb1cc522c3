"""Server-rendered pages for people (officers, heads, unit contact persons); the API is for programs.

`install(app)` adds the login session, the pages and their static files to the FastAPI app.
"""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path
from typing import cast

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response

from .session import COOKIE

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    from .routes import (
        admin,
        assets,
        cases,
        catalogue,
        evaluation,
        home,
        monitoring,
        planning,
        profile,
        requests,
        search,
        server_page,
        space,
        tickets,
        unit,
        verify,  # the public check of issued documents (no login)
        work,
    )

    settings = app.state.settings
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie=COOKIE,
                       max_age=settings.token_minutes * 60, same_site="lax", https_only=settings.cookie_secure)
    for module in (home, work, requests, space, unit, monitoring, tickets, assets, cases, server_page, search, admin,
                   catalogue, planning, profile, evaluation, verify):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _pages_not_found(app)


def _pages_not_found(app: FastAPI) -> None:
    """An unknown address outside the API is a page in the reader's language, not raw JSON; the
    API's own answers (and every other status) stay as the API's handler writes them."""
    from starlette.exceptions import HTTPException

    api_handler = app.exception_handlers.get(HTTPException)

    async def not_found(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404 and not request.url.path.startswith(("/api/", "/metrics", "/static/")):
            from .render import gettext_for
            from .route import error_page
            _ = gettext_for(request)
            return error_page(request, 404, _("This page does not exist, or it is not yours to see."))
        if api_handler is None:
            from fastapi.exception_handlers import http_exception_handler
            return await http_exception_handler(request, exc)
        return await cast(Awaitable[Response], api_handler(request, exc))  # FastAPI's own is async

    # Starlette types a handler as taking any Exception; it is only ever given the class it is for.
    app.add_exception_handler(HTTPException, not_found)  # type: ignore[arg-type]

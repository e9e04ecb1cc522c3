"""Server-rendered pages for people (officers, heads, unit contact persons); the API is for programs.

`install(app)` adds the login session, the pages and their static files to the FastAPI app.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from .session import COOKIE

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    from .routes import assets, home, monitoring, requests, space, tickets, unit, work

    settings = app.state.settings
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie=COOKIE,
                       max_age=settings.token_minutes * 60, same_site="lax", https_only=settings.cookie_secure)
    for module in (home, work, requests, space, unit, monitoring, tickets, assets):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

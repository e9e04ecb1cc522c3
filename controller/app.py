"""The FastAPI application factory: wiring only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from . import __version__, audit
from .api import errors
from .api.routes import (
    agents,
    assets as asset_routes,
    audit as audit_routes,
    auth,
    catalogue,
    custody,
    documents,
    evaluations,
    inventory,
    letter_scans,
    monitoring,
    notifications,
    planning,
    racks,
    rooms,
    servers,
    tickets,
    units,
    users,
)
from .db import make_engine, make_ingest_engine, make_sessionmaker
from .settings import Settings
from .web import install as install_web


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sched = lock = None
        if settings.scheduler_enabled:
            from .scheduler import build, claim

            if (lock := claim(settings)) is not None:
                from .jobqueue import InProcessWorker, is_postgresql

                if not is_postgresql(settings.database_url):
                    sched = build(app.state.sessions, settings)
                    sched.start()
                elif settings.serve_worker:  # PostgreSQL: the shared queue, once across controllers
                    sched = InProcessWorker(settings, app.state.sessions)
                    sched.start()
        yield
        if sched is not None:
            sched.shutdown(wait=False) if hasattr(sched, "shutdown") else sched.stop()
        if lock is not None:
            lock.close()

    app = FastAPI(title="Titip", version=__version__, lifespan=lifespan,
                  description="Penitipan server: custody, racks and monitoring for a government server room.")
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    audit.install(sessions, settings)
    from .documents import seal
    seal.install(sessions, settings)  # issued PDFs sealed with the office's certificate, when one is set
    app.state.settings, app.state.engine, app.state.sessions = settings, engine, sessions
    app.state.ingest_engine = make_ingest_engine(settings.database_url, engine)
    # SQLite: GET requests read through a second engine that does not take the write lock.
    app.state.read_engine = engine
    app.state.read_sessions = sessions
    if engine.dialect.name == "sqlite":
        app.state.read_engine = make_engine(settings.database_url, immediate=False)
        app.state.read_sessions = make_sessionmaker(app.state.read_engine)
    errors.install(app)
    for module in (auth, units, users, rooms, racks, servers, custody, documents, notifications, agents,
                   monitoring, inventory, tickets, catalogue, asset_routes, audit_routes, planning,
                   letter_scans, evaluations):
        app.include_router(module.router, prefix="/api/v1")
    install_web(app)
    from .metrics import install as install_metrics  # GET /metrics and request counting
    install_metrics(app)
    from . import guard, limits
    guard.install_text_guard(app)   # control characters refused before any query (reads bounded bodies)
    limits.install(app)             # bodies bounded while read, before anything parses them
    guard.install_headers(app)      # security headers on every answer, outermost

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict:
        return {"status": "ok", "version": __version__}

    return app

"""Shared fixtures: every database-backed test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text

from tests.support.postgres import Postgres, start_postgres

DATABASES = ["sqlite", "postgresql"]


# Fixtures that start (or need) the PostgreSQL server: a test using one is marked `postgres`.
_POSTGRES_FIXTURES = {"postgres", "pg_template"}
# Fixtures that start real daemons, and the folders whose every test does: marked `slow`.
_SLOW_FIXTURES = {"snmpd", "snmpsim", "loopback_sshd", "ssh_hosts", "spare_netns", "room", "prometheus"}
_SLOW_FOLDERS = ("e2e", "ansible", "observability")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that runs on PostgreSQL `postgres` (and one that starts daemons `slow`), so a
    quick run can leave them out.

    A test is one when a parameter of its (a `db_url`, or a module's own DATABASES fixture) is
    "postgresql", or when it asks for the server itself.
    """
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and "postgresql" in callspec.params.values()
        fixtures = set(getattr(item, "fixturenames", ()))
        if on_postgres or _POSTGRES_FIXTURES & fixtures:
            item.add_marker(pytest.mark.postgres)
        if _SLOW_FIXTURES & fixtures or item.path.parent.name in _SLOW_FOLDERS:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    pg = start_postgres()
    yield pg
    pg.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    from controller.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "titip.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template(postgres: Postgres) -> Postgres:
    from controller.migrate import upgrade

    engine = create_engine(postgres.url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("CREATE DATABASE titip_template"))
    engine.dispose()
    upgrade(postgres.url("titip_template"))
    return postgres


def fresh_database(request, kind: str, directory) -> str:
    """A freshly migrated, empty database of one kind (copied from a migrated template)."""
    if kind == "sqlite":
        target = directory / "titip.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    pg: Postgres = request.getfixturevalue("pg_template")
    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(pg.url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE titip_template"))
    engine.dispose()
    return pg.url(name)


@pytest.fixture(params=DATABASES)
def db_url(request, tmp_path) -> str:
    """A freshly migrated, empty database of each kind."""
    return fresh_database(request, request.param, tmp_path)


@pytest.fixture
def settings(db_url):
    from controller.settings import Settings

    # metrics_open: the tests read /metrics in-process without a token (its own tests close it).
    return Settings(database_url=db_url, secret_key="test-secret-key-0123456789abcdef", scheduler_enabled=False,
                    metrics_open=True)


@pytest.fixture(scope="session")
def demo_pki(tmp_path_factory):
    """The demo office seal and its CA (tests/support/seal.py), made once per session."""
    from tests.support.seal import make_pki

    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def app(settings):
    from controller.app import create_app

    application = create_app(settings)
    yield application
    application.state.engine.dispose()
    application.state.read_engine.dispose()
    application.state.ingest_engine.dispose()


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@dataclass
class World:
    """A small office: two units, one user per role, a contact person per unit, a room, racks."""

    tokens: dict[str, str]
    ids: dict[str, int]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
def world(app) -> World:
    from tests.support.world import build_world

    return build_world(app)


@pytest.fixture
def served(app, db_url) -> Iterator[tuple[World, object, dict[str, str]]]:
    """The world built in-process, then the controller as its own uvicorn process on that database:
    (world, the running controller, its environment). The engines are closed first so SQLite's
    file and PostgreSQL's connections belong to the served process alone."""
    from tests.support.controller import start_controller
    from tests.support.world import build_world

    built = build_world(app)
    for engine in (app.state.engine, app.state.read_engine, app.state.ingest_engine):
        engine.dispose()
    env = {"TITIP_SECRET_KEY": app.state.settings.secret_key, "TITIP_SCHEDULER_ENABLED": "false"}
    ctl = start_controller(db_url, env)
    try:
        yield built, ctl, env
    finally:
        ctl.stop()


@pytest.fixture
def web_service() -> Iterator[int]:
    """What a configured server offers: a tiny HTTP service on 127.0.0.1 for the access checks."""
    import http.server
    import threading

    class Ok(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()

"""Browser tests: Debian's chromium (headless, driven by Playwright) against a real controller.

The browser is never downloaded: `executable_path` points at /usr/bin/chromium (apt-get install
chromium). The controller is uvicorn on a loopback port over a migrated SQLite database with the
small office of tests/support/world.py; everything is stopped by PID at the end.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.controller import RunningController, start_controller
from tests.support.world import PASSWORD, build_world

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SECRET = "e2e-secret-key-0123456789abcdef0123456789"


@dataclass
class Live:
    url: str
    world: object
    controller: RunningController

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)


def serve_world(folder: Path, sqlite_template: Path,
                prepare: Callable[[Any, Any], None] | None = None) -> Iterator[Live]:
    """A controller process over a copy of the migrated template with the small office, after
    `prepare(app, world)` seeded what a test needs; stopped by PID when the generator closes."""
    from controller.app import create_app
    from controller.settings import Settings

    db = folder / "titip.db"
    shutil.copy(sqlite_template, db)
    url = f"sqlite:///{db}"
    app = create_app(Settings(database_url=url, secret_key=SECRET, scheduler_enabled=False))
    world = build_world(app)
    if prepare is not None:
        prepare(app, world)
    app.state.engine.dispose()
    app.state.read_engine.dispose()
    app.state.ingest_engine.dispose()
    ctl = start_controller(url, {"TITIP_SECRET_KEY": SECRET, "TITIP_SCHEDULER_ENABLED": "false"})
    yield Live(ctl.url, world, ctl)
    ctl.stop()


@pytest.fixture(scope="module")
def live(tmp_path_factory, sqlite_template) -> Iterator[Live]:
    yield from serve_world(tmp_path_factory.mktemp("e2e"), sqlite_template)


@pytest.fixture(scope="module")
def browser():
    # Module scope: Playwright's sync API keeps an event loop running in this thread while it
    # is open, which must not leak into the tests that run after these.
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed: apt-get install chromium (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def login(browser, live):
    """login('contact_a') -> a page in its own browser context (own cookies), logged in."""
    contexts = []

    def _login(who: str, viewport: dict | None = None):
        context = browser.new_context(base_url=live.url, viewport=viewport or {"width": 1280, "height": 900},
                                      locale="id-ID", timezone_id="Asia/Jakarta")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.fill("input[name=username]", who)
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_load_state()
        assert "/login" not in page.url, f"{who} could not log in"
        return page

    yield _login
    for context in contexts:
        context.close()

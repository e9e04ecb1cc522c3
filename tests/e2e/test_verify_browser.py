"""The public check in a real browser (issue 16): the URL printed (and QR-coded) on a sealed form
opens without a login and says the document matches; a modified upload does not match."""

from __future__ import annotations

import io
import shutil

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SECRET, Live
from tests.support import custody as flow
from tests.support.controller import start_controller
from tests.support.postgres import free_port
from tests.support.world import build_world

PASSPHRASE = "e2e-seal-passphrase"


@pytest.fixture(scope="module")
def sealed_live(tmp_path_factory, sqlite_template):
    from controller.app import create_app
    from controller.documents.seal import init_demo
    from controller.settings import Settings

    home = tmp_path_factory.mktemp("e2e-verify")
    pki = init_demo(home / "pki", "Dinas Komunikasi dan Informatika", PASSPHRASE)
    db = home / "titip.db"
    shutil.copy(sqlite_template, db)
    url = f"sqlite:///{db}"
    app = create_app(Settings(database_url=url, secret_key=SECRET, scheduler_enabled=False))
    world = build_world(app)
    app.state.engine.dispose()
    app.state.read_engine.dispose()
    app.state.ingest_engine.dispose()
    port = free_port()
    ctl = start_controller(url, {"TITIP_SECRET_KEY": SECRET, "TITIP_SCHEDULER_ENABLED": "false",
                                 "TITIP_SEAL_P12": str(pki["p12"]), "TITIP_SEAL_PASSPHRASE": PASSPHRASE,
                                 "TITIP_PUBLIC_URL": f"http://127.0.0.1:{port}"}, port=port)
    yield Live(ctl.url, world, ctl)
    ctl.stop()


def test_the_printed_verify_url_opens_and_matches(browser, sealed_live):
    from pypdf import PdfReader

    live = sealed_live
    with live.api() as api:
        done = flow.to_handed_over(api, live.world, flow.submit(api, live.world, serial="E2E-VERIFY-01")["id"])
        doc = next(d for d in done["documents"] if d["kind"] == "handover")
        content = api.get(doc["url"], headers=live.world.auth("contact_a")).content
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    printed = f"{live.url}/verify/{doc['number']}"
    assert printed in "".join(text.split())  # printed under the QR code (the line may wrap)

    context = browser.new_context(locale="id-ID")  # nobody logged in
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(printed)
        assert "/login" not in page.url
        expect(page.locator("[data-verify]")).to_have_attribute("data-verify", "match")
        expect(page.locator("[data-sha256]")).to_have_text(doc["sha256"])

        page.set_input_files("input[name=file]", files=[{"name": "bast.pdf", "mimeType": "application/pdf",
                                                          "buffer": content}])
        page.click("form[action='/verify'] button[type=submit]")
        expect(page.locator("[data-verify]")).to_have_attribute("data-verify", "match")

        page.set_input_files("input[name=file]", files=[{"name": "bast.pdf", "mimeType": "application/pdf",
                                                          "buffer": content + b"\n% edited\n"}])
        page.click("form[action='/verify'] button[type=submit]")
        expect(page.locator("[data-verify]")).to_have_attribute("data-verify", "no-match")
    finally:
        context.close()

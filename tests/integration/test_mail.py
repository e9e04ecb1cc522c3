"""Mail to contact persons goes through an outbox: a mail server that is down loses nothing."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.services.notify import deliver_pending
from tests.support import custody as flow
from tests.support.postgres import free_port
from tests.support.world import build_world


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def mail_app(settings):
    port = free_port()
    app = create_app(settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port}))
    yield app, port
    app.state.engine.dispose()
    app.state.read_engine.dispose()
    app.state.ingest_engine.dispose()


def test_mail_waits_for_the_mail_server_and_then_arrives(mail_app):
    app, port = mail_app
    world = build_world(app)
    with TestClient(app) as client:
        r = client.patch(f"/api/v1/users/{world.ids['contact_a']}", headers=world.auth("admin"),
                         json={"email": "cp@diskes.example.go.id"})
        assert r.status_code == 200
        rid = flow.submit(client, world, serial="MAIL-0001")["id"]
        flow.to_assigned(client, world, rid)
        flow.act(client, world, rid, "reserve_space", "officer")

        settings = app.state.settings
        assert deliver_pending(app.state.sessions, settings) == (0, 1)   # nothing listens yet
        assert deliver_pending(app.state.sessions, settings) == (0, 1)   # still queued, not lost
        inbox = client.get("/api/v1/notifications", headers=world.auth("contact_a")).json()["items"]
        assert inbox[0]["email_status"] == "pending"

        handler = Inbox()
        smtp = Controller(handler, hostname="127.0.0.1", port=port)
        smtp.start()
        try:
            assert deliver_pending(app.state.sessions, settings) == (1, 0)
            assert deliver_pending(app.state.sessions, settings) == (0, 0)  # sent once, not again
        finally:
            smtp.stop()
        [msg] = handler.messages
        assert msg.rcpt_tos == ["cp@diskes.example.go.id"]
        text = msg.content.decode()
        assert "MAIL-0001" in text and "Ruang tersedia" in text
        inbox = client.get("/api/v1/notifications", headers=world.auth("contact_a")).json()["items"]
        assert inbox[0]["email_status"] == "sent"

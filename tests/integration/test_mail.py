"""Mail to contact persons goes through an outbox: a mail server that is down loses nothing."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select

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


def test_one_bad_message_fails_alone_and_headers_cannot_be_injected(mail_app):
    """A serial with CR/LF (stored before input checks) and a row whose address cannot be built
    sit first in the outbox; the normal mail behind them still goes out, nobody gets a Bcc."""
    from email import message_from_bytes

    from controller.models import CustodyRequest, Notification, Server

    app, port = mail_app
    world = build_world(app)
    settings = app.state.settings
    with TestClient(app) as client:
        assert client.patch(f"/api/v1/users/{world.ids['contact_a']}", headers=world.auth("admin"),
                            json={"email": "cp@diskes.example.go.id"}).status_code == 200
        with app.state.sessions() as s:   # an outbox row no mail library can address
            s.add(Notification(user_id=world.ids["contact_a"], kind="space_ready", subject="Alamat rusak",
                               body="-", email_to="cp@diskes.example.go.id\r\nBcc: y@example.org",
                               email_status="pending"))
            s.commit()
        rids = [flow.submit(client, world, serial=serial)["id"] for serial in ("MAIL-BAD", "MAIL-0002", "MAIL-0003")]
        with app.state.sessions() as s:
            s.get(Server, s.get(CustodyRequest, rids[0]).server_id).serial_number = "SN\r\nBcc: x@example.org"
            s.commit()
        for rid in rids:
            flow.to_assigned(client, world, rid)
            flow.act(client, world, rid, "reserve_space", "officer")

        handler = Inbox()
        smtp = Controller(handler, hostname="127.0.0.1", port=port)
        smtp.start()
        try:
            assert deliver_pending(app.state.sessions, settings) == (3, 1)
            assert deliver_pending(app.state.sessions, settings) == (0, 0)   # the failed row is not retried
        finally:
            smtp.stop()
        assert [m.rcpt_tos for m in handler.messages] == [["cp@diskes.example.go.id"]] * 3
        mails = [message_from_bytes(m.content) for m in handler.messages]
        assert all(m["Bcc"] is None for m in mails)
        subjects = [str(m["Subject"]) for m in mails]
        assert not any("\r" in s or "\n" in s for s in subjects)
        assert any("SN Bcc: x@example.org" in s for s in subjects)          # shown as text, inert
        assert sum("MAIL-0002" in s or "MAIL-0003" in s for s in subjects) == 2
        with app.state.sessions() as s:
            broken = s.scalar(select(Notification).where(Notification.subject == "Alamat rusak"))
            assert (broken.email_status, broken.attempts) == ("failed", 1) and broken.last_error
        inbox = client.get("/api/v1/notifications", headers=world.auth("contact_a")).json()["items"]
        assert {n["email_status"] for n in inbox} == {"sent", "failed"}
        assert not any("\n" in n["subject"] or "\r" in n["subject"] for n in inbox)


def test_mail_goes_over_starttls_with_a_login(settings, tmp_path):
    """What a government mail server asks: STARTTLS on 587 and a login; the certificate is checked."""
    import ssl
    import subprocess

    from aiosmtpd.smtp import AuthResult

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", str(key),
                    "-out", str(cert), "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"rahasia-smtp")

    port = free_port()
    app = create_app(settings.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "starttls", "smtp_username": "titip",
        "smtp_password": "rahasia-smtp", "smtp_ca_file": str(cert)}))
    world = build_world(app)
    handler = Inbox()
    smtp = Controller(handler, hostname="127.0.0.1", port=port, tls_context=tls, require_starttls=True,
                      authenticator=authenticator, auth_required=True)
    smtp.start()
    try:
        with TestClient(app) as client:
            client.patch(f"/api/v1/users/{world.ids['contact_a']}", headers=world.auth("admin"),
                         json={"email": "cp@diskes.example.go.id"})
            rid = flow.submit(client, world, serial="TLS-0001")["id"]
            flow.to_assigned(client, world, rid)
            flow.act(client, world, rid, "reserve_space", "officer")
            assert deliver_pending(app.state.sessions, app.state.settings) == (1, 0)
        assert logins == [(b"titip", b"rahasia-smtp")]
        assert handler.messages[0].rcpt_tos == ["cp@diskes.example.go.id"]
        # A wrong password is refused by the server and the row stays to be retried, not lost.
        wrong = app.state.settings.model_copy(update={"smtp_password": "salah"})
        with app.state.sessions() as s:
            from controller.models import Notification
            s.add(Notification(user_id=world.ids["contact_a"], kind="test", subject="x", body="y",
                               email_to="cp@diskes.example.go.id", email_status="pending"))
            s.commit()
        assert deliver_pending(app.state.sessions, wrong) == (0, 1)
    finally:
        smtp.stop()
        for engine in (app.state.engine, app.state.read_engine, app.state.ingest_engine):
            engine.dispose()

"""A real mail server on a loopback port (aiosmtpd), as a government one asks: STARTTLS with a
certificate the client checks, and a login. One function starts it; `stop()` ends it."""

from __future__ import annotations

import ssl
import subprocess
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from .postgres import free_port

USER, PASSWORD = "titip", "rahasia-smtp"


@dataclass
class MailServer:
    port: int
    ca_file: str
    controller: Controller
    envelopes: list = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        return "250 OK"

    def settings(self) -> dict[str, object]:
        """The controller's settings that send to this server."""
        return {"smtp_host": "127.0.0.1", "smtp_port": self.port, "smtp_security": "starttls",
                "smtp_username": USER, "smtp_password": PASSWORD, "smtp_ca_file": self.ca_file}

    def mails_to(self, address: str) -> list[EmailMessage]:
        """The mails that reached `address`, parsed (headers unfolded and decoded)."""
        return [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes  # type: ignore[misc]
                if address in e.rcpt_tos]

    def stop(self) -> None:
        self.controller.stop()


def start_mail_server(folder: Path) -> MailServer:
    key, cert = folder / "smtp-key.pem", folder / "smtp-cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", str(key),
                    "-out", str(cert), "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    port = free_port()
    server = MailServer(port, str(cert), None)  # type: ignore[arg-type]  # set just below

    def authenticator(_server, _session, _envelope, _mechanism, auth_data) -> AuthResult:
        server.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=(auth_data.login, auth_data.password) == (USER.encode(), PASSWORD.encode()))

    server.controller = Controller(server, hostname="127.0.0.1", port=port, tls_context=tls, require_starttls=True,
                                   authenticator=authenticator, auth_required=True)
    server.controller.start()
    return server

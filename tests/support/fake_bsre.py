"""A stand-in for BSrE's esign-client on 127.0.0.1: the documented request and answers, and a
real PAdES signature (pyHanko) with a personal certificate, so the signed PDF can be validated."""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class FakeBsre:
    url: str
    p12: Path
    p12_passphrase: str
    users: dict[str, str]                       # NIK -> the signer's passphrase
    username: str = "titip"
    password: str = "esign-client-secret"
    received: list[dict[str, str]] = field(default_factory=list)   # the form fields of each sign call

    def sign(self, pdf: bytes) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        signer = signers.SimpleSigner.load_pkcs12(str(self.p12), passphrase=self.p12_passphrase.encode())
        meta = signers.PdfSignatureMetadata(field_name="BSrE_TTE", md_algorithm="sha256",
                                            subfilter=fields.SigSeedSubFilter.PADES)
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        return signers.PdfSigner(meta, signer=signer).sign_pdf(writer).getvalue()


def _form(headers, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    message = BytesParser(policy=policy.HTTP).parsebytes(
        f"Content-Type: {headers['Content-Type']}\r\n\r\n".encode() + body)
    return {part.get_param("name", header="content-disposition"): (part.get_filename(), part.get_payload(decode=True))
            for part in message.iter_parts()}


@contextmanager
def running(service: FakeBsre) -> Iterator[FakeBsre]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def _answer(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            expected = "Basic " + base64.b64encode(f"{service.username}:{service.password}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                return self._answer(401, b'{"error": "Unauthorized"}', "application/json")
            if self.path != "/api/sign/pdf":
                return self._answer(404, b'{"error": "Not found"}', "application/json")
            form = _form(self.headers, body)
            fields = {k: v.decode() for k, (name, v) in form.items() if name is None}
            service.received.append(fields)
            nik, passphrase = fields.get("nik"), fields.get("passphrase")
            if nik not in service.users:
                return self._answer(400, json.dumps({"error": "User tidak terdaftar", "status_code": 2011}).encode(),
                                    "application/json")
            if service.users[nik] != passphrase:
                return self._answer(400, json.dumps({"error": "Passphrase anda salah",
                                                     "status_code": 2031}).encode(), "application/json")
            self._answer(200, service.sign(form["file"][1]), "application/pdf")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)

"""Tests of sealed papers: the demo office seal, settings that seal with it, and the check that a
PDF carries a valid seal over the whole file (pyHanko against the demo CA, and poppler's pdfsig)."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path
from typing import Any

PASSPHRASE = "seal-test-passphrase"
PUBLIC_URL = "http://titip.contoh.go.id"


def make_pki(folder: Path) -> dict[str, Path]:
    from controller.documents.seal import init_demo

    return init_demo(folder, "Dinas Komunikasi dan Informatika", PASSPHRASE)


def sealed_settings(db_url: str, pki: dict[str, Path], **extra: Any) -> Any:
    """The test settings, sealing every issued paper with the demo office seal."""
    from controller.settings import Settings

    return Settings(database_url=db_url, secret_key="test-secret-key-0123456789abcdef", scheduler_enabled=False,
                    seal_p12=str(pki["p12"]), seal_passphrase=PASSPHRASE, public_url=PUBLIC_URL, **extra)


def sealed_ok(content: bytes, ca: Path) -> bool:
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(content), strict=False)
    [sig] = reader.embedded_signatures
    status = validate_pdf_signature(sig, ValidationContext(trust_roots=[load_cert_from_pemder(str(ca))]))
    # poppler's pdfsig too: the whole document signed and the signature valid.
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(content)
        fh.flush()
        out = subprocess.run(["pdfsig", fh.name], capture_output=True, text=True, timeout=60).stdout
    poppler_ok = "Total document signed" in out and "Signature is Valid" in out
    return bool(status.bottom_line and status.coverage.name == "ENTIRE_FILE" and poppler_ok)

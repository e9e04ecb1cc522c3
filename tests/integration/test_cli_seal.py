"""Papers issued from the command line are sealed as the app seals them (issue 16)."""

from __future__ import annotations

import io
import os
import subprocess
import sys

PASSPHRASE = "seal-test-passphrase"


def test_demo_seed_from_the_cli_issues_sealed_forms(tmp_path):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    from sqlalchemy import create_engine, select

    from controller.documents.seal import init_demo
    from controller.models import Document
    from controller.services.papers import SEALED_KINDS

    pki = init_demo(tmp_path / "pki", "Dinas Komunikasi dan Informatika", PASSPHRASE)
    url = f"sqlite:///{tmp_path}/demo.db"
    env = {**os.environ, "TITIP_DATABASE_URL": url, "TITIP_SEAL_P12": str(pki["p12"]),
           "TITIP_SEAL_PASSPHRASE": PASSPHRASE, "TITIP_DATA_DIR": str(tmp_path)}
    for args in (["db", "upgrade"], ["demo", "seed"]):
        r = subprocess.run([sys.executable, "-m", "controller.cli", *args], env=env, capture_output=True, text=True,
                           timeout=300, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            issued = conn.execute(select(Document.kind, Document.number, Document.content).where(
                Document.kind.in_(SEALED_KINDS), Document.content_type == "application/pdf")).all()
    finally:
        engine.dispose()
    assert {"handover", "disposition"} <= {kind for kind, _, _ in issued}
    ctx = ValidationContext(trust_roots=[load_cert_from_pemder(str(pki["ca"]))])
    for kind, number, content in issued:
        sigs = PdfFileReader(io.BytesIO(content), strict=False).embedded_signatures
        assert len(sigs) == 1, (kind, number)
        status = validate_pdf_signature(sigs[0], ctx)
        assert status.bottom_line and status.coverage.name == "ENTIRE_FILE", (kind, number)

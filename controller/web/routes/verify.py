"""The public check of an issued document (no login): by its number, or by uploading the PDF.

It says only what the paper itself already shows: number, kind, date, SHA-256, and whether the
bytes Titip keeps still match the hash on the audit trail. Nothing about the unit or the server.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from fastapi import Path, Request
from sqlalchemy import select
from starlette.datastructures import UploadFile
from starlette.responses import Response

from ...models import Document
from ...models.audit import AuditEvent
from ...services.papers import MAX_LETTER_BYTES, SEALED_KINDS
from ..deps import FormDep, SessionDep
from ..render import gettext_for, page
from ..route import web_router

router = web_router()


def _audited_sha256(db: SessionDep, doc: Document) -> str | None:
    """The SHA-256 the audit trail recorded when the document was stored."""
    after = db.scalar(select(AuditEvent.after).where(
        AuditEvent.entity == "document", AuditEvent.entity_id == str(doc.id),
        AuditEvent.action == "create").order_by(AuditEvent.seq))
    return json.loads(after).get("sha256") if after else None


def _facts(db: SessionDep, doc: Document) -> dict:
    audited = _audited_sha256(db, doc)
    intact = hashlib.sha256(doc.content).hexdigest() == doc.sha256 == audited
    return {"number": doc.number, "kind": doc.kind, "created_at": doc.created_at, "sha256": doc.sha256,
            "intact": intact}


@router.get("/verify")
def verify_form(request: Request) -> Response:
    return page(request, "verify.html", doc=None, checked=False)


@router.get("/verify/{number:path}")
def verify_number(request: Request, db: SessionDep,
                  number: Annotated[str, Path(min_length=1, max_length=100)]) -> Response:
    doc = db.scalar(select(Document).where(Document.number == number, Document.kind.in_(SEALED_KINDS)))
    if doc is None:
        return page(request, "verify.html", status_code=404, doc=None, checked=True, number=number)
    return page(request, "verify.html", doc=_facts(db, doc), checked=True, number=number)


@router.post("/verify")
def verify_upload(request: Request, db: SessionDep, form: FormDep) -> Response:
    """Is the uploaded file byte for byte a document Titip issued?"""
    _ = gettext_for(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return page(request, "verify.html", status_code=400, doc=None, checked=False,
                    error=_("Choose the PDF file to check."))
    content = upload.file.read(MAX_LETTER_BYTES + 1)
    if not content or len(content) > MAX_LETTER_BYTES:
        return page(request, "verify.html", status_code=400, doc=None, checked=False,
                    error=_("The file must be between 1 byte and 10 MB."))
    sha = hashlib.sha256(content).hexdigest()
    doc = db.scalar(select(Document).where(Document.sha256 == sha, Document.kind.in_(SEALED_KINDS))
                    .order_by(Document.id))
    return page(request, "verify.html", doc=_facts(db, doc) if doc else None, checked=True, uploaded=True,
                upload_sha256=sha)

from __future__ import annotations

from fastapi import APIRouter, Response

from ...errors import NotFound
from ...models import Document
from ...services.access import check_unit
from ..deps import CurrentUser, Id, SessionDep

router = APIRouter(prefix="/documents", tags=["documents"])


@router.get("/{document_id}", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def download(document_id: Id, db: SessionDep, user: CurrentUser) -> Response:
    """The stored bytes, exactly as issued; the SHA-256 header matches the audit trail."""
    doc = db.get(Document, document_id)
    check_unit(user, doc.unit_id if doc else None, "document", document_id)
    if doc is None:
        raise NotFound(f"document {document_id} not found")
    headers = {"Content-Disposition": f'inline; filename="{doc.filename}"', "X-Content-SHA256": doc.sha256}
    body, kind = doc.content, doc.content_type
    db.commit()
    return Response(body, media_type=kind, headers=headers)

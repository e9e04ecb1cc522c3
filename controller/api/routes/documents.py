from __future__ import annotations

from fastapi import APIRouter, Response

from ..deps import CurrentUser, Id, SessionDep
from ..downloads import document_response

router = APIRouter(prefix="/documents", tags=["documents"])


@router.get("/{document_id}", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def download(document_id: Id, db: SessionDep, user: CurrentUser) -> Response:
    """The stored bytes, exactly as issued; the SHA-256 header matches the audit trail."""
    response = document_response(db, user, document_id)
    db.commit()
    return response

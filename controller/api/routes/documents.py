from __future__ import annotations

from fastapi import APIRouter, Response

from ..deps import CurrentUser, Id, SessionDep
from ..downloads import PDF, XLSX, document_response, file_answer
from ..unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/documents", tags=["documents"])

# Most documents are PDFs; inventory forms are XLSX too, and uploads (wipe reports, a ticket's
# files, imports) keep the type they were stored with.
STORED = file_answer(PDF, XLSX, "text/plain", "image/png", "image/jpeg", "application/octet-stream",
                     what="the stored bytes, exactly as issued or uploaded, in their own content type")


@router.get("/{document_id}", response_class=Response, responses=STORED)
def download(document_id: Id, db: SessionDep, user: CurrentUser) -> Response:
    """The stored bytes, exactly as issued; the SHA-256 header matches the audit trail."""
    return document_response(db, user, document_id)

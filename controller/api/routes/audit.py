from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from ... import audit
from ...models import AuditEvent
from ...services.common import page
from ..answers.notices import AuditCheckOut
from ..deps import AuditReader, PagingDep, SessionDep
from ..schemas import AuditEventOut, Page
from ..unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/audit", tags=["audit"])


@router.get("/events", response_model=Page[AuditEventOut])
def list_events(db: SessionDep, user: AuditReader, paging: PagingDep,
                entity: Annotated[str | None, Query(max_length=64)] = None,
                entity_id: Annotated[str | None, Query(max_length=64)] = None) -> dict[str, Any]:
    stmt = select(AuditEvent).order_by(AuditEvent.seq.desc())
    if entity:
        stmt = stmt.where(AuditEvent.entity == entity)
    if entity_id:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    items, total = page(db, stmt, paging.offset, paging.limit)
    return {"items": items, "total": total, "offset": paging.offset, "limit": paging.limit}


@router.get("/verify", response_model=AuditCheckOut)
def verify(db: SessionDep, user: AuditReader) -> dict[str, Any]:
    """The keyed chain and its head, and every stored document re-hashed against its audit event."""
    result = audit.verify(db)
    checked_docs, problems = audit.verify_documents(db)
    return {"ok": result.ok and not problems, "checked": result.checked, "first_bad_seq": result.first_bad_seq,
            "reason": result.reason, "documents_checked": checked_docs,
            "documents_altered": [{"id": p.document_id, "number": p.number, "reason": p.reason} for p in problems]}

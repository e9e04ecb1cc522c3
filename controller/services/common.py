"""Small helpers the use cases share: paging, loading-or-404, flushing with a clear conflict."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound

T = TypeVar("T")


def page(session: Session, stmt: Select, offset: int, limit: int) -> tuple[list[Any], int]:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(session.scalars(stmt.offset(offset).limit(limit)))
    return items, total


def get_or_404(session: Session, model: type[T], ident: int, entity: str) -> T:
    obj = session.get(model, ident)
    if obj is None:
        raise NotFound(f"{entity} {ident} not found")
    return obj


def flush_or_conflict(session: Session, message: str, field: str | None = None) -> None:
    """Flush; a unique or foreign-key violation becomes a 409 instead of a 500."""
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(message, field=field) from exc

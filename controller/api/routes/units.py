from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select

from ...models import Unit
from ...services import setup
from ...services.access import check_unit, unit_scope
from ...services.common import get_or_404, page
from ..deps import AdminUser, CurrentUser, Id, PagingDep, SessionDep
from ..schemas import Page, UnitIn, UnitOut, UnitPatch
from ..unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/units", tags=["units"])


@router.get("", response_model=Page[UnitOut])
def list_units(db: SessionDep, user: CurrentUser, paging: PagingDep) -> dict:
    stmt = select(Unit).order_by(Unit.code)
    if (scope := unit_scope(user)) is not None:
        stmt = stmt.where(Unit.id == scope)
    items, total = page(db, stmt, paging.offset, paging.limit)
    return {"items": items, "total": total, "offset": paging.offset, "limit": paging.limit}


@router.get("/{unit_id}", response_model=UnitOut)
def get_unit(unit_id: Id, db: SessionDep, user: CurrentUser) -> Unit:
    check_unit(user, unit_id, "unit", unit_id)
    return get_or_404(db, Unit, unit_id, "unit")


@router.post("", response_model=UnitOut, status_code=201)
def create_unit(body: UnitIn, db: SessionDep, admin: AdminUser) -> Unit:
    unit = setup.create_unit(db, body.code, body.name)
    return unit


@router.patch("/{unit_id}", response_model=UnitOut)
def update_unit(unit_id: Id, body: UnitPatch, db: SessionDep, admin: AdminUser) -> Unit:
    unit = setup.update_unit(db, unit_id, body.model_dump(exclude_unset=True, exclude_none=True))
    return unit


@router.delete("/{unit_id}", status_code=204)
def delete_unit(unit_id: Id, db: SessionDep, admin: AdminUser) -> Response:
    setup.delete_unit(db, unit_id)
    return Response(status_code=204)

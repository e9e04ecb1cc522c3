from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from ...domain.choices import AllocationStatus, SlotState
from ...errors import NotFound
from ...models import Allocation, Rack
from ...services import setup, space
from ...services.common import get_or_404, page
from ..deps import Id, PagingDep, SessionDep, SettingsDep, SpaceManager, StaffUser
from ..schemas import AllocationOut, ElevationEntry, ElevationOut, Page, RackIn, RackOut, RackPatch, ReservationIn
from ..unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/racks", tags=["racks"])


def allocation_out(a: Allocation) -> AllocationOut:
    return AllocationOut(id=a.id, rack_id=a.rack_id, u_bottom=a.u_bottom, u_top=a.u_top,
                         height_u=a.height_u, server_id=a.server_id,
                         unit_code=a.unit.code if a.unit else None, status=AllocationStatus(a.status), note=a.note,
                         created_by=a.created_by, created_at=a.created_at)


@router.get("", response_model=Page[RackOut])
def list_racks(db: SessionDep, user: StaffUser, paging: PagingDep,
               room_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> dict:
    stmt = select(Rack).order_by(Rack.room_id, Rack.name)
    if room_id is not None:
        stmt = stmt.where(Rack.room_id == room_id)
    items, total = page(db, stmt, paging.offset, paging.limit)
    return {"items": items, "total": total, "offset": paging.offset, "limit": paging.limit}


@router.get("/{rack_id}", response_model=RackOut)
def get_rack(rack_id: Id, db: SessionDep, user: StaffUser) -> Rack:
    return get_or_404(db, Rack, rack_id, "rack")


@router.post("", response_model=RackOut, status_code=201)
def create_rack(body: RackIn, db: SessionDep, user: SpaceManager) -> Rack:
    rack = setup.create_rack(db, body.room_id, body.name, body.height_u, body.power_capacity_w)
    return rack


@router.patch("/{rack_id}", response_model=RackOut)
def update_rack(rack_id: Id, body: RackPatch, db: SessionDep, user: SpaceManager) -> Rack:
    rack = setup.update_rack(db, rack_id, body.model_dump(exclude_unset=True, exclude_none=True))
    return rack


@router.delete("/{rack_id}", status_code=204)
def delete_rack(rack_id: Id, db: SessionDep, user: SpaceManager) -> Response:
    setup.delete_rack(db, rack_id)
    return Response(status_code=204)


@router.get("/{rack_id}/elevation", response_model=ElevationOut)
def elevation(rack_id: Id, db: SessionDep, user: StaffUser) -> ElevationOut:
    rack, units = space.elevation(db, rack_id)
    count = {s: sum(1 for u in units if u.state == s) for s in SlotState}
    entries = [ElevationEntry.model_validate(u.__dict__) for u in units]
    return ElevationOut(rack=RackOut.model_validate(rack), units=entries,
                        free_u=count[SlotState.free], reserved_u=count[SlotState.reserved],
                        occupied_u=count[SlotState.occupied])


@router.get("/{rack_id}/reservations", response_model=Page[AllocationOut])
def list_reservations(rack_id: Id, db: SessionDep, user: StaffUser, paging: PagingDep,
                      include_released: bool = False) -> dict:
    get_or_404(db, Rack, rack_id, "rack")
    items, total = page(db, space.list_allocations_stmt(rack_id, include_released), paging.offset, paging.limit)
    return {"items": [allocation_out(a) for a in items], "total": total,
            "offset": paging.offset, "limit": paging.limit}


@router.post("/{rack_id}/reservations", response_model=AllocationOut, status_code=201)
def reserve(rack_id: Id, body: ReservationIn, db: SessionDep, settings: SettingsDep,
            officer: SpaceManager) -> AllocationOut:
    if body.placed:
        return allocation_out(space.place_own_asset(db, officer, rack_id, body.u_bottom, body.height_u,
                                                    body.server_id, body.note, settings.depositable()))
    return allocation_out(space.reserve(db, officer, rack_id, body.u_bottom, body.height_u, body.server_id,
                                        body.note))


@router.delete("/{rack_id}/reservations/{allocation_id}", response_model=AllocationOut)
def release(rack_id: Id, allocation_id: Id, db: SessionDep, officer: SpaceManager) -> AllocationOut:
    alloc = db.get(Allocation, allocation_id)
    if alloc is None or alloc.rack_id != rack_id:
        raise NotFound(f"reservation {allocation_id} not found in rack {rack_id}")
    out = allocation_out(space.release(db, allocation_id))
    return out

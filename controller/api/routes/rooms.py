from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from ...models import Room
from ...services import setup, space
from ...services.common import get_or_404, page
from ..deps import AdminUser, Id, PagingDep, SessionDep, StaffUser
from ..schemas import CandidateOut, Page, RoomIn, RoomOut
from ..unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/rooms", tags=["rooms"])


@router.get("", response_model=Page[RoomOut])
def list_rooms(db: SessionDep, user: StaffUser, paging: PagingDep) -> dict:
    items, total = page(db, select(Room).order_by(Room.name), paging.offset, paging.limit)
    return {"items": items, "total": total, "offset": paging.offset, "limit": paging.limit}


@router.get("/{room_id}", response_model=RoomOut)
def get_room(room_id: Id, db: SessionDep, user: StaffUser) -> Room:
    return get_or_404(db, Room, room_id, "room")


@router.post("", response_model=RoomOut, status_code=201)
def create_room(body: RoomIn, db: SessionDep, admin: AdminUser) -> Room:
    room = setup.create_room(db, body.name)
    return room


@router.patch("/{room_id}", response_model=RoomOut)
def update_room(room_id: Id, body: RoomIn, db: SessionDep, admin: AdminUser) -> Room:
    room = setup.update_room(db, room_id, body.name)
    return room


@router.delete("/{room_id}", status_code=204)
def delete_room(room_id: Id, db: SessionDep, admin: AdminUser) -> Response:
    setup.delete_room(db, room_id)
    return Response(status_code=204)


@router.get("/{room_id}/free-slots", response_model=list[CandidateOut])
def free_slots(room_id: Id, db: SessionDep, user: StaffUser,
               height_u: Annotated[int, Query(ge=1, le=60)],
               power_w: Annotated[int, Query(ge=0, le=100_000)] = 0) -> list:
    setup.find_room(db, room_id)
    return space.free_slots(db, room_id, height_u, power_w)

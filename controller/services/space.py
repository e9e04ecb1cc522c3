"""Use cases for rack space: reserve, place, release, elevation, free slots.

The (rack, U) unique key of `rack_units` is the guard against double booking; the checks here
only give the common case a friendly message before the database has to say no.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..domain import slots
from ..domain.asset_kinds import may_deposit, takes_rack_space
from ..domain.choices import AllocationStatus, SlotState
from ..errors import Conflict, Invalid
from ..models import Allocation, Rack, RackUnit, Server, Unit, User
from ..models.base import utcnow
from .common import flush_or_conflict, get_or_404


@dataclass(frozen=True)
class ElevationU:
    u: int
    state: SlotState
    allocation_id: int | None
    holder: str | None          # unit code holding the U
    server_id: int | None
    label: str | None


def _holder(a: Allocation) -> str:
    unit = a.unit.code if a.unit else (a.server.unit.code if a.server else None)
    what = f"server {a.server.serial_number}" if a.server else "a reservation"
    return f"{what} of unit {unit or '-'} (allocation {a.id}, U{a.u_bottom}-U{a.u_top})"


def _conflicting(session: Session, rack_id: int, lo: int, hi: int) -> Allocation | None:
    alloc_id = session.scalar(
        select(RackUnit.allocation_id).where(RackUnit.rack_id == rack_id, RackUnit.u.between(lo, hi))
        .order_by(RackUnit.u).limit(1))
    return session.get(Allocation, alloc_id) if alloc_id else None


def rack_power_used(session: Session, rack_id: int) -> int:
    return session.scalar(
        select(func.coalesce(func.sum(Server.power_w), 0))
        .join(Allocation, Allocation.server_id == Server.id)
        .where(Allocation.rack_id == rack_id, Allocation.status != AllocationStatus.released)) or 0


def reserve(session: Session, actor: User, rack_id: int, u_bottom: int, height_u: int,
            server_id: int | None = None, note: str | None = None, unit_id: int | None = None,
            status: AllocationStatus = AllocationStatus.reserved) -> Allocation:
    rack = get_or_404(session, Rack, rack_id, "rack")
    top = u_bottom + height_u - 1
    if u_bottom < 1 or top > rack.height_u:
        raise Invalid(f"U{u_bottom}-U{top} does not fit rack '{rack.name}' of {rack.height_u} U", field="u_bottom")
    server = None
    if server_id is not None:
        server = session.get(Server, server_id)
        if server is None:
            raise Invalid(f"server {server_id} does not exist", field="server_id")
        if not takes_rack_space(server.kind):
            raise Conflict(f"server {server_id} is a {server.kind}, which takes no rack space", field="server_id")
        if server.height_u != height_u:
            raise Invalid(f"server {server_id} is {server.height_u} U high, not {height_u}", field="height_u")
        if session.scalar(select(Allocation.id).where(
                Allocation.server_id == server_id, Allocation.status != AllocationStatus.released)):
            raise Conflict(f"server {server_id} already holds rack space", field="server_id")
        if rack.power_capacity_w is not None:
            used = rack_power_used(session, rack_id)
            if used + server.power_w > rack.power_capacity_w:
                raise Conflict(
                    f"rack '{rack.name}' power budget exceeded: {used} W used + {server.power_w} W "
                    f"> {rack.power_capacity_w} W", field="server_id")
    clash = _conflicting(session, rack_id, u_bottom, top)
    if clash is not None:
        raise Conflict(f"U{u_bottom}-U{top} of rack '{rack.name}' overlaps {_holder(clash)}",
                       field="u_bottom", holder=_holder_body(clash))
    alloc = Allocation(rack_id=rack_id, u_bottom=u_bottom, height_u=height_u, server_id=server_id,
                       unit_id=unit_id if unit_id is not None else (server.unit_id if server else None),
                       status=status, note=note, created_by=actor.username)
    session.add(alloc)
    session.flush()
    session.add_all(RackUnit(rack_id=rack_id, u=u, allocation_id=alloc.id) for u in range(u_bottom, top + 1))
    # A racing request that got there first makes this flush fail on the unique (rack, u) key.
    flush_or_conflict(session, f"U{u_bottom}-U{top} of rack '{rack.name}' was just taken by another request",
                      field="u_bottom")
    return alloc


def place_own_asset(session: Session, actor: User, rack_id: int, u_bottom: int, height_u: int,
                    server_id: int | None, note: str | None, deposit: frozenset[str]) -> Allocation:
    """Mount an asset the office does not take into custody (a switch, a UPS) straight into its
    U: no request moves it there. A server (a kind in ``deposit``, TITIP_DEPOSITABLE_KINDS) comes
    in through its custody request."""
    server = session.get(Server, server_id) if server_id is not None else None
    if server is None:
        raise Invalid("placing needs the asset: give server_id", field="server_id")
    if may_deposit(server.kind, deposit):
        raise Conflict(f"asset {server.id} ({server.kind}) is taken into custody, so it is placed through its "
                       "custody request, not directly", field="placed")
    return reserve(session, actor, rack_id, u_bottom, height_u, server.id, note,
                   status=AllocationStatus.occupied)


def _holder_body(a: Allocation) -> dict:
    return {"allocation_id": a.id, "u_bottom": a.u_bottom, "u_top": a.u_top, "status": a.status,
            "unit": a.unit.code if a.unit else None,
            "server_id": a.server_id, "description": _holder(a)}


def release(session: Session, allocation_id: int) -> Allocation:
    alloc = get_or_404(session, Allocation, allocation_id, "reservation")
    if alloc.status == AllocationStatus.released:
        raise Conflict(f"allocation {allocation_id} was already released")
    for ru in session.scalars(select(RackUnit).where(RackUnit.allocation_id == alloc.id)):
        session.delete(ru)
    alloc.status = AllocationStatus.released
    alloc.released_at = utcnow()
    session.flush()
    return alloc


def occupy(session: Session, allocation_id: int) -> Allocation:
    """The reservation becomes the placement: same U, now holding the server itself."""
    alloc = get_or_404(session, Allocation, allocation_id, "reservation")
    if alloc.status != AllocationStatus.reserved:
        raise Conflict(f"allocation {allocation_id} is {alloc.status}, not reserved")
    alloc.status = AllocationStatus.occupied
    session.flush()
    return alloc


def elevation(session: Session, rack_id: int) -> tuple[Rack, list[ElevationU]]:
    rack = get_or_404(session, Rack, rack_id, "rack")
    return rack, elevations(session, [rack])[rack.id]


def elevations(session: Session, racks: Sequence[Rack]) -> dict[int, list[ElevationU]]:
    """Every U of each rack, bottom up, read in one statement for all of them (a room's view
    draws fifty racks: one query each, with every allocation loaded as an object, cost ~1 s)."""
    held: dict[int, dict[int, Any]] = {r.id: {} for r in racks}
    if held:
        for row in session.execute(
                select(RackUnit.rack_id, RackUnit.u, Allocation.id, Allocation.status, Allocation.server_id,
                       Allocation.note, Unit.code, Server.brand, Server.model, Server.serial_number)
                .join(Allocation, Allocation.id == RackUnit.allocation_id)
                .outerjoin(Unit, Unit.id == Allocation.unit_id)
                .outerjoin(Server, Server.id == Allocation.server_id)
                .where(RackUnit.rack_id.in_(list(held)))):
            held[row.rack_id][row.u] = row
    out: dict[int, list[ElevationU]] = {}
    for rack in racks:
        units = []
        for u in range(1, rack.height_u + 1):
            a = held[rack.id].get(u)
            if a is None:
                units.append(ElevationU(u, SlotState.free, None, None, None, None))
                continue
            state = SlotState.occupied if a.status == AllocationStatus.occupied else SlotState.reserved
            label = f"{a.brand} {a.model} ({a.serial_number})" if a.server_id is not None else a.note
            units.append(ElevationU(u, state, a.id, a.code, a.server_id, label))
        out[rack.id] = units
    return out


def room_spaces(session: Session, room_id: int) -> list[slots.RackSpace]:
    racks = session.scalars(select(Rack).where(Rack.room_id == room_id).order_by(Rack.name)).all()
    held: dict[int, set[int]] = {r.id: set() for r in racks}
    for rack_id, u in session.execute(
            select(RackUnit.rack_id, RackUnit.u).where(RackUnit.rack_id.in_(list(held)))):
        held[rack_id].add(u)
    power = dict(session.execute(
        select(Allocation.rack_id, func.coalesce(func.sum(Server.power_w), 0))
        .join(Server, Allocation.server_id == Server.id)
        .where(Allocation.rack_id.in_(list(held)), Allocation.status != AllocationStatus.released)
        .group_by(Allocation.rack_id)).all())
    return [slots.RackSpace(r.id, r.name, r.height_u, frozenset(held[r.id]), r.power_capacity_w,
                            int(power.get(r.id, 0))) for r in racks]


def free_slots(session: Session, room_id: int, height_u: int, power_w: int = 0) -> list[slots.Candidate]:
    return slots.candidates(room_spaces(session, room_id), height_u, power_w)


def list_allocations_stmt(rack_id: int, include_released: bool = False) -> Select[Allocation]:
    stmt = select(Allocation).where(Allocation.rack_id == rack_id).order_by(Allocation.u_bottom)
    if not include_released:
        stmt = stmt.where(Allocation.status != AllocationStatus.released)
    return stmt


def actor_name(user: User) -> str:
    return user.username

"""Use cases for the office set-up: units, users, rooms and racks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.choices import Role
from ..errors import Conflict, Invalid, NotFound
from ..models import Allocation, Rack, RackUnit, Room, Server, Unit, User
from ..security import hash_password, password_problem
from .common import flush_or_conflict, get_or_404
from .space import rack_power_used


def unit_by_code(session: Session, code: str, field: str = "unit_code") -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise Invalid(f"unknown unit code '{code}'", field=field)
    return unit


def create_unit(session: Session, code: str, name: str) -> Unit:
    if session.scalar(select(Unit.id).where(Unit.code == code)):
        raise Conflict(f"unit code '{code}' already exists", field="code")
    unit = Unit(code=code, name=name)
    session.add(unit)
    flush_or_conflict(session, f"unit code '{code}' already exists", "code")
    return unit


def update_unit(session: Session, unit_id: int, changes: dict[str, Any]) -> Unit:
    unit = get_or_404(session, Unit, unit_id, "unit")
    if ("code" in changes and changes["code"] != unit.code
            and session.scalar(select(Unit.id).where(Unit.code == changes["code"]))):
        raise Conflict(f"unit code '{changes['code']}' already exists", field="code")
    for key, value in changes.items():
        setattr(unit, key, value)
    flush_or_conflict(session, "unit code already exists", "code")
    return unit


def delete_unit(session: Session, unit_id: int) -> None:
    unit = get_or_404(session, Unit, unit_id, "unit")
    used = session.scalar(select(func.count()).select_from(Server).where(Server.unit_id == unit_id))
    users = session.scalar(select(func.count()).select_from(User).where(User.unit_id == unit_id))
    if used or users:
        raise Conflict(f"unit '{unit.code}' still has {used} server(s) and {users} user(s)")
    session.delete(unit)
    flush_or_conflict(session, f"unit '{unit.code}' is still referenced")


def _check_role_unit(role: str, unit: Unit | None) -> None:
    if role == Role.unit_contact and unit is None:
        raise Invalid("a unit_contact user needs unit_code", field="unit_code")
    if role != Role.unit_contact and unit is not None:
        raise Invalid("only unit_contact users belong to a unit", field="unit_code")


def create_user(session: Session, *, username: str, password: str, role: str, full_name: str,
                nip: str | None = None, email: str | None = None, unit_code: str | None = None) -> User:
    unit = unit_by_code(session, unit_code) if unit_code else None
    _check_role_unit(role, unit)
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"username '{username}' already exists", field="username")
    check_password_policy(password, username)
    user = User(username=username, password_hash=hash_password(password), role=role,
                full_name=full_name, nip=nip, email=email, unit_id=unit.id if unit else None)
    session.add(user)
    flush_or_conflict(session, f"username '{username}' already exists", "username")
    return user


def update_user(session: Session, user_id: int, changes: dict[str, Any]) -> User:
    user = get_or_404(session, User, user_id, "user")
    # null means "leave as is" for what a user must always have; nip, email and unit may be cleared
    changes = {k: v for k, v in changes.items()
               if v is not None or k in ("nip", "email", "unit_code")}
    if "unit_code" in changes:
        code = changes.pop("unit_code")
        user.unit_id = unit_by_code(session, code).id if code else None
    ends = "password" in changes or any(
        k in changes and changes[k] != getattr(user, k) for k in ("role", "is_active"))
    if "password" in changes:
        check_password_policy(changes["password"], user.username)
        user.password_hash = hash_password(changes.pop("password"))
        from .throttle import succeeded
        succeeded(session, user.username)   # a reset by an admin lifts the account's lock
    for key, value in changes.items():
        setattr(user, key, value)
    if ends:
        end_sessions(user)
    _check_role_unit(user.role, session.get(Unit, user.unit_id) if user.unit_id else None)
    flush_or_conflict(session, "user conflicts with an existing one")
    return user


def deactivate_user(session: Session, user_id: int) -> User:
    """Users are never deleted: their name stays on the audit trail and signed forms."""
    user = get_or_404(session, User, user_id, "user")
    if user.is_active:
        user.is_active = False
        end_sessions(user)
    session.flush()
    return user


def check_password_policy(password: str, username: str) -> None:
    if (problem := password_problem(password, username)) is not None:
        raise Invalid(f"password: {problem}", field="password")


def end_sessions(user: User) -> None:
    """Every API token and web session of `user` issued before now stops working."""
    user.session_epoch = (user.session_epoch or 0) + 1


def create_room(session: Session, name: str) -> Room:
    if session.scalar(select(Room.id).where(Room.name == name)):
        raise Conflict(f"room '{name}' already exists", field="name")
    room = Room(name=name)
    session.add(room)
    flush_or_conflict(session, f"room '{name}' already exists", "name")
    return room


def update_room(session: Session, room_id: int, name: str) -> Room:
    room = get_or_404(session, Room, room_id, "room")
    if name != room.name and session.scalar(select(Room.id).where(Room.name == name)):
        raise Conflict(f"room '{name}' already exists", field="name")
    room.name = name
    flush_or_conflict(session, f"room '{name}' already exists", "name")
    return room


def delete_room(session: Session, room_id: int) -> None:
    room = get_or_404(session, Room, room_id, "room")
    racks = session.scalar(select(func.count()).select_from(Rack).where(Rack.room_id == room_id))
    if racks:
        raise Conflict(f"room '{room.name}' still has {racks} rack(s)")
    session.delete(room)
    flush_or_conflict(session, f"room '{room.name}' is still referenced")


def create_rack(session: Session, room_id: int, name: str, height_u: int,
                power_capacity_w: int | None) -> Rack:
    if session.get(Room, room_id) is None:
        raise Invalid(f"room {room_id} does not exist", field="room_id")
    if session.scalar(select(Rack.id).where(Rack.room_id == room_id, Rack.name == name)):
        raise Conflict(f"rack '{name}' already exists in room {room_id}", field="name")
    rack = Rack(room_id=room_id, name=name, height_u=height_u, power_capacity_w=power_capacity_w)
    session.add(rack)
    flush_or_conflict(session, f"rack '{name}' already exists in room {room_id}", "name")
    return rack


def update_rack(session: Session, rack_id: int, changes: dict[str, Any]) -> Rack:
    rack = get_or_404(session, Rack, rack_id, "rack")
    if "height_u" in changes:
        top = session.scalar(select(func.max(RackUnit.u)).where(RackUnit.rack_id == rack_id)) or 0
        if changes["height_u"] < top:
            raise Conflict(f"U{top} is held; the rack cannot be shorter than {top} U", field="height_u")
    if "room_id" in changes and session.get(Room, changes["room_id"]) is None:
        raise Invalid(f"room {changes['room_id']} does not exist", field="room_id")
    if changes.get("power_capacity_w") is not None:
        _check_power_capacity(session, rack, changes["power_capacity_w"])
    for key, value in changes.items():
        setattr(rack, key, value)
    flush_or_conflict(session, "a rack with that name already exists in the room", "name")
    return rack


def _check_power_capacity(session: Session, rack: Rack, capacity_w: int) -> None:
    """The servers placed or reserved in a rack keep their power: its capacity cannot drop below it."""
    used = rack_power_used(session, rack.id)
    if capacity_w < used:
        raise Conflict(f"rack '{rack.name}' already draws {used} W (placed and reserved servers); "
                       f"its capacity cannot be {capacity_w} W", field="power_capacity_w",
                       used_w=used, requested_w=capacity_w)


def delete_rack(session: Session, rack_id: int) -> None:
    rack = get_or_404(session, Rack, rack_id, "rack")
    if session.scalar(select(func.count()).select_from(Allocation).where(Allocation.rack_id == rack_id)):
        raise Conflict(f"rack '{rack.name}' has reservation or placement history and cannot be deleted")
    session.delete(rack)
    flush_or_conflict(session, f"rack '{rack.name}' is still referenced")


def find_room(session: Session, room_id: int) -> Room:
    room = session.get(Room, room_id)
    if room is None:
        raise NotFound(f"room {room_id} not found")
    return room

"""Use cases for the server records, scoped to the caller's unit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ..errors import Conflict, Forbidden
from ..models import Allocation, Server, User
from ..domain.choices import AllocationStatus, Role
from .access import check_unit, unit_scope
from .common import flush_or_conflict
from .setup import unit_by_code


def get_server(session: Session, user: User, server_id: int) -> Server:
    server = session.get(Server, server_id)
    check_unit(user, server.unit_id if server else None, "server", server_id)
    if server is None:
        from ..errors import NotFound
        raise NotFound(f"server {server_id} not found")
    return server


def list_servers_stmt(user: User, unit_code: str | None = None, include_disposed: bool = False):
    """The caller's servers; disposed ones (gone for good, kept for their history) only when asked."""
    stmt = select(Server).order_by(Server.id)
    scope = unit_scope(user)
    if scope is not None:
        stmt = stmt.where(Server.unit_id == scope)
    if unit_code:
        from ..models import Unit
        stmt = stmt.join(Unit, Unit.id == Server.unit_id).where(Unit.code == unit_code)
    if not include_disposed:
        from ..models.assets import AssetRecord
        stmt = stmt.where(~exists().where(AssetRecord.server_id == Server.id, AssetRecord.disposed_at.is_not(None)))
    return stmt


def _serial_free(session: Session, serial: str, except_id: int | None = None) -> None:
    existing = session.scalar(select(Server.id).where(Server.serial_number == serial))
    if existing and existing != except_id:
        raise Conflict(f"serial number '{serial}' is already registered (server {existing})",
                       field="serial_number")


def create_server(session: Session, user: User, data: dict[str, Any]) -> Server:
    unit = unit_by_code(session, data.pop("unit_code"))
    if user.role == Role.unit_contact and unit.id != user.unit_id:
        raise Forbidden("a contact person registers servers for their own unit only", field="unit_code")
    _serial_free(session, data["serial_number"])
    server = Server(unit_id=unit.id, **data)
    session.add(server)
    flush_or_conflict(session, f"serial number '{data['serial_number']}' is already registered", "serial_number")
    return server


def update_server(session: Session, user: User, server_id: int, changes: dict[str, Any]) -> Server:
    server = get_server(session, user, server_id)
    if "unit_code" in changes:
        unit = unit_by_code(session, changes.pop("unit_code"))
        if user.role == Role.unit_contact and unit.id != user.unit_id:
            raise Forbidden("a contact person cannot hand a server to another unit", field="unit_code")
        server.unit_id = unit.id
    if "serial_number" in changes:
        _serial_free(session, changes["serial_number"], server.id)
    if "condition" in changes and user.role == Role.unit_contact:
        raise Forbidden("only the office sets a server's condition", field="condition")
    if "height_u" in changes and changes["height_u"] != server.height_u and _held(session, server.id):
        raise Conflict("the server holds rack space; release it before changing its height", field="height_u")
    for key, value in changes.items():
        setattr(server, key, value)
    flush_or_conflict(session, "serial number is already registered", "serial_number")
    return server


def monitoring(session: Session, server_id: int, stale_seconds: int) -> dict[str, Any]:
    """What the agent last said: up means a heartbeat within `stale_seconds`."""
    import json
    from datetime import timedelta

    from ..models import ServerStatus
    from ..models.base import utcnow

    st = session.get(ServerStatus, server_id)
    if st is None:
        return {"up": False, "last_seen_at": None, "condition": None, "inventory": None,
                "inventory_at": None, "inventory_source": None, "agent_version": None}
    up = st.last_seen_at is not None and utcnow() - st.last_seen_at <= timedelta(seconds=stale_seconds)
    return {"up": up, "last_seen_at": st.last_seen_at,
            "condition": json.loads(st.last_heartbeat) if st.last_heartbeat else None,
            "inventory": json.loads(st.last_inventory) if st.last_inventory else None,
            "inventory_at": st.last_inventory_at, "inventory_source": st.last_inventory_source,
            "agent_version": st.agent_version, "dropped_heartbeats": st.dropped_heartbeats,
            "inventory_requested": st.inventory_requested}


def _held(session: Session, server_id: int) -> bool:
    return bool(session.scalar(select(Allocation.id).where(
        Allocation.server_id == server_id, Allocation.status != AllocationStatus.released)))


def delete_server(session: Session, user: User, server_id: int) -> None:
    server = get_server(session, user, server_id)
    if session.scalar(select(Allocation.id).where(Allocation.server_id == server_id)):
        raise Conflict("the server has rack history; its record is kept")
    session.delete(server)
    flush_or_conflict(session, "the server is still referenced")

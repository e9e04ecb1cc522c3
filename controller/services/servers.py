"""Use cases for the server records, scoped to the caller's unit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from .. import audit
from ..domain.asset_kinds import takes_rack_space
from ..domain.choices import AllocationStatus, Role
from ..domain.custody_flow import IN_CUSTODY
from ..domain.liveness import agent_alive
from ..errors import Conflict, Forbidden, Invalid
from ..models import Allocation, CustodyRequest, Finding, Rack, Server, Signature, User
from ..settings import Settings
from . import asset_kinds
from .access import check_unit, unit_scope
from .common import flush_or_conflict
from .setup import unit_by_code
from .space import rack_power_used


def get_server(session: Session, user: User, server_id: int) -> Server:
    server = session.get(Server, server_id)
    check_unit(user, server.unit_id if server else None, "server", server_id)
    if server is None:
        from ..errors import NotFound
        raise NotFound(f"server {server_id} not found")
    return server


def list_servers_stmt(user: User, unit_code: str | None = None, include_disposed: bool = False,
                      kind: str | None = None) -> Select[Server]:
    """The caller's servers (assets of ``kind``, when given); disposed ones (gone for good, kept for
    their history) only when asked."""
    stmt = select(Server).order_by(Server.id)
    if kind:
        stmt = stmt.where(Server.kind == asset_kinds.check_kind(kind))
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


def create_server(session: Session, user: User, data: dict[str, Any], settings: Settings | None = None) -> Server:
    """A register row of any asset kind (a server unless ``kind`` says otherwise)."""
    columns = asset_kinds.prepare(data, settings)
    unit = unit_by_code(session, data.pop("unit_code"))
    if user.role == Role.unit_contact and unit.id != user.unit_id:
        raise Forbidden("a contact person registers servers for their own unit only", field="unit_code")
    if data.get("site") and user.role == Role.unit_contact:
        raise Forbidden("only the office assigns a server to a site", field="site")
    _serial_free(session, data["serial_number"])
    server = Server(unit_id=unit.id, **{**data, **columns})
    session.add(server)
    flush_or_conflict(session, f"serial number '{data['serial_number']}' is already registered", "serial_number")
    return server


# What the custody papers vouch for. While the office holds a server these change only through
# a case: an officer's correction with a reason, or a transfer case for the unit.
GUARDED = ("serial_number", "height_u", "power_w")
_NAMES = {"serial_number": "serial number", "height_u": "height", "power_w": "power draw"}
TRANSFERS = "/api/v1/transfers"


def open_custody(session: Session, server_id: int) -> CustodyRequest | None:
    """The request under which the office holds the server now. A server may have several
    requests over the years, at most one of them open, so this asks by state."""
    return session.scalar(
        select(CustodyRequest)
        .where(CustodyRequest.server_id == server_id,
               CustodyRequest.state.in_([str(s) for s in IN_CUSTODY]))
        .order_by(CustodyRequest.id.desc()).limit(1))


def update_server(session: Session, user: User, server_id: int, changes: dict[str, Any],
                  settings: Settings | None = None) -> Server:
    server = get_server(session, user, server_id)
    if (changes.get("kind") and not takes_rack_space(asset_kinds.check_kind(changes["kind"]))
            and _held(session, server.id)):
        raise Conflict(f"the asset holds rack space, which a {changes['kind']} does not take; release it "
                       "before changing its kind", field="kind")
    changes.update(asset_kinds.prepare(changes, settings, server))
    reason = (changes.pop("reason", None) or "").strip() or None
    custody = open_custody(session, server.id)
    unit = None
    if "unit_code" in changes:
        unit = unit_by_code(session, changes.pop("unit_code"))
        if custody is not None and unit.id != server.unit_id:
            raise Conflict(f"server {server.id} is in custody (request {custody.id}, {custody.state}): "
                           f"it moves to another unit only through a transfer case ({TRANSFERS})",
                           field="unit_code", request_id=custody.id, via=TRANSFERS)
        if user.role == Role.unit_contact and unit.id != user.unit_id:
            raise Forbidden("a contact person cannot hand a server to another unit", field="unit_code")
    if "condition" in changes and user.role == Role.unit_contact:
        raise Forbidden("only the office sets a server's condition", field="condition")
    if "site" in changes and user.role == Role.unit_contact:
        raise Forbidden("only the office assigns a server to a site", field="site")
    if "site" in changes:
        changes["site"] = changes["site"] or ""   # null: back to the office's own network
    corrected = {k: changes[k] for k in GUARDED if k in changes and changes[k] != getattr(server, k)}
    if custody is not None and corrected:
        _check_correction(user, server, custody, next(iter(corrected)), reason)
    if "serial_number" in corrected:
        _serial_free(session, corrected["serial_number"], server.id)
    if "height_u" in corrected and _held(session, server.id):
        raise Conflict("the server holds rack space; release it before changing its height", field="height_u")
    if "power_w" in corrected:
        _check_power_budget(session, server, corrected["power_w"])
    before = {k: getattr(server, k) for k in corrected}
    if unit is not None:
        server.unit = unit  # the relationship, so the answer names the new unit
    for key, value in changes.items():
        setattr(server, key, value)
    flush_or_conflict(session, "serial number is already registered", "serial_number")
    if custody is not None and corrected:
        _record_correction(session, server, custody, before, corrected, reason)
    return server


def _check_correction(user: User, server: Server, custody: CustodyRequest, field: str,
                      reason: str | None) -> None:
    """In custody, only the office corrects what the papers say, and says why."""
    if user.role == Role.unit_contact:
        raise Conflict(f"server {server.id} is in custody (request {custody.id}, {custody.state}): "
                       f"its {_NAMES[field]} is corrected only by the office officer, with a reason; "
                       "ask the officer to correct it", field=field, request_id=custody.id)
    if reason is None:
        raise Invalid(f"correcting the {_NAMES[field]} of a server in custody needs a reason", field="reason")


def _check_power_budget(session: Session, server: Server, power_w: int) -> None:
    """A server holding rack space may not draw more than its rack has left."""
    alloc = session.scalar(select(Allocation).where(
        Allocation.server_id == server.id, Allocation.status != AllocationStatus.released))
    if alloc is None:
        return
    rack = session.get(Rack, alloc.rack_id)
    if rack is None or rack.power_capacity_w is None:
        return
    used = rack_power_used(session, rack.id)
    total = used - server.power_w + power_w
    if total > rack.power_capacity_w:
        raise Conflict(f"rack '{rack.name}' would draw {total} W of its {rack.power_capacity_w} W",
                       field="power_w", rack_id=rack.id, used_w=used, requested_w=power_w,
                       capacity_w=rack.power_capacity_w)


def _record_correction(session: Session, server: Server, custody: CustodyRequest,
                       before: dict[str, Any], after: dict[str, Any], reason: str | None) -> None:
    """The row's own audit event has the values; this one says why and under which request. A
    serial corrected after the handover was signed differs from the signed paper: a finding."""
    audit.append(session, "correct", "server", server.id, before,
                 {**after, "reason": reason, "request_id": custody.id})
    if "serial_number" in after and session.scalar(select(Signature.id).where(
            Signature.request_id == custody.id, Signature.form == "handover").limit(1)):
        session.add(Finding(server_id=server.id, kind="serial_corrected", field="serial_number",
                            recorded=before["serial_number"], observed=after["serial_number"],
                            source="correction"))
        session.flush()


def monitoring(session: Session, server_id: int, stale_seconds: int) -> dict[str, Any]:
    """What the agent last said: up means a heartbeat within `stale_seconds`."""
    import json

    from ..models import ServerStatus
    from ..models.base import utcnow

    st = session.get(ServerStatus, server_id)
    if st is None:
        return {"up": False, "last_seen_at": None, "condition": None, "inventory": None,
                "inventory_at": None, "inventory_source": None, "agent_version": None}
    up = bool(agent_alive(st.last_seen_at, utcnow(), stale_seconds))
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

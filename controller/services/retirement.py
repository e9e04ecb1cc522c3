"""Retiring a server's monitoring when it leaves (returned or disposed), and resuming it when it
comes back.

A server that has gone home must not keep speaking for itself: its agents' credentials are
revoked (their reports are refused with 401, and the refusal is audited), its SNMP/SSH targets
are retired (no longer probed or inventoried) and it leaves `/metrics`' live series. Nothing is
deleted: the record, its reports and its targets stay as history. When the same server is
received for a new custody it is monitored again; its agent enrols afresh with a new token.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Agent, CollectionTarget, Server
from ..models.monitoring import ServerStatus


def retire(session: Session, server_id: int, now: datetime) -> dict[str, int]:
    """Revoke, retire, mark; returns what was retired (for the step's note and tests)."""
    agents = list(session.scalars(select(Agent).where(Agent.server_id == server_id, Agent.revoked_at.is_(None))))
    for agent in agents:
        agent.revoked_at = now
    targets = list(session.scalars(select(CollectionTarget).where(
        CollectionTarget.server_id == server_id, CollectionTarget.retired_at.is_(None))))
    for target in targets:
        target.retired_at = now
    server = session.get(Server, server_id)
    if server is not None:
        server.retired_at = now
    status = session.get(ServerStatus, server_id)
    if status is not None:
        status.inventory_requested = False
    session.flush()
    return {"agents": len(agents), "targets": len(targets)}


def resume(session: Session, server_id: int) -> None:
    """The server is back in the office: it is monitored again once its agent enrols anew."""
    server = session.get(Server, server_id)
    if server is not None and server.retired_at is not None:
        server.retired_at = None
        session.flush()

"""What machines reported about servers: reports, findings, inventory requests."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from ...models import AgentReport, Finding
from ...services import agents, servers
from ...services.access import unit_scope
from ...services.common import page
from ..answers.agents import FindingOut, InventoryRequested, ReportOut
from ..deps import CurrentUser, Id, PagingDep, SessionDep, SpaceManager
from ..schemas import Page
from ..unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, tags=["monitoring"])


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=500)


def finding_out(f: Finding) -> FindingOut:
    return FindingOut.model_validate(f)


@router.get("/servers/{server_id}/reports", response_model=Page[ReportOut])
def server_reports(server_id: Id, db: SessionDep, user: CurrentUser, paging: PagingDep,
                   kind: Annotated[Literal["inventory", "heartbeat"] | None, Query()] = None) -> dict[str, Any]:
    """Stored reports, oldest first, with their ids."""
    servers.get_server(db, user, server_id)
    stmt = select(AgentReport).where(AgentReport.server_id == server_id).order_by(AgentReport.id)
    if kind:
        stmt = stmt.where(AgentReport.kind == kind)
    items, total = page(db, stmt, paging.offset, paging.limit)
    return {"items": [{"report_id": r.report_id, "kind": r.kind, "source": r.source, "sent_at": r.sent_at,
                      "received_at": r.received_at, "dropped_heartbeats": r.dropped_heartbeats,
                       "payload": json.loads(r.payload)} for r in items],
            "total": total, "offset": paging.offset, "limit": paging.limit}


@router.get("/findings", response_model=Page[FindingOut])
def list_findings(db: SessionDep, user: CurrentUser, paging: PagingDep,
                  status: Annotated[Literal["open", "accepted", "rejected"] | None, Query()] = None,
                  server_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> dict[str, Any]:
    stmt = select(Finding).order_by(Finding.id)
    if (scope := unit_scope(user)) is not None:
        from ...models import Server
        stmt = stmt.join(Server, Server.id == Finding.server_id).where(Server.unit_id == scope)
    if status:
        stmt = stmt.where(Finding.status == status)
    if server_id:
        stmt = stmt.where(Finding.server_id == server_id)
    items, total = page(db, stmt, paging.offset, paging.limit)
    return {"items": [finding_out(f) for f in items], "total": total, "offset": paging.offset,
            "limit": paging.limit}


@router.post("/findings/{finding_id}/accept", response_model=FindingOut)
def accept(finding_id: Id, db: SessionDep, user: SpaceManager, body: ResolveIn | None = None) -> FindingOut:
    """The observation becomes the record (the officer checked the hardware)."""
    return finding_out(agents.resolve_finding(db, user, finding_id, True, body.note if body else None))


@router.post("/findings/{finding_id}/reject", response_model=FindingOut)
def reject(finding_id: Id, db: SessionDep, user: SpaceManager, body: ResolveIn | None = None) -> FindingOut:
    return finding_out(agents.resolve_finding(db, user, finding_id, False, body.note if body else None))


@router.post("/servers/{server_id}/inventory-request", response_model=InventoryRequested)
def request_inventory(server_id: Id, db: SessionDep, user: SpaceManager) -> InventoryRequested:
    """Ask the server's agent for a full inventory with its next heartbeat."""
    agents.request_inventory(db, server_id)
    return InventoryRequested(server_id=server_id, inventory_requested=True)

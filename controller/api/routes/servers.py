from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from ...domain.asset_kinds import AssetKind
from ...domain.choices import Condition
from ...models import Server
from ...services import asset_kinds, server_view, servers
from ...services.common import page
from ...services.custody import custodies_of
from ..deps import CurrentUser, Id, PagingDep, ServerEditor, SessionDep, SettingsDep, SpaceManager
from ..schemas import CustodyOut, Page, ServerIn, ServerOut, ServerPatch
from ..unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/servers", tags=["servers"])


def server_out(s: Server) -> ServerOut:
    return ServerOut(id=s.id, kind=AssetKind(s.kind), attributes=asset_kinds.attributes_of(s),
                     secrets_set=asset_kinds.secrets_set(s), unit_code=s.unit.code, brand=s.brand, model=s.model,
                     serial_number=s.serial_number, height_u=s.height_u, power_w=s.power_w,
                     hostname=s.hostname, management_ip=s.management_ip, condition=Condition(s.condition),
                     site=s.site or "")


@router.get("", response_model=Page[ServerOut])
def list_servers(db: SessionDep, user: CurrentUser, paging: PagingDep,
                 unit: Annotated[str | None, Query(max_length=32)] = None,
                 include_disposed: bool = False, kind: AssetKind | None = None) -> dict:
    """The register rows the caller may see (of one `kind` when given); disposed ones only with
    `include_disposed=true`."""
    items, total = page(db, servers.list_servers_stmt(user, unit, include_disposed, kind), paging.offset,
                        paging.limit)
    return {"items": [server_out(s) for s in items], "total": total,
            "offset": paging.offset, "limit": paging.limit}


@router.get("/{server_id}", response_model=ServerOut)
def get_server(server_id: Id, db: SessionDep, user: CurrentUser, settings: SettingsDep) -> ServerOut:
    out = server_out(servers.get_server(db, user, server_id))
    out.monitoring = servers.monitoring(db, server_id, settings.heartbeat_stale_seconds)
    out.custodies = [CustodyOut(id=r.id, state=r.state, letter_number=r.letter_number, letter_date=r.letter_date,
                                created_at=r.created_at, state_since=r.state_since)
                     for r in custodies_of(db, server_id)]
    out.retired_at = db.get_one(Server, server_id).retired_at
    return out


class HistoryEventOut(BaseModel):
    at: datetime
    kind: str = Field(description="custody, inventory, maintenance, transfer, disposal, ticket or audit")
    text: str
    actor: str | None
    note: str | None = None
    ref: str | None = Field(None, description="the page about the event, e.g. /tickets/3")


@router.get("/{server_id}/history", response_model=list[HistoryEventOut])
def server_history(server_id: Id, db: SessionDep, user: CurrentUser) -> list[HistoryEventOut]:
    """Every custody step, inventory item, lifecycle step, ticket step and audit event of the
    server, oldest first (what its page's History tab shows)."""
    out = [HistoryEventOut(at=e.at, kind=e.kind, text=e.text, actor=e.actor, note=e.note, ref=e.ref)
           for e in server_view.history(db, user, server_id)]
    return out


@router.post("", response_model=ServerOut, status_code=201)
def create_server(body: ServerIn, db: SessionDep, user: ServerEditor, settings: SettingsDep) -> ServerOut:
    out = server_out(servers.create_server(db, user, body.model_dump(), settings))
    return out


@router.patch("/{server_id}", response_model=ServerOut)
def update_server(server_id: Id, body: ServerPatch, db: SessionDep, user: ServerEditor,
                  settings: SettingsDep) -> ServerOut:
    changes = body.model_dump(exclude_unset=True)
    for required in ("kind", "unit_code", "brand", "model", "serial_number", "height_u", "power_w", "condition"):
        if required in changes and changes[required] is None:
            changes.pop(required)
    out = server_out(servers.update_server(db, user, server_id, changes, settings))
    return out


@router.delete("/{server_id}", status_code=204)
def delete_server(server_id: Id, db: SessionDep, user: SpaceManager) -> Response:
    servers.delete_server(db, user, server_id)
    return Response(status_code=204)

"""Helpdesk tickets over HTTP; the rules live in services.tickets and domain.ticket_flow."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from ...domain.ticket_flow import TicketState
from ...services import tickets
from ...services.common import page
from ..deps import CurrentUser, Id, PagingDep, SessionDep, SettingsDep

router = APIRouter(prefix="/tickets", tags=["tickets"])


@router.post("", status_code=201)
def file_ticket(db: SessionDep, settings: SettingsDep, user: CurrentUser,
                body: Annotated[dict[str, Any], Body(examples=[{
                    "subject": "Server tidak bisa diakses", "description": "Port 443 tertutup", "server_id": 1}])],
                ) -> dict:
    t = tickets.file(db, user, body, settings)
    out = tickets.view(db, settings, user, t)
    db.commit()
    return out


@router.get("")
def list_tickets(db: SessionDep, settings: SettingsDep, user: CurrentUser, paging: PagingDep,
                 state: Annotated[TicketState | None, Query()] = None) -> dict:
    items, total = page(db, tickets.list_stmt(user, state), paging.offset, paging.limit)
    out = {"items": [tickets.view(db, settings, user, t) for t in items], "total": total,
           "offset": paging.offset, "limit": paging.limit}
    db.commit()
    return out


@router.get("/{ticket_id}")
def get_ticket(ticket_id: Id, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> dict:
    out = tickets.view(db, settings, user, tickets.get(db, user, ticket_id))
    db.commit()
    return out


@router.post("/{ticket_id}/actions/{action}")
def act(ticket_id: Id, action: str, db: SessionDep, settings: SettingsDep, user: CurrentUser,
        body: Annotated[dict[str, Any] | None, Body()] = None) -> dict:
    t = tickets.apply(db, user, ticket_id, action, body, settings=settings)
    out = tickets.view(db, settings, user, t)
    db.commit()
    return out

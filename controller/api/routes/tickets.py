"""Helpdesk tickets over HTTP; the rules live in services.tickets, services.ticket_talk and
domain.ticket_flow. Comments and files are their own routes below the ticket's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Query, UploadFile
from starlette.responses import Response

from ...domain.ticket_flow import TicketState
from ...services import ticket_talk, tickets
from ...services.common import page
from ..deps import CurrentUser, Id, PagingDep, SessionDep, SettingsDep
from ..downloads import content_disposition
from ..schemas import Page
from ..ticket_schemas import AttachmentOut, CommentOut, TicketOut
from ..unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/tickets", tags=["tickets"])


@router.post("", status_code=201, response_model=TicketOut)
def file_ticket(db: SessionDep, settings: SettingsDep, user: CurrentUser,
                body: Annotated[dict[str, Any], Body(examples=[{
                    "subject": "Server tidak bisa diakses", "description": "Port 443 tertutup", "server_id": 1}])],
                ) -> dict:
    """File a ticket in the reporter's own words (`from_request` attaches that request's access
    checks beside them, as `findings`)."""
    t = tickets.file(db, user, body, settings)
    out = tickets.view(db, settings, user, t)
    return out


@router.get("", response_model=Page[TicketOut])
def list_tickets(db: SessionDep, settings: SettingsDep, user: CurrentUser, paging: PagingDep,
                 state: Annotated[TicketState | None, Query()] = None) -> dict:
    items, total = page(db, tickets.list_stmt(user, state), paging.offset, paging.limit)
    out = {"items": [tickets.view(db, settings, user, t, brief=True) for t in items], "total": total,
           "offset": paging.offset, "limit": paging.limit}
    return out


@router.get("/waiting", response_model=list[TicketOut])
def waiting_tickets(db: SessionDep, settings: SettingsDep, user: CurrentUser) -> list[dict]:
    """Open tickets in which the caller has a step to take (their queue), oldest first."""
    out = tickets.waiting_for(db, settings, user)
    return out


@router.get("/{ticket_id}", response_model=TicketOut)
def get_ticket(ticket_id: Id, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> dict:
    out = tickets.view(db, settings, user, tickets.get(db, user, ticket_id))
    return out


@router.post("/{ticket_id}/actions/{action}", response_model=TicketOut)
def act(ticket_id: Id, action: str, db: SessionDep, settings: SettingsDep, user: CurrentUser,
        body: Annotated[dict[str, Any] | None, Body()] = None) -> dict:
    """Take one step of SOP 003; 409 (or 403) lists the actions the caller may take."""
    t = tickets.apply(db, user, ticket_id, action, body, settings=settings)
    out = tickets.view(db, settings, user, t)
    return out


@router.post("/{ticket_id}/comments", status_code=201, response_model=CommentOut)
def add_comment(ticket_id: Id, db: SessionDep, settings: SettingsDep, user: CurrentUser,
                body: Annotated[dict[str, Any], Body(examples=[{"body": "Sudah dicoba dari jaringan kantor"}])],
                ) -> CommentOut:
    """A comment by the reporter, the helpdesk, the heads or the ticket's division (403 for others)."""
    c = ticket_talk.comment(db, settings, user, ticket_id, body)
    out = CommentOut(id=c.id, author=c.author, role=c.role, body=c.body, at=c.at)
    return out


@router.post("/{ticket_id}/attachments", status_code=201, response_model=AttachmentOut)
async def add_attachment(ticket_id: Id, db: SessionDep, user: CurrentUser,
                         file: Annotated[UploadFile, File()]) -> dict:
    """A PDF, PNG, JPEG or text file of at most 5 MB, kept as a document of the ticket's unit."""
    content = await file.read(ticket_talk.MAX_ATTACHMENT_BYTES + 1)
    a = ticket_talk.attach(db, user, ticket_id, file.filename or "lampiran", content)
    t = tickets.get(db, user, ticket_id)
    out = next(x for x in ticket_talk.attachments(db, t) if x["id"] == a.id)
    return out


@router.get("/{ticket_id}/attachments/{attachment_id}", response_class=Response, responses={200: {
    "description": "the file as stored",
    "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in ticket_talk.ALLOWED_TYPES}}})
def get_attachment(ticket_id: Id, attachment_id: Id, db: SessionDep, user: CurrentUser) -> Response:
    doc = ticket_talk.attachment_file(db, user, ticket_id, attachment_id)
    out = attachment_response(doc.content, doc.filename, doc.content_type, doc.sha256)
    return out


def attachment_response(content: bytes, filename: str, content_type: str, sha256: str) -> Response:
    """A ticket's file as stored; never sniffed into something else by the browser."""
    return Response(content, media_type=content_type, headers={
        "Content-Disposition": content_disposition(filename, "attachment"), "X-Content-SHA256": sha256,
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})

"""Custody requests: the SOP workflow over HTTP. Every rule lives in services.custody."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Query, UploadFile

from ...domain.custody_flow import CustodyState
from ...models.base import utcnow
from ...services import custody, papers
from ...services.common import page
from ...services.custody_payloads import Submit
from ...services.custody_view import request_view
from ..answers.common import UploadedOut
from ..answers.custody import CustodyMoveOut, CustodyRequestOut
from ..bodies import declared
from ..deps import CurrentUser, Id, PagingDep, SessionDep, SettingsDep
from ..schemas import Page
from ..unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/custody-requests", tags=["custody"])
# Answers keep exclude_unset: a key only some states have (waitlist_position, ticket_offer)
# stays absent, as it always was, instead of coming back null.


@router.post("", status_code=201, response_model=CustodyRequestOut, response_model_exclude_unset=True,
             openapi_extra=declared(Submit))
def submit(db: SessionDep, settings: SettingsDep, user: CurrentUser,
           body: Annotated[dict[str, Any], Body(examples=[{
               "letter_number": "005/123/DINKES/2026", "letter_date": "2026-11-20",
               "server": {"brand": "Dell", "model": "PowerEdge R740", "serial_number": "SN123",
                          "height_u": 2, "power_w": 750, "purpose": "SIMPUS"}}])]) -> dict[str, Any]:
    """File a custody request (role unit_contact, for the caller's own unit)."""
    return request_view(db, settings, user, custody.submit(db, settings, user, body))


@router.get("", response_model=Page[CustodyRequestOut], response_model_exclude_unset=True)
def list_requests(db: SessionDep, settings: SettingsDep, user: CurrentUser, paging: PagingDep,
                  state: Annotated[CustodyState | None, Query()] = None,
                  unit: Annotated[str | None, Query(max_length=32)] = None,
                  overdue: Annotated[bool | None, Query()] = None) -> dict[str, Any]:
    stmt = custody.list_stmt(user, state, unit)
    now = utcnow()
    if overdue is None:
        items, total = page(db, stmt, paging.offset, paging.limit)
        views = [request_view(db, settings, user, r, now, full=False) for r in items]
    else:  # overdue is computed in working time, so it is filtered here, not in SQL
        views = [v for v in (request_view(db, settings, user, r, now, full=False) for r in db.scalars(stmt))
                 if v["overdue"] == overdue]
        total, views = len(views), views[paging.offset:paging.offset + paging.limit]
    return {"items": views, "total": total, "offset": paging.offset, "limit": paging.limit}


@router.get("/{request_id}", response_model=CustodyRequestOut, response_model_exclude_unset=True)
def get_request(request_id: Id, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> dict[str, Any]:
    return request_view(db, settings, user, custody.get_request(db, user, request_id))


@router.post("/{request_id}/actions/{action}", response_model=CustodyMoveOut, response_model_exclude_unset=True)
def act(request_id: Id, action: str, db: SessionDep, settings: SettingsDep, user: CurrentUser,
        body: Annotated[dict[str, Any] | None, Body()] = None) -> dict[str, Any]:
    """Take one step of the workflow; 409 (or 403) lists the actions the caller may take."""
    result = custody.apply(db, settings, user, request_id, action, body)
    out = request_view(db, settings, user, result.request)
    out["promoted"] = result.promoted
    out["warnings"] = result.warnings  # e.g. the configure step's own access checks failed
    out["moved_with_it"] = result.batch  # a disposition of a letter about several servers
    return out


@router.post("/{request_id}/letter", status_code=201, response_model=UploadedOut)
async def upload_letter(request_id: Id, db: SessionDep, user: CurrentUser,
                        letter_file: Annotated[UploadFile, File()]) -> UploadedOut:
    """Attach the scanned request letter (PDF) to a request of the caller's unit."""
    content = await letter_file.read(papers.MAX_LETTER_BYTES + 1)
    req = custody.get_request(db, user, request_id)
    doc = papers.store_letter(db, req, letter_file.filename or "surat.pdf", content, user.username)
    return UploadedOut.model_validate(doc)

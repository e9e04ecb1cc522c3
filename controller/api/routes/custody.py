"""Custody requests: the SOP workflow over HTTP. Every rule lives in services.custody."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Query, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.custody_flow import STATE_LABELS, CustodyState
from ...models import AccessCheck, CustodyRequest, CustodyStep, Document, Signature, User
from ...models.base import utcnow
from ...services import custody, papers
from ...services.common import page
from ...settings import Settings
from ..deps import CurrentUser, Id, PagingDep, SessionDep, SettingsDep

router = APIRouter(prefix="/custody-requests", tags=["custody"])

ACTIONS = ("head_dispose", "division_dispose", "reserve_space", "waitlist", "receive", "inspect",
           "sign_handover", "place", "configure", "confirm_access", "request_return", "approve_return",
           "release")


def request_view(db: Session, settings: Settings, user: User, req: CustodyRequest,
                 now: datetime | None = None, full: bool = True) -> dict[str, Any]:
    now = now or utcnow()
    due = custody.due(settings, req)
    label = STATE_LABELS[CustodyState(req.state)]
    server = req.server
    out: dict[str, Any] = {
        "id": req.id, "state": req.state, "state_label": {"id": label.id, "en": label.en, "colour": label.colour},
        "unit_code": req.unit.code, "server_id": req.server_id,
        "server": {"brand": server.brand, "model": server.model, "serial_number": server.serial_number,
                   "height_u": server.height_u, "power_w": server.power_w,
                   "management_ip": server.management_ip, "condition": server.condition},
        "letter_number": req.letter_number, "letter_date": req.letter_date.isoformat(),
        "purpose": req.purpose, "officer": req.officer, "state_since": req.state_since,
        "due_at": due, "overdue": bool(due and now > due),
        "allowed_actions": custody.allowed_actions(db, user, req),
        "reservation": None,
    }
    if req.allocation is not None:
        a = req.allocation
        out["reservation"] = {"allocation_id": a.id, "rack_id": a.rack_id, "rack_name": a.rack.name,
                              "u_bottom": a.u_bottom, "u_top": a.u_top, "status": a.status}
    if req.state == CustodyState.waitlisted:
        out["waitlist_position"] = custody.waitlist_position(db, req)
    if not full:
        return out
    out["history"] = [
        {"action": s.action, "actor": s.actor, "role": s.role, "from": s.from_state, "to": s.to_state,
         "time": s.at, "note": s.note}
        for s in db.scalars(select(CustodyStep).where(CustodyStep.request_id == req.id).order_by(CustodyStep.id))]
    out["documents"] = [
        {"id": d.id, "kind": d.kind, "number": d.number, "filename": d.filename, "sha256": d.sha256,
         "size": d.size, "created_at": d.created_at, "url": f"/api/v1/documents/{d.id}"}
        for d in db.scalars(select(Document).where(Document.request_id == req.id).order_by(Document.id))]
    out["signatures"] = [
        {"form": s.form, "side": s.side, "name": s.name, "nip": s.nip, "position": s.position,
         "signed_at": s.signed_at}
        for s in db.scalars(select(Signature).where(Signature.request_id == req.id).order_by(Signature.id))]
    out["access_checks"] = [
        {"kind": c.kind, "target": c.target, "ok": c.ok, "latency_ms": c.latency_ms, "detail": c.detail,
         "checked_at": c.checked_at}
        for c in db.scalars(select(AccessCheck).where(AccessCheck.request_id == req.id).order_by(AccessCheck.id))]
    failed = [c for c in out["access_checks"] if not c["ok"]]
    if req.state == CustodyState.access_failed or (failed and req.state == CustodyState.configured):
        # Offer the contact person a helpdesk ticket with the probe results attached.
        out["ticket_offer"] = {"from_request": req.id, "server_id": req.server_id,
                               "subject": f"Server {server.serial_number} tidak dapat diakses",
                               "description": "; ".join(f"{c['kind']} {c['target']}: {c['detail']}" for c in failed)
                               or "Akses gagal menurut contact person / access reported as failing"}
    return out


@router.post("", status_code=201)
def submit(db: SessionDep, settings: SettingsDep, user: CurrentUser,
           body: Annotated[dict[str, Any], Body(examples=[{
               "letter_number": "005/123/DINKES/2026", "letter_date": "2026-11-20",
               "server": {"brand": "Dell", "model": "PowerEdge R740", "serial_number": "SN123",
                          "height_u": 2, "power_w": 750, "purpose": "SIMPUS"}}])]) -> dict:
    """File a custody request (role unit_contact, for the caller's own unit)."""
    req = custody.submit(db, settings, user, body)
    out = request_view(db, settings, user, req)
    db.commit()
    return out


@router.get("")
def list_requests(db: SessionDep, settings: SettingsDep, user: CurrentUser, paging: PagingDep,
                  state: Annotated[CustodyState | None, Query()] = None,
                  unit: Annotated[str | None, Query(max_length=32)] = None,
                  overdue: Annotated[bool | None, Query()] = None) -> dict:
    stmt = custody.list_stmt(user, state, unit)
    now = utcnow()
    if overdue is None:
        items, total = page(db, stmt, paging.offset, paging.limit)
        views = [request_view(db, settings, user, r, now, full=False) for r in items]
    else:  # overdue is computed in working time, so it is filtered here, not in SQL
        views = [v for v in (request_view(db, settings, user, r, now, full=False) for r in db.scalars(stmt))
                 if v["overdue"] == overdue]
        total, views = len(views), views[paging.offset:paging.offset + paging.limit]
    db.commit()
    return {"items": views, "total": total, "offset": paging.offset, "limit": paging.limit}


@router.get("/{request_id}")
def get_request(request_id: Id, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> dict:
    out = request_view(db, settings, user, custody.get_request(db, user, request_id))
    db.commit()
    return out


@router.post("/{request_id}/actions/{action}")
def act(request_id: Id, action: str, db: SessionDep, settings: SettingsDep, user: CurrentUser,
        body: Annotated[dict[str, Any] | None, Body()] = None) -> dict:
    """Take one step of the workflow; 409 (or 403) lists the actions the caller may take."""
    result = custody.apply(db, settings, user, request_id, action, body)
    out = request_view(db, settings, user, result.request)
    out["promoted"] = result.promoted
    db.commit()
    return out


@router.post("/{request_id}/letter", status_code=201)
async def upload_letter(request_id: Id, db: SessionDep, user: CurrentUser,
                        letter_file: Annotated[UploadFile, File()]) -> dict:
    """Attach the scanned request letter (PDF) to a request of the caller's unit."""
    content = await letter_file.read(papers.MAX_LETTER_BYTES + 1)
    req = custody.get_request(db, user, request_id)
    doc = papers.store_letter(db, req, letter_file.filename or "surat.pdf", content, user.username)
    out = {"id": doc.id, "kind": doc.kind, "sha256": doc.sha256, "size": doc.size, "filename": doc.filename}
    db.commit()
    return out

"""A custody request as the API and the web pages show it: state, due time, allowed actions,
and (in full) its history, documents, signatures and access checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..domain.custody_flow import STATE_LABELS, CustodyState
from ..models import AccessCheck, CustodyRequest, CustodyStep, Document, Signature, User
from ..models.base import utcnow
from ..settings import Settings
from . import custody


def request_view(db: Session, settings: Settings, user: User, req: CustodyRequest,
                 now: datetime | None = None, full: bool = True,
                 allowed: list[str] | None = None) -> dict[str, Any]:
    """`allowed`: the reader's allowed actions when the caller has read them for many requests at
    once (`custody.allowed_actions_of`); else they are read here."""
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
        "allowed_actions": allowed if allowed is not None else custody.allowed_actions(db, user, req),
        "reservation": None,
        # A letter about several servers: every request filed with it (this one included).
        "batch": [r.id for r in custody.batch_of(db, req)] if req.batch_id is not None else [],
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
         "time": s.at, "note": s.note,
         **({"on_behalf_of": s.on_behalf_of, "letter_number": s.letter_number} if s.on_behalf_of else {})}
        for s in db.scalars(select(CustodyStep).where(CustodyStep.request_id == req.id).order_by(CustodyStep.id))]
    out["documents"] = [
        {"id": d.id, "kind": d.kind, "number": d.number, "filename": d.filename, "sha256": d.sha256,
         "size": d.size, "created_at": d.created_at, "url": f"/api/v1/documents/{d.id}"}
        for d in db.scalars(select(Document).where(or_(
            Document.request_id == req.id,
            # the letter and its disposition sheets are the batch's: kept once, with any of its requests
            Document.kind.in_(("letter", "disposition")) & Document.request_id.in_(out["batch"] or [req.id])))
            .order_by(Document.id))]
    out["signatures"] = [
        {"form": s.form, "side": s.side, "name": s.name, "nip": s.nip, "position": s.position,
         "signed_at": s.signed_at}
        for s in db.scalars(select(Signature).where(Signature.request_id == req.id).order_by(Signature.id))]
    out["access_checks"] = [
        {"kind": c.kind, "target": c.target, "ok": c.ok, "latency_ms": c.latency_ms, "detail": c.detail,
         "checked_at": c.checked_at, "origin": c.origin}
        for c in _access_checks(db, req.id)]
    failed = [c for c in out["access_checks"] if not c["ok"]]
    if req.state == CustodyState.access_failed or (failed and req.state == CustodyState.configured):
        # Offer the contact person a helpdesk ticket with the probe results attached.
        out["ticket_offer"] = {"from_request": req.id, "server_id": req.server_id,
                               "subject": f"Server {server.serial_number} tidak dapat diakses",
                               "description": "; ".join(f"{c['kind']} {c['target']}: {c['detail']}" for c in failed)
                               or "Akses gagal menurut contact person / access reported as failing"}
    return out


def _access_checks(db: Session, request_id: int) -> list[AccessCheck]:
    """Every check a configure step ran (the evidence), and the latest scheduled round only: the
    15-minute rounds would otherwise grow the request without end."""
    c = AccessCheck
    latest = select(func.max(c.checked_at)).where(c.request_id == request_id, c.origin != "configure")
    return list(db.scalars(select(c).where(c.request_id == request_id, or_(
        c.origin == "configure", c.checked_at == latest.scalar_subquery())).order_by(c.id)))

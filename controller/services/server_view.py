"""One server as its page and `GET /api/v1/servers/{id}/history` show it: the record, every
custody, where it stands, what its agent last said, its papers and one merged history.

Read only. The history reuses the asset card's events (`services.assets.events`: custody,
inventory and lifecycle steps) and adds the server's tickets and its own audit events, so the
card and the page can never tell two different stories.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ..domain import vitals as vitals_mod
from ..domain.choices import AllocationStatus
from ..domain.custody_flow import IN_CUSTODY, CustodyState
from ..domain.lifecycle_flow import KIND_LABELS
from ..domain.ticket_flow import STATE_LABELS as TICKET_LABELS, TicketState
from ..models import (
    Allocation,
    AuditEvent,
    CustodyRequest,
    Document,
    Finding,
    InventoryItem,
    InventoryRun,
    ServerStatus,
    Ticket,
    TicketStep,
    User,
)
from ..models.assets import AssetRecord
from .access import unit_scope
from .assets import events as card_events
from .custody import custodies_of
from .servers import get_server

# The asset card names its kinds in Indonesian; the page and the API want a code per kind.
_CARD_KINDS = {"Penitipan": "custody", "Inventarisasi": "inventory",
               **{lbl.id: kind for kind, lbl in KIND_LABELS.items()}}


@dataclass(frozen=True)
class HistoryEvent:
    at: datetime
    kind: str          # custody | inventory | maintenance | transfer | disposal | ticket | audit
    text: str          # Indonesian, as on the asset card
    actor: str | None
    note: str | None = None
    ref: str | None = None  # a page about the event: /requests/7, /tickets/3


def history(session: Session, user: User, server_id: int) -> list[HistoryEvent]:
    """Everything that happened to the server, oldest first; another unit's server is a 404."""
    server = get_server(session, user, server_id)
    out = [HistoryEvent(e.at, _CARD_KINDS.get(e.kind, e.kind), e.text, e.actor, e.note)
           for e in card_events(session, server.id)]
    out += _ticket_events(session, server.id)
    out += _audit_events(session, server.id)
    # Python's sort is stable: events at the same moment keep the order their source gave.
    return sorted(out, key=lambda e: e.at)


def _ticket_events(session: Session, server_id: int) -> list[HistoryEvent]:
    out = []
    for step, ticket in session.execute(select(TicketStep, Ticket).join(Ticket, Ticket.id == TicketStep.ticket_id)
                                        .where(Ticket.server_id == server_id).order_by(TicketStep.id)):
        try:
            state = TICKET_LABELS[TicketState(step.to_state)].id
        except (ValueError, KeyError):
            state = step.to_state
        out.append(HistoryEvent(step.at, "ticket", f"Tiket #{ticket.id} ({ticket.subject}): {state}", step.actor,
                                step.note, f"/tickets/{ticket.id}"))
    return out


# The server's columns in the history's words (the rest stays on the audit trail itself).
_AUDITED_FIELDS = {"serial_number": "nomor seri", "height_u": "tinggi (U)", "power_w": "daya (W)",
                   "hostname": "nama host", "management_ip": "IP manajemen", "condition": "kondisi",
                   "unit_id": "unit", "brand": "merek", "model": "model", "site": "jaringan lokasi",
                   "retired_at": "pemantauan dihentikan"}


def _audit_events(session: Session, server_id: int) -> list[HistoryEvent]:
    """The server row's own changes (registered, corrected, condition set, retired)."""
    out = []
    words = {"create": "Data server dicatat", "update": "Data server diubah", "correct": "Data server dikoreksi",
             "condition": "Kondisi diubah"}
    found = list(session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "server",
            or_(AuditEvent.entity_id == str(server_id),
                and_(AuditEvent.action == "create", AuditEvent.entity_id.is_(None)))).order_by(AuditEvent.seq)))
    # A correction or a condition change is the row's own update event plus one that says why,
    # appended right after it: the history shows the one with the reason.
    explained = {ev.seq - 1 for ev in found if ev.action in ("correct", "condition")}
    for ev in found:
        if ev.action == "update" and ev.seq in explained:
            continue
        before = json.loads(ev.before) if ev.before else {}
        after = json.loads(ev.after) if ev.after else {}
        if ev.entity_id is None and after.get("id") != server_id:
            continue  # create events are recorded before the row has its id (see assets.condition_history)
        if ev.action == "create":
            out.append(HistoryEvent(ev.at, "audit", words["create"], ev.actor))
            continue
        changed = [k for k in _AUDITED_FIELDS if k in after and after.get(k) != before.get(k)]
        if not changed:
            continue
        detail = "; ".join(f"{_AUDITED_FIELDS[k]} {_shown(before.get(k))} → {_shown(after.get(k))}" for k in changed)
        out.append(HistoryEvent(ev.at, "audit", f"{words.get(ev.action, ev.action)}: {detail}", ev.actor,
                                after.get("reason")))
    return out


def _shown(value: Any) -> str:
    return "–" if value in (None, "") else str(value)


def server_page(session: Session, user: User, server_id: int) -> dict[str, Any]:
    """What the server page shows besides the health the elevation already computes."""
    server = get_server(session, user, server_id)
    custodies = custodies_of(session, server.id)
    allocations = list(session.scalars(select(Allocation).where(Allocation.server_id == server.id)
                                       .order_by(Allocation.id)))
    placement = next((a for a in allocations if a.status != AllocationStatus.released), None)
    status = session.get(ServerStatus, server.id)
    vit = None
    if status is not None:
        vit = vitals_mod.unpack(status.vitals) if status.vitals else vitals_mod.of_json(status.last_heartbeat)
    latest = session.execute(select(InventoryItem, InventoryRun)
                             .join(InventoryRun, InventoryRun.id == InventoryItem.run_id)
                             .where(InventoryItem.server_id == server.id)
                             .order_by(InventoryItem.collected_at.desc()).limit(1)).first()
    docs = select(Document).where(Document.request_id.in_([r.id for r in custodies] or [-1])).order_by(Document.id)
    if (scope := unit_scope(user)) is not None:
        docs = docs.where(Document.unit_id == scope)
    return {
        "server": server,
        "asset": session.scalar(select(AssetRecord).where(AssetRecord.server_id == server.id)),
        "custodies": custodies,
        "current": custodies[-1] if custodies else None,
        "condition_known": condition_known(custodies, placement),
        "allocations": allocations,
        "placement": placement,
        "status": status,
        "vitals": vit,
        "inventory": ({"item": latest[0], "run": latest[1],
                       "reasons": json.loads(latest[0].reasons) if latest[0].reasons else [],
                       "record": json.loads(latest[0].record) if latest[0].record else {}} if latest else None),
        "findings": list(session.scalars(select(Finding).where(Finding.server_id == server.id,
                                                               Finding.status == "open").order_by(Finding.id))),
        "documents": list(session.scalars(docs)),
        "tickets": list(session.scalars(select(Ticket).where(Ticket.server_id == server.id).order_by(Ticket.id))),
        "history": history(session, user, server.id),
    }


def condition_known(custodies: list[CustodyRequest], placement: Allocation | None) -> bool:
    """The office states a condition once it has had the server in hand (a custody received it,
    or it sits in a rack): before that the record's default ("baik") is nobody's finding, so the
    pages say "not inspected yet"."""
    return (placement is not None and placement.status == AllocationStatus.occupied) or any(
        r.state in IN_CUSTODY or r.state == CustodyState.returned for r in custodies)


__all__ = ["HistoryEvent", "history", "server_page", "condition_known"]

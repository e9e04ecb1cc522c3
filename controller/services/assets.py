"""The asset register around the servers: asset fields, the asset card and the reconciliation.

Read-mostly: the card is assembled from what other use cases recorded (custody steps, inventory
items, lifecycle steps, allocations) and from the audit trail (condition changes), so it can never
disagree with them. The renderers in ``documents`` get plain data only.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from ..documents.asset_card import AssetCard, CardEvent, ConditionChange, LocationSpan
from ..documents.reconciliation import Reconciliation
from ..domain.asset_kinds import KIND_LABELS as ASSET_KIND_LABELS, AssetKind
from ..domain.choices import CONDITION_LABELS, AllocationStatus, Condition
from ..domain.custody_flow import STATE_LABELS as CUSTODY_LABELS, CustodyState
from ..domain.lifecycle_flow import KIND_LABELS, LABELS
from ..domain.on_behalf import OFFICES
from ..models import Allocation, AuditEvent, CustodyRequest, CustodyStep, InventoryItem, InventoryRun, Server, User
from ..models.assets import AssetRecord, DisposalCase, LifecycleStep, MaintenanceCase, MaintenancePart, TransferCase
from ..models.base import utcnow
from ..settings import Settings
from .access import unit_scope
from .inventory import servers_in_custody
from .lifecycle import asset_record
from .lifecycle_payloads import AssetFields
from .servers import get_server


def set_asset(session: Session, user: User, server_id: int, body: AssetFields) -> AssetRecord:
    """Create or replace the register fields of a server (the change is audited field by field)."""
    server = get_server(session, user, server_id)
    rec = asset_record(session, server.id)
    if rec is None:
        rec = AssetRecord(server_id=server.id, updated_by=user.username)
        session.add(rec)
    for key in ("asset_code", "nup", "owner", "acquired_on", "acquisition_value"):
        setattr(rec, key, getattr(body, key))
    rec.updated_by, rec.updated_at = user.username, utcnow()
    from .common import flush_or_conflict
    flush_or_conflict(session, f"asset code {body.asset_code} with NUP {body.nup} is already registered", "nup")
    return rec


def register_stmt(user: User, include_disposed: bool = False) -> Select[Server, AssetRecord]:
    """Servers with their register row; disposed ones are out of the active list unless asked for."""
    stmt = (select(Server, AssetRecord).outerjoin(AssetRecord, AssetRecord.server_id == Server.id)
            .order_by(Server.id))
    if (scope := unit_scope(user)) is not None:
        stmt = stmt.where(Server.unit_id == scope)
    if not include_disposed:
        stmt = stmt.where(AssetRecord.disposed_at.is_(None))
    return stmt


def _location(a: Allocation) -> str:
    return f"{a.rack.room.name} / {a.rack.name} U{a.u_bottom}-U{a.u_top}"


def current_location(session: Session, server_id: int) -> str | None:
    alloc = session.scalar(select(Allocation).where(
        Allocation.server_id == server_id, Allocation.status != AllocationStatus.released))
    return _location(alloc) if alloc else None


def _condition(code: str | None) -> str:
    try:
        return CONDITION_LABELS[Condition(code)].id if code else "-"
    except ValueError:
        return str(code)


def condition_history(session: Session, server_id: int) -> list[ConditionChange]:
    """From the audit trail: every recorded value of the server's ``condition`` column.

    Create events are matched on the row's own id too: the trail records them before the
    primary key is known to the session, so their ``entity_id`` is empty.
    """
    out = []
    for ev in session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "server",
            or_(AuditEvent.entity_id == str(server_id),
                and_(AuditEvent.action == "create", AuditEvent.entity_id.is_(None)))).order_by(AuditEvent.seq)):
        before = json.loads(ev.before) if ev.before else {}
        after = json.loads(ev.after) if ev.after else {}
        if ev.entity_id is None and after.get("id") != server_id:
            continue
        if after.get("condition") and after.get("condition") != before.get("condition"):
            out.append(ConditionChange(ev.at, _condition(before.get("condition")), _condition(after["condition"]),
                                       ev.actor))
    return out


def events(session: Session, server_id: int) -> list[CardEvent]:
    """Custody steps, inventory items and lifecycle steps of a server, oldest first (the card's
    history; the server page adds tickets and audit events to it)."""
    events: list[CardEvent] = []
    for step, req in session.execute(select(CustodyStep, CustodyRequest).join(
            CustodyRequest, CustodyRequest.id == CustodyStep.request_id)
            .where(CustodyRequest.server_id == server_id).order_by(CustodyStep.id)):
        label = CUSTODY_LABELS[CustodyState(step.to_state)].id
        events.append(CardEvent(step.at, "Penitipan", f"Permohonan #{req.id} ({req.letter_number}): {label}",
                                step.actor, step.note))
    for item, run in session.execute(select(InventoryItem, InventoryRun).join(
            InventoryRun, InventoryRun.id == InventoryItem.run_id).where(InventoryItem.server_id == server_id)
            .order_by(InventoryItem.id)):
        reach = "terjangkau" if item.reached else "tidak terjangkau"
        events.append(CardEvent(item.collected_at, "Inventarisasi",
                                f"Periode {run.period}: {reach}, kondisi usulan {_condition(item.proposed_condition)}",
                                run.started_by, None))
    for move in session.scalars(select(LifecycleStep).where(LifecycleStep.server_id == server_id)
                                .order_by(LifecycleStep.id)):
        label = LABELS[move.kind][move.to_state].id
        if move.on_behalf_of:   # recorded for an outside office (domain/on_behalf.py), under its letter
            office = OFFICES[move.on_behalf_of].label.id if move.on_behalf_of in OFFICES else move.on_behalf_of
            label += f" (dicatat atas nama {office}, surat {move.letter_number or '-'})"
        events.append(CardEvent(move.at, KIND_LABELS[move.kind].id, f"#{move.case_id}: {label}", move.actor, move.note))
    return sorted(events, key=lambda e: e.at)


def _details(session: Session, server_id: int) -> dict[str, list[dict]]:
    """One line per case, with what the SOPs ask to be recorded (downtime, parts, numbers)."""
    maintenance = []
    for c in session.scalars(select(MaintenanceCase).where(MaintenanceCase.server_id == server_id)
                             .order_by(MaintenanceCase.id)):
        parts = session.scalars(select(MaintenancePart).where(MaintenancePart.case_id == c.id)).all()
        hours = ((c.downtime_end - c.downtime_start).total_seconds() / 3600
                 if c.downtime_start and c.downtime_end else None)
        maintenance.append({"id": c.id, "kind": "Perbaikan" if c.kind == "repair" else "Pemeliharaan",
                            "state": LABELS["maintenance"][c.state].id, "letter_number": c.letter_number,
                            "downtime_start": c.downtime_start, "downtime_end": c.downtime_end,
                            "downtime_hours": f"{hours:.1f}".replace(".", ",") if hours is not None else None,
                            "parts": ", ".join(f"{p.name} x{p.quantity}" + (f" (SN {p.serial_installed})"
                                                                            if p.serial_installed else "")
                                               for p in parts),
                            "work_done": c.work_done, "report": c.report})
    transfers = [{"id": t.id, "state": LABELS["transfer"][t.state].id, "from": _unit_code(session, t.unit_id),
                  "to": _unit_code(session, t.to_unit_id), "record_number": t.record_number,
                  "at": t.transferred_at, "reason": t.reason}
                 for t in session.scalars(select(TransferCase).where(TransferCase.server_id == server_id)
                                          .order_by(TransferCase.id))]
    disposals = [{"id": d.id, "state": LABELS["disposal"][d.state].id, "method": d.method, "reason": d.reason,
                  "decree_number": d.decree_number, "regent_name": d.regent_name, "wipe_method": d.wipe_method,
                  "wiped_by": d.wiped_by, "wiped_at": d.wiped_at, "wipe_sha256": d.wipe_sha256,
                  "record_number": d.record_number, "disposed_at": d.disposed_at}
                 for d in session.scalars(select(DisposalCase).where(DisposalCase.server_id == server_id)
                                          .order_by(DisposalCase.id))]
    return {"maintenance": maintenance, "transfers": transfers, "disposals": disposals}


def _unit_code(session: Session, unit_id: int) -> str:
    from ..models import Unit
    unit = session.get(Unit, unit_id)
    return unit.code if unit else "-"


def card(session: Session, settings: Settings, user: User, server_id: int) -> AssetCard:
    server = get_server(session, user, server_id)
    rec = asset_record(session, server.id)
    spans = [LocationSpan(_location(a), a.status, a.created_at, a.released_at)
             for a in session.scalars(select(Allocation).where(Allocation.server_id == server.id)
                                      .order_by(Allocation.id))]
    made = AssetCard(
        office_name=settings.office_letterhead, place=settings.office_city, generated=utcnow(),
        server_id=server.id, brand=server.brand, model=server.model, serial_number=server.serial_number,
        hostname=server.hostname, height_u=server.height_u, unit_code=server.unit.code, unit_name=server.unit.name,
        condition=_condition(server.condition), location=current_location(session, server.id),
        asset_code=rec.asset_code if rec else None, nup=rec.nup if rec else None,
        owner=rec.owner if rec else "unit", acquired_on=rec.acquired_on if rec else None,
        acquisition_value=rec.acquisition_value if rec else None, disposed_at=rec.disposed_at if rec else None,
        conditions=condition_history(session, server.id), locations=spans,
        events=events(session, server.id), details=_details(session, server.id),
        kind_label=ASSET_KIND_LABELS[AssetKind(server.kind)].id)
    return _as_printed(session, made)


# The card speaks Indonesian: an allocation's status and a disposal's method by their labels.
_PLACEMENT = {"reserved": "Dipesan", "occupied": "Terpasang", "released": "Dilepas"}
_METHOD = {"penghapusan": "Penghapusan", "pemusnahan": "Pemusnahan", "pemindahtanganan": "Pemindahtanganan"}


def _as_printed(session: Session, made: AssetCard) -> AssetCard:
    """People by their names (not usernames), statuses and methods in Indonesian."""
    from dataclasses import replace

    who = {u.username: u.full_name for u in session.scalars(select(User))}
    return replace(
        made,
        conditions=[replace(c, actor=who.get(c.actor, c.actor)) for c in made.conditions],
        locations=[replace(s, status=_PLACEMENT.get(s.status, s.status)) for s in made.locations],
        events=[replace(e, actor=who.get(e.actor, e.actor) if e.actor else e.actor) for e in made.events],
        details={**made.details, "disposals": [
            {**d, "method": _METHOD.get(d["method"], d["method"])} for d in made.details.get("disposals", [])]})


# --- reconciliation ------------------------------------------------------------------------

# Each row's result (code -> the XLSX's bilingual words); the PDF to the Asisten counts them.
RESULTS = {"matches": "Sesuai / matches", "condition_differs": "Selisih kondisi / condition differs",
           "serial_differs": "Selisih nomor seri / serial differs", "unreachable": "Tidak terjangkau / unreachable",
           "not_found": "Tidak ditemukan / not found", "not_held": "Di luar ruang server / not held"}


def _run_for(session: Session, period: str) -> InventoryRun | None:
    """The period's own run, else the latest one before it: the register is compared with what
    was last seen."""
    return session.scalar(select(InventoryRun).where(InventoryRun.period <= period)
                          .order_by(InventoryRun.period.desc()).limit(1))


def reconciliation(session: Session, settings: Settings, period: str, now: datetime | None = None) -> Reconciliation:
    run = _run_for(session, period)
    items = ({i.server_id: i for i in session.scalars(select(InventoryItem).where(InventoryItem.run_id == run.id))}
             if run else {})
    from zoneinfo import ZoneInfo

    expected = set(servers_in_custody(session))
    tz = ZoneInfo(settings.timezone)
    rows, disposed = [], []
    for server, rec in session.execute(select(Server, AssetRecord).outerjoin(
            AssetRecord, AssetRecord.server_id == Server.id).order_by(Server.id)):
        item = items.get(server.id)
        base = {"unit": server.unit.code, "kind": server.kind, "asset_code": rec.asset_code if rec else None,
                "nup": rec.nup if rec else None, "brand_model": f"{server.brand} {server.model}",
                "serial": server.serial_number, "condition": _condition(server.condition)}
        if rec is not None and rec.disposed_at is not None:
            # the office's date: disposed at 01.00 WIB is that day, not the day before in UTC
            disposed.append({**base, "disposed_at": rec.disposed_at.astimezone(tz).strftime("%Y-%m-%d"),
                             "in_run": "Ya" if item else "Tidak"})
            continue
        rows.append({**base, **_compare(server, item, server.id in expected),
                     "location": current_location(session, server.id)})
    for n, row in enumerate(rows, start=1):
        row["no"] = n
    return Reconciliation(period=period, run_period=run.period if run else None,
                          run_status=run.status if run else None, office_name=settings.office_letterhead,
                          rows=rows, disposed=disposed, generated=now or utcnow())


def _compare(server: Server, item: InventoryItem | None, expected: bool) -> dict:
    if item is None:
        result = "not_found" if expected else "not_held"
        return {"found": "Tidak", "serial_seen": None, "serial_match": "-", "condition_proposed": None,
                "condition_match": "-", "status": RESULTS[result], "result": result}
    record = json.loads(item.record) if item.record else {}
    seen = (record.get("dmi") or {}).get("serial")
    serial_ok = None if not seen else seen.strip().upper() == server.serial_number.strip().upper()
    cond_ok = item.proposed_condition == server.condition
    if not item.reached:
        result = "unreachable"
    elif serial_ok is False:
        result = "serial_differs"
    elif not cond_ok:
        result = "condition_differs"
    else:
        result = "matches"
    return {"status": RESULTS[result], "result": result, "found": "Ya" if item.reached else "Tidak",
            "serial_seen": seen,
            "serial_match": {None: "-", True: "Ya", False: "Tidak"}[serial_ok],
            "condition_proposed": _condition(item.proposed_condition),
            "condition_match": "Ya" if cond_ok else "Tidak"}

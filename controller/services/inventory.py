"""The monthly inventory (SOP 002: *inventarisasi server setiap bulan*), done by machines.

Exactly one run per period: the run row's unique period is claimed in the database, so two
controllers on one PostgreSQL database cannot both run it. The worker holds a lease it renews
after every server; a run whose lease ran out (its worker was killed) is taken over and resumes
with the servers that have no item yet. Items are unique per (run, server): nothing repeats.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..domain.condition import Facts, propose
from ..domain.custody_flow import IN_CUSTODY
from ..models import (Allocation, CustodyRequest, Finding, InventoryItem, InventoryRun, Server,
                      ServerStatus)
from ..models.base import utcnow
from ..settings import Settings
from . import agents, targets


class RunTaken(Exception):
    """Another worker holds this period's run, or it is already finished."""

    def __init__(self, period: str, status: str) -> None:
        super().__init__(f"the inventory for {period} is {status}")
        self.period, self.status = period, status


@dataclass
class Summary:
    period: str
    status: str
    total: int = 0
    reached: int = 0
    done_now: int = 0
    resumed: bool = False
    unreachable: list[str] = field(default_factory=list)


def period_of(moment: datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m")


def servers_in_custody(session: Session) -> list[int]:
    """Servers physically with the office: their request is in custody, or they hold a placement."""
    by_request = select(CustodyRequest.server_id).where(CustodyRequest.state.in_([str(s) for s in IN_CUSTODY]))
    placed = select(Allocation.server_id).where(Allocation.status == "occupied", Allocation.server_id.is_not(None))
    return sorted(set(session.scalars(by_request)) | set(session.scalars(placed)))


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(sessions: sessionmaker[Session], settings: Settings, period: str, actor: str) -> tuple[int, bool]:
    """Create the period's run, or take over one whose worker died; returns (run id, resumed)."""
    now, owner = utcnow(), _owner()
    lease = now + timedelta(seconds=settings.inventory_lease_seconds)
    with sessions() as s:
        s.info["actor"] = actor
        s.add(InventoryRun(period=period, status="running", started_by=actor, lease_owner=owner, lease_until=lease))
        try:
            s.commit()
        except IntegrityError:
            s.rollback()
        else:
            return s.scalar(select(InventoryRun.id).where(InventoryRun.period == period)), False
        run = s.scalar(select(InventoryRun).where(InventoryRun.period == period))
        if run.status != "running":
            raise RunTaken(period, run.status)
        # Only one worker's UPDATE matches an expired lease: that one resumes the run.
        taken = s.execute(update(InventoryRun).where(
            InventoryRun.id == run.id, InventoryRun.status == "running",
            or_(InventoryRun.lease_until.is_(None), InventoryRun.lease_until < now))
            .values(lease_owner=owner, lease_until=lease, resumed=InventoryRun.resumed + 1)).rowcount
        s.commit()
        if taken != 1:
            raise RunTaken(period, f"running on {run.lease_owner}")
        return run.id, True


def _renew(s: Session, run_id: int, settings: Settings) -> None:
    s.execute(update(InventoryRun).where(InventoryRun.id == run_id).values(
        lease_until=utcnow() + timedelta(seconds=settings.inventory_lease_seconds)))


def run(sessions: sessionmaker[Session], settings: Settings, period: str, actor: str = "system",
        progress: Callable[[int, int], None] | None = None, stop_after: int | None = None) -> Summary:
    """Inventory every server in custody for `period`; resumable, one item per server.

    `stop_after` ends the worker after that many servers without finishing, as a crash would
    (tests use it to check that a later run resumes where this one stopped).
    """
    run_id, resumed = claim(sessions, settings, period, actor)
    with sessions() as s:
        everyone = servers_in_custody(s)
        done = set(s.scalars(select(InventoryItem.server_id).where(InventoryItem.run_id == run_id)))
        todo = [sid for sid in everyone if sid not in done]
        total = len(everyone)
    summary = Summary(period, "running", total=total, resumed=resumed)
    for i, server_id in enumerate(todo):
        if stop_after is not None and i >= stop_after:
            return summary
        _inventory_one(sessions, settings, run_id, server_id, actor)
        summary.done_now += 1
        if progress:
            progress(i + 1, len(todo))
    with sessions() as s:
        s.info["actor"] = actor
        items = s.scalars(select(InventoryItem).where(InventoryItem.run_id == run_id)).all()
        reached = sum(1 for it in items if it.reached)
        r = s.get(InventoryRun, run_id)
        r.status, r.finished_at, r.total, r.reached = "completed", utcnow(), len(items), reached
        r.lease_owner = r.lease_until = None
        s.commit()
        summary.unreachable = [s.get(Server, it.server_id).serial_number for it in items if not it.reached]
    summary.status, summary.total, summary.reached = "completed", len(items), reached
    return summary


def _inventory_one(sessions: sessionmaker[Session], settings: Settings, run_id: int, server_id: int,
                   actor: str) -> None:
    now = utcnow()
    with sessions() as s:   # read what we need, then let go of the database while collecting
        status = s.get(ServerStatus, server_id)
        fresh = (status is not None and status.last_inventory_source == "agent" and status.last_inventory_at
                 and now - status.last_inventory_at <= timedelta(hours=settings.inventory_agent_fresh_hours))
        agent_record = json.loads(status.last_inventory) if fresh else None
        agent_condition = json.loads(status.last_heartbeat) if fresh and status.last_heartbeat else None
        last_seen = status.last_seen_at if status else None
        # SSH before SNMP: it reads disks with serials and DMI, which SNMP rarely has.
        plans, errors = [], []
        for t in targets.active(s, server_id):
            if t.role != "server":
                continue
            try:
                plans.append(targets.load(settings, t))
            except ValueError as exc:   # secrets sealed with another key: this target only
                errors.append(f"{t.kind} target {t.id}: {exc}")
        plans.sort(key=lambda p: p.kind != "ssh")
        s.rollback()
    source, record, condition, outcomes = None, None, None, []
    if agent_record:
        source, record, condition = "agent", agent_record, agent_condition
    else:
        for plan in plans:
            outcome = targets.collect(plan)
            outcomes.append(outcome)
            if outcome.ok and outcome.inventory:
                source, record, condition = outcome.kind, outcome.inventory, outcome.condition
                break
            errors.append(f"{outcome.kind}: {outcome.error}")
        if not plans and not errors:
            errors.append("no fresh agent report and no SSH or SNMP target")
    with sessions() as s:
        s.info["actor"] = actor
        for outcome in outcomes:
            targets.record(s, outcome, now)
        if record is not None and source != "agent":
            st = s.get(ServerStatus, server_id) or ServerStatus(server_id=server_id, dropped_heartbeats=0,
                                                               inventory_requested=False)
            s.add(st)
            agents.apply_inventory(s, st, record, source, now)
        open_drift = s.scalar(select(func.count()).select_from(Finding).where(
            Finding.server_id == server_id, Finding.status == "open", Finding.kind == "drift")) or 0
        proposed, reasons = propose(Facts(reached=record is not None, now=now, last_seen_at=last_seen,
                                          condition=condition, open_drift=open_drift))
        s.add(InventoryItem(run_id=run_id, server_id=server_id, reached=record is not None, source=source,
                            record=json.dumps(record) if record else None,
                            condition=json.dumps(condition) if condition else None,
                            proposed_condition=str(proposed), reasons=json.dumps(reasons),
                            errors=json.dumps(errors) if errors else None, drift_findings=open_drift,
                            collected_at=now))
        _renew(s, run_id, settings)
        try:
            s.commit()
        except IntegrityError:  # another worker wrote this server meanwhile: keep theirs
            s.rollback()


def sign(session: Session, user, period: str, name: str, nip: str | None, position: str) -> InventoryRun:
    from ..errors import Conflict, NotFound

    r = session.scalar(select(InventoryRun).where(InventoryRun.period == period))
    if r is None:
        raise NotFound(f"no inventory run for {period}")
    if r.status != "completed":
        raise Conflict(f"the inventory for {period} is {r.status}; only a completed run is signed",
                       allowed_actions=[])
    r.status, r.signed_by, r.signed_at = "signed", user.username, utcnow()
    r.signed_name, r.signed_nip, r.signed_position = name, nip, position
    session.flush()
    return r


def run_view(session: Session, period: str) -> dict:
    from ..errors import NotFound

    r = session.scalar(select(InventoryRun).where(InventoryRun.period == period))
    if r is None:
        raise NotFound(f"no inventory run for {period}")
    items = []
    for it, server in session.execute(select(InventoryItem, Server).join(Server, Server.id == InventoryItem.server_id)
                                      .where(InventoryItem.run_id == r.id).order_by(Server.id)):
        items.append({"server_id": server.id, "serial_number": server.serial_number, "unit_code": server.unit.code,
                      "reached": it.reached, "source": it.source, "proposed_condition": it.proposed_condition,
                      "recorded_condition": server.condition, "reasons": json.loads(it.reasons or "[]"),
                      "errors": json.loads(it.errors or "[]"), "drift_findings": it.drift_findings,
                      "collected_at": it.collected_at})
    return {"period": r.period, "status": r.status, "started_at": r.started_at, "started_by": r.started_by,
            "finished_at": r.finished_at, "resumed": r.resumed, "total": r.total, "reached": r.reached,
            "signed_by": r.signed_by, "signed_name": r.signed_name, "signed_at": r.signed_at,
            "items": items, "unreachable": [i["serial_number"] for i in items if not i["reached"]]}


def _gib(n: Any) -> str | None:
    return f"{n / 2**30:.0f} GiB" if isinstance(n, (int, float)) and n else None


def form(session: Session, settings: Settings, period: str):
    """The run as the inventory form's rows (see documents.inventory_form)."""
    from ..documents.inventory_form import InventoryForm
    from ..domain.choices import CONDITION_LABELS, Condition

    from ..errors import NotFound

    r = session.scalar(select(InventoryRun).where(InventoryRun.period == period))
    if r is None:
        raise NotFound(f"no inventory run for {period}")
    rows = []
    for n, it in enumerate(session.scalars(select(InventoryItem).where(InventoryItem.run_id == r.id)
                                           .order_by(InventoryItem.server_id)), start=1):
        server = session.get(Server, it.server_id)
        rec = json.loads(it.record) if it.record else {}
        alloc = session.scalar(select(Allocation).where(Allocation.server_id == server.id,
                                                        Allocation.status == "occupied"))
        os_ = rec.get("os") or {}
        cpu = rec.get("cpu") or {}
        disks = rec.get("disks") or []
        size = sum(d.get("size_bytes") or 0 for d in disks)
        notes = json.loads(it.reasons or "[]") + json.loads(it.errors or "[]")
        rows.append({
            "no": n, "unit": server.unit.code, "hostname": rec.get("hostname") or server.hostname,
            "brand_model": f"{server.brand} {server.model}", "serial": server.serial_number,
            "location": f"{alloc.rack.name} U{alloc.u_bottom}-U{alloc.u_top}" if alloc else None,
            "ip": server.management_ip,
            "os": " ".join(x for x in (os_.get("name"), os_.get("version")) if x) or None,
            "cpu": (f"{cpu.get('model')} ({cpu.get('cores')} core)" if cpu.get("model") else None),
            "memory": _gib(rec.get("memory_bytes")),
            "storage": f"{len(disks)} disk, {size / 1e9:.0f} GB" if disks else None,
            "condition": CONDITION_LABELS[Condition(it.proposed_condition)].id,
            "condition_code": it.proposed_condition,
            "reach": "Terjangkau" if it.reached else "Tidak terjangkau",
            "source": it.source or "-", "notes": "; ".join(notes) or None})
    return InventoryForm(period=period, office_name=settings.office_letterhead, place=settings.office_city,
                         rows=rows, status=r.status, signed_name=r.signed_name, signed_nip=r.signed_nip,
                         signed_position=r.signed_position, signed_at=r.signed_at)

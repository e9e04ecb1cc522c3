"""The monthly inventory (SOP 002: *inventarisasi server setiap bulan*), done by machines.

Exactly one run per period: the run row's unique period is claimed in the database, so two
controllers on one PostgreSQL database cannot both run it. The worker holds a lease it renews
after every server; a run whose lease ran out (its worker was killed) is taken over and resumes
with the servers that have no item yet. Items are unique per (run, server): nothing repeats.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..domain.choices import REGISTER_KEEPERS, Condition, Role
from ..domain.condition import Facts, propose
from ..domain.custody_flow import IN_CUSTODY, INVENTORY_SIGNING_TIME
from ..domain.service_time import add_working_span, office_calendar
from ..errors import Conflict, Invalid, NotFound
from ..models import (
    Allocation,
    CustodyRequest,
    Document,
    Finding,
    InventoryDecision,
    InventoryItem,
    InventoryRun,
    Server,
    ServerStatus,
    SignedInventoryForm,
    User,
)
from ..models.base import utcnow
from ..settings import Settings
from . import agents, notify, papers, targets
from .access import require_role

if TYPE_CHECKING:
    from ..documents.inventory_form import InventoryForm

log = logging.getLogger(__name__)
FORMATS = {"pdf": "application/pdf",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


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
            return s.scalars(select(InventoryRun.id).where(InventoryRun.period == period)).one(), False
        run = s.scalars(select(InventoryRun).where(InventoryRun.period == period)).one()
        if run.status != "running":
            raise RunTaken(period, run.status)
        # Only one worker's UPDATE matches an expired lease: that one resumes the run.
        taken = cast(CursorResult[Any], s.execute(update(InventoryRun).where(
            InventoryRun.id == run.id, InventoryRun.status == "running",
            or_(InventoryRun.lease_until.is_(None), InventoryRun.lease_until < now))
            .values(lease_owner=owner, lease_until=lease, resumed=InventoryRun.resumed + 1))).rowcount
        s.commit()
        if taken != 1:
            raise RunTaken(period, f"running on {run.lease_owner}")
        return run.id, True


def _renew(s: Session, run_id: int, settings: Settings) -> None:
    s.execute(update(InventoryRun).where(InventoryRun.id == run_id).values(
        lease_until=utcnow() + timedelta(seconds=settings.inventory_lease_seconds)))


def run(sessions: sessionmaker[Session], settings: Settings, period: str, actor: str = "system",
        progress: Callable[[int, int], None] | None = None, stop_after: int | None = None,
        spread: Callable[[int, list[int]], bool] | None = None) -> Summary:
    """Inventory every server in custody for `period`; resumable, one item per server.

    `stop_after` ends the worker after that many servers without finishing, as a crash would
    (tests use it to check that a later run resumes where this one stopped). `spread(run id,
    servers)` hands the servers to other workers (PostgreSQL's queue) instead of collecting them
    here, and says whether every item is written; if not, the run stays running, to be resumed.
    """
    run_id, resumed = claim(sessions, settings, period, actor)
    with sessions() as s:
        everyone = servers_in_custody(s)
        done = set(s.scalars(select(InventoryItem.server_id).where(InventoryItem.run_id == run_id)))
        todo = [sid for sid in everyone if sid not in done]
        total = len(everyone)
    summary = Summary(period, "running", total=total, resumed=resumed)
    if spread is not None and todo:
        if not spread(run_id, todo):
            return summary
        summary.done_now, todo = len(todo), []
    for i, server_id in enumerate(todo):
        if stop_after is not None and i >= stop_after:
            return summary
        try:
            _inventory_one(sessions, settings, run_id, server_id, actor)
        except Exception as exc:  # one server's crash must not end the month's run
            log.exception("inventory %s: server %s failed", period, server_id)
            _record_failure(sessions, settings, run_id, server_id, actor, exc)
        summary.done_now += 1
        if progress:
            progress(i + 1, len(todo))
    with sessions() as s:
        s.info["actor"] = actor
        items = s.scalars(select(InventoryItem).where(InventoryItem.run_id == run_id)).all()
        reached = sum(1 for it in items if it.reached)
        r = s.get_one(InventoryRun, run_id)
        r.status, r.finished_at, r.total, r.reached = "completed", utcnow(), len(items), reached
        r.lease_owner = r.lease_until = None
        _ask_for_signature(s, settings, r)
        s.commit()
        summary.unreachable = [s.get_one(Server, it.server_id).serial_number for it in items if not it.reached]
    summary.status, summary.total, summary.reached = "completed", len(items), reached
    return summary


def inventory_server(sessions: sessionmaker[Session], settings: Settings, run_id: int, server_id: int,
                     actor: str = "system") -> None:
    """One server of a spread run, as the run's own loop does it: skipped when its item is already
    written (a task run twice), its crash recorded as its failure."""
    with sessions() as s:
        if s.scalar(select(InventoryItem.id).where(InventoryItem.run_id == run_id,
                                                    InventoryItem.server_id == server_id)) is not None:
            return
    try:
        _inventory_one(sessions, settings, run_id, server_id, actor)
    except Exception as exc:  # one server's crash must not end the month's run
        log.exception("inventory run %s: server %s failed", run_id, server_id)
        _record_failure(sessions, settings, run_id, server_id, actor, exc)


def items_written(sessions: sessionmaker[Session], settings: Settings, run_id: int, renew: bool = True) -> int:
    """How many servers of the run have their item; renews the run's lease (the holder is alive)."""
    with sessions() as s:
        n = s.scalar(select(func.count()).select_from(InventoryItem).where(InventoryItem.run_id == run_id)) or 0
        if renew:
            _renew(s, run_id, settings)
        s.commit()
    return n


def collection_site(session: Session, server_id: int) -> str:
    """Where a server is collected from: its first SSH/SNMP target's site, else the server's."""
    for t in targets.active(session, server_id):
        if t.role == "server" and t.site:
            return t.site
    return session.scalar(select(Server.site).where(Server.id == server_id)) or ""


def _inventory_one(sessions: sessionmaker[Session], settings: Settings, run_id: int, server_id: int,
                   actor: str) -> None:
    now = utcnow()
    with sessions() as s:   # read what we need, then let go of the database while collecting
        status = s.get(ServerStatus, server_id)
        fresh = (status is not None and status.last_inventory_source == "agent" and status.last_inventory_at
                 and now - status.last_inventory_at <= timedelta(hours=settings.inventory_agent_fresh_hours))
        agent_record = json.loads(status.last_inventory) if fresh and status and status.last_inventory else None
        agent_condition = json.loads(status.last_heartbeat) if fresh and status and status.last_heartbeat else None
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
            try:
                outcome = targets.collect(plan)
            except Exception as exc:  # noqa: BLE001 - a hostile device is this target's error only
                log.warning("inventory: %s target %s raised %r", plan.kind, plan.target_id, exc)
                outcome = targets.Outcome(plan.target_id, plan.kind, False, _crash(exc))
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
        if record is not None and source is not None and source != "agent":  # a record always has its source
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


def _crash(exc: BaseException) -> str:
    return f"collection failed: {type(exc).__name__}: {exc}"[:500]


def _record_failure(sessions: sessionmaker[Session], settings: Settings, run_id: int, server_id: int,
                    actor: str, exc: BaseException) -> None:
    """Write the server's item as not reached, with the error: a resumed run skips it instead of
    crashing on it again."""
    now = utcnow()
    with sessions() as s:
        s.info["actor"] = actor
        status = s.get(ServerStatus, server_id)
        proposed, reasons = propose(Facts(reached=False, now=now, last_seen_at=status.last_seen_at if status else None))
        s.add(InventoryItem(run_id=run_id, server_id=server_id, reached=False, source=None, record=None,
                            condition=None, proposed_condition=str(proposed), reasons=json.dumps(reasons),
                            errors=json.dumps([_crash(exc)]), drift_findings=0, collected_at=now))
        _renew(s, run_id, settings)
        try:
            s.commit()
        except IntegrityError:
            s.rollback()


def _locked_run(session: Session, period: str) -> InventoryRun:
    """The period's run, its row locked until commit (PostgreSQL; SQLite serialises writers), so
    a decision and the signature cannot pass each other."""
    r = session.scalar(select(InventoryRun).where(InventoryRun.period == period)
                       .with_for_update().execution_options(populate_existing=True))
    if r is None:
        raise NotFound(f"no inventory run for {period}")
    return r


def decide(session: Session, user: User, period: str, server_id: int, condition: Condition,
           reason: str | None) -> InventoryDecision:
    """The officer sets a server's condition before signing; the machine only proposed it."""
    require_role(user, REGISTER_KEEPERS, "decide a server's condition in the inventory")
    r = _locked_run(session, period)
    if r.status != "completed":
        why = "signed: the signed form is evidence and is not changed" if r.status == "signed" else r.status
        raise Conflict(f"the inventory for {period} is {why}; conditions are decided on a completed run "
                       f"before it is signed", allowed_actions=[])
    item = session.scalar(select(InventoryItem).where(InventoryItem.run_id == r.id,
                                                      InventoryItem.server_id == server_id))
    if item is None:
        raise NotFound(f"server {server_id} is not in the inventory for {period}")
    reason = (reason or "").strip() or None
    if str(condition) != item.proposed_condition and reason is None:
        raise Invalid("a reason is required when the condition differs from the proposed one", field="reason")
    d = session.scalar(select(InventoryDecision).where(InventoryDecision.run_id == r.id,
                                                       InventoryDecision.server_id == server_id))
    if d is None:
        d = InventoryDecision(run_id=r.id, server_id=server_id)
        session.add(d)
    d.condition, d.reason, d.decided_by, d.decided_at = str(condition), reason, user.username, utcnow()
    session.flush()
    return d


def _decisions(session: Session, run_id: int) -> dict[int, InventoryDecision]:
    decisions = session.scalars(select(InventoryDecision).where(InventoryDecision.run_id == run_id))
    return {d.server_id: d for d in decisions}


def sign(session: Session, settings: Settings, user: User, period: str, name: str, nip: str | None,
         position: str) -> InventoryRun:
    """Sign the run: each server's register condition becomes the decided one, and the form's
    PDF and XLSX are stored once, as write-once documents; downloads serve those bytes for ever."""
    r = _locked_run(session, period)
    if r.status != "completed":
        raise Conflict(f"the inventory for {period} is {r.status}; only a completed run is signed",
                       allowed_actions=[])
    r.status, r.signed_by, r.signed_at = "signed", user.username, utcnow()
    r.signed_name, r.signed_nip, r.signed_position = name, nip, position
    decided = _decisions(session, r.id)
    for it in session.scalars(select(InventoryItem).where(InventoryItem.run_id == r.id)):
        server = session.get_one(Server, it.server_id)
        d = decided.get(it.server_id)
        condition = d.condition if d else it.proposed_condition
        if server.condition != condition:
            server.condition = condition
    session.flush()
    from ..documents import inventory_form

    filled = form(session, settings, period)
    for fmt, render in (("pdf", inventory_form.render_pdf), ("xlsx", inventory_form.render_xlsx)):
        doc = papers.store(session, kind="inventory", unit_id=None, request_id=None,
                           filename=form_filename(period, fmt), content_type=FORMATS[fmt],
                           content=render(filled), actor=user.username, number=None)
        session.add(SignedInventoryForm(run_id=r.id, format=fmt, document_id=doc.id))
    session.flush()
    return r


def form_filename(period: str, fmt: str) -> str:
    return f"inventarisasi-server-{period}.{fmt}"


def signed_form(session: Session, period: str, fmt: str) -> Document | None:
    """The bytes stored at signing, or None for a run not signed (or signed before forms were kept)."""
    return session.scalar(select(Document).join(SignedInventoryForm, SignedInventoryForm.document_id == Document.id)
                          .join(InventoryRun, InventoryRun.id == SignedInventoryForm.run_id)
                          .where(InventoryRun.period == period, SignedInventoryForm.format == fmt))


def form_file(session: Session, settings: Settings, period: str, fmt: str) -> tuple[bytes, str | None]:
    """(content, SHA-256 when it is the signed, stored form): a draft is rendered from the run."""
    from ..documents import inventory_form

    doc = signed_form(session, period, fmt)
    if doc is not None:
        return doc.content, doc.sha256
    filled = form(session, settings, period)
    return (inventory_form.render_pdf(filled) if fmt == "pdf" else inventory_form.render_xlsx(filled)), None


def _ask_for_signature(session: Session, settings: Settings, run: InventoryRun) -> None:
    """Tell the register keepers the month's form waits for them, and by when (one notice each)."""
    due = signing_due(settings, run)
    when = due.astimezone(ZoneInfo(settings.timezone)).strftime("%d-%m-%Y %H:%M") if due else "-"
    keepers = session.scalars(select(User).where(User.role.in_(sorted(REGISTER_KEEPERS - {Role.admin})),
                                                 User.is_active.is_(True)))
    notify.queue(session, settings, keepers, "inventory_to_sign",
                 f"Inventarisasi server {run.period} menunggu tanda tangan",
                 f"Inventarisasi server periode {run.period} selesai ({run.reached} dari {run.total} terjangkau). "
                 f"Mohon periksa kondisi tiap server dan tandatangani formulir paling lambat {when} "
                 f"(SOP 002 Konfigurasi 6: 1 hari kerja). {settings.public_url}/inventory/{run.period}",
                 f"The server inventory for {run.period} is complete; please review and sign it by {when}.")


def signing_due(settings: Settings, run: InventoryRun) -> datetime | None:
    """When a completed run's signature is due (``INVENTORY_SIGNING_TIME`` of office time after it
    completed); None once signed, or while the machine is still collecting."""
    if run.status != "completed" or run.finished_at is None:
        return None
    cal = office_calendar(settings)
    return add_working_span(run.finished_at, INVENTORY_SIGNING_TIME.span(cal.day_length), cal)


def run_view(session: Session, settings: Settings, period: str, now: datetime | None = None) -> dict:
    r = session.scalar(select(InventoryRun).where(InventoryRun.period == period))
    if r is None:
        raise NotFound(f"no inventory run for {period}")
    decided = _decisions(session, r.id)
    items = []
    for it, server in session.execute(select(InventoryItem, Server).join(Server, Server.id == InventoryItem.server_id)
                                      .where(InventoryItem.run_id == r.id).order_by(Server.id)):
        d = decided.get(server.id)
        items.append({"server_id": server.id, "serial_number": server.serial_number, "unit_code": server.unit.code,
                      "reached": it.reached, "source": it.source, "proposed_condition": it.proposed_condition,
                      "decided_condition": d.condition if d else it.proposed_condition,
                      "decision_reason": d.reason if d else None, "decided_by": d.decided_by if d else None,
                      "recorded_condition": server.condition, "reasons": json.loads(it.reasons or "[]"),
                      "errors": json.loads(it.errors or "[]"), "drift_findings": it.drift_findings,
                      "collected_at": it.collected_at})
    forms = [{"format": f.format, "document_id": doc.id, "sha256": doc.sha256, "size": doc.size}
             for f, doc in session.execute(select(SignedInventoryForm, Document)
                                           .join(Document, Document.id == SignedInventoryForm.document_id)
                                           .where(SignedInventoryForm.run_id == r.id)
                                           .order_by(SignedInventoryForm.format))]
    return {"period": r.period, "status": r.status, "started_at": r.started_at, "started_by": r.started_by,
            "finished_at": r.finished_at, "resumed": r.resumed, "total": r.total, "reached": r.reached,
            "signed_by": r.signed_by, "signed_name": r.signed_name, "signed_at": r.signed_at,
            "signing_due_at": (due := signing_due(settings, r)),
            "signing_overdue": bool(due and (now or utcnow()) > due), "signed_forms": forms,
            "items": items, "unreachable": [i["serial_number"] for i in items if not i["reached"]]}


def _gib(n: Any) -> str | None:
    return f"{n / 2**30:.0f} GiB" if isinstance(n, (int, float)) and n else None


def form(session: Session, settings: Settings, period: str) -> InventoryForm:
    """The run as the inventory form's rows (see documents.inventory_form)."""
    from ..documents.inventory_form import InventoryForm
    from ..domain.asset_kinds import KIND_LABELS, AssetKind
    from ..domain.choices import CONDITION_LABELS

    r = session.scalar(select(InventoryRun).where(InventoryRun.period == period))
    if r is None:
        raise NotFound(f"no inventory run for {period}")
    decided = _decisions(session, r.id)
    tz = ZoneInfo(settings.timezone)
    rows = []
    for n, it in enumerate(session.scalars(select(InventoryItem).where(InventoryItem.run_id == r.id)
                                           .order_by(InventoryItem.server_id)), start=1):
        server = session.get_one(Server, it.server_id)
        rec = json.loads(it.record) if it.record else {}
        alloc = session.scalar(select(Allocation).where(Allocation.server_id == server.id,
                                                        Allocation.status == "occupied"))
        os_ = rec.get("os") or {}
        cpu = rec.get("cpu") or {}
        disks = rec.get("disks") or []
        size = sum(d.get("size_bytes") or 0 for d in disks)
        reasons = json.loads(it.reasons or "[]")
        d = decided.get(it.server_id)
        condition = Condition(d.condition if d else it.proposed_condition)
        proposed = CONDITION_LABELS[Condition(it.proposed_condition)].id
        notes = ([f"Alasan petugas / officer's reason: {d.reason}"] if d and d.reason else []) \
            + json.loads(it.errors or "[]")
        rows.append({
            "no": n, "unit": server.unit.code, "hostname": rec.get("hostname") or server.hostname,
            # A switch or a UPS in the rack says what it is (the form lists every placed asset).
            "brand_model": (f"{server.brand} {server.model}" if server.kind == "server" else
                            f"{KIND_LABELS[AssetKind(server.kind)].id}: {server.brand} {server.model}"),
            "kind": server.kind, "serial": server.serial_number,
            "location": f"{alloc.rack.name} U{alloc.u_bottom}-U{alloc.u_top}" if alloc else None,
            "ip": server.management_ip,
            "os": " ".join(x for x in (os_.get("name"), os_.get("version")) if x) or None,
            "cpu": (f"{cpu.get('model')} ({cpu.get('cores')} core)" if cpu.get("model") else None),
            "memory": _gib(rec.get("memory_bytes")),
            "storage": f"{len(disks)} disk, {size / 1e9:.0f} GB" if disks else None,
            "condition": CONDITION_LABELS[condition].id, "condition_code": str(condition),
            "proposal": f"{proposed}: {'; '.join(reasons)}" if reasons else proposed,
            "reach": "Terjangkau" if it.reached else "Tidak terjangkau",
            "source": it.source or "-", "notes": "; ".join(notes) or None})
    # Times print in the office's zone (the officer signed at 14.05 WIB, not 07.05).
    signed_at = r.signed_at.astimezone(tz) if r.signed_at else None
    when = signed_at or utcnow().astimezone(tz)
    return InventoryForm(period=period, office_name=settings.office_letterhead, place=settings.office_city,
                         rows=rows, status=r.status, signed_name=r.signed_name, signed_nip=r.signed_nip,
                         signed_position=r.signed_position, signed_at=signed_at, generated=when.date(),
                         zone=papers.zone_label(settings.timezone, when))

"""The periodic evaluation of asset management (SOP 001 *Evaluasi Pengelolaan Aset*).

Figures for a period (a year by default) and for one unit or the whole office, each read with one
query (never a query per row) and summed in Python: the register by kind and condition at the
period's end and its changes, custody service times per step, tickets by category and time to
resolve, downtime from the probes, and the capacity of each room. Plain data out; the XLSX, the
PDF, the API and the page only present it.

Definitions the figures rest on (said once, here):
- an asset is in the register at the period's end when it was recorded before the end and not
  disposed (``asset_records.disposed_at``) before it; it is counted under its unit of today;
- its condition and kind at the period's end come from the audit trail, which records every change
  of a server row (``update`` events, with the row before and after) and, for a condition the office
  states, a ``condition`` event (services.condition) with the old and the new value: the value at
  the end is the new value of the last change before the end; failing that, the old value of the
  first change after it; failing that (never changed), today's value. Kind does change after
  registration (an officer edits it, services.servers.update_server), so it is worked out the same
  way;
- a custody step is the time a request spent in a timed state: from the step that entered it to
  the step that left it; it is on time when it left by the due time (1 working day), counted for
  steps that ended in the period;
- a ticket is resolved when its first ``resolved`` step was recorded; the time to resolve runs
  from its creation, in calendar hours;
- a server is down from a failed probe of one kind until the next successful probe of that kind
  (or the period's end); a failure before the period that no success ended by its start counts
  from the start; the kinds' down intervals are merged, so two probes failing together count once.
  Retention (services.retention) keeps every check whose result differs from the one before it
  (of the same server and kind), so downtime stays exact for any period; the numbers of checks
  and failures are the rows kept, exact only within the retention days;
- condition changes are the audit trail's ``condition`` events (services.condition);
- a room's U and power are the office's, whatever the unit chosen: racks are shared.
"""

from __future__ import annotations

import calendar as months
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from statistics import mean, median
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, func, or_, select, true, type_coerce
from sqlalchemy.orm import Session

from ..documents.evaluation import render_pdf
from ..domain.choices import STAFF_ROLES, Role
from ..domain.custody_flow import STATE_LABELS, TIMED, CustodyState
from ..domain.service_time import due_at
from ..errors import Forbidden, Invalid
from ..models import AccessCheck, Allocation, AssetRecord, CustodyRequest, CustodyStep, Rack, Room, Server, Unit, User
from ..models.assets import TransferCase
from ..models.audit import AuditEvent
from ..models.base import UTCDateTime, utcnow
from ..models.custody import Document
from ..models.tickets import Ticket, TicketStep
from ..settings import Settings
from . import papers
from .custody import calendar

MAX_DAYS = 5 * 366


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    start: datetime   # UTC, the first day's 00:00 in the office's zone
    end: datetime     # UTC, exclusive: the day after the last, 00:00


@dataclass(frozen=True)
class AssetCount:
    kind: str
    condition: str
    count: int


@dataclass(frozen=True)
class Changes:
    registered: int
    disposed: int
    transferred_in: int
    transferred_out: int


@dataclass(frozen=True)
class ConditionMove:
    before: str
    after: str
    count: int


@dataclass(frozen=True)
class StepTimes:
    state: str
    label: str
    on_time: int
    overdue: int


@dataclass(frozen=True)
class TicketTimes:
    category: str
    opened: int
    resolved: int
    median_hours: float | None
    mean_hours: float | None


@dataclass(frozen=True)
class ServerDowntime:
    server_id: int
    name: str
    unit_code: str
    checks: int
    failed: int
    downtime_hours: float


@dataclass(frozen=True)
class RoomCapacity:
    room: str
    u_total: int
    u_used: int
    u_free: int
    power_budget_w: int | None
    power_used_w: int
    trend: list[tuple[str, int]] = field(default_factory=list)   # (YYYY-MM, U used at the month's end)


@dataclass
class Evaluation:
    period: Period
    unit_code: str | None
    unit_name: str | None
    generated_at: datetime
    assets: list[AssetCount]
    changes: Changes
    condition_moves: list[ConditionMove]
    custody: list[StepTimes]
    tickets: list[TicketTimes]
    downtime: list[ServerDowntime]
    downtime_by_unit: dict[str, float]
    rooms: list[RoomCapacity]

    @property
    def assets_total(self) -> int:
        return sum(a.count for a in self.assets)


def period(settings: Settings, first: date | None, last: date | None, today: date | None = None) -> Period:
    """From/to dates (inclusive) in the office's zone; the current year when neither is given."""
    year = (today or utcnow().date()).year
    for name, day in (("from", first), ("to", last)):
        if day is not None and not 1900 <= day.year <= 9998:
            raise Invalid(f"'{name}' must be a date between the years 1900 and 9998", field=name)
    first = first or (date(last.year, 1, 1) if last else date(year, 1, 1))
    last = last or date(first.year, 12, 31)
    if last < first:
        raise Invalid("'to' is before 'from'", field="to")
    if (last - first).days > MAX_DAYS:
        raise Invalid(f"the period is longer than {MAX_DAYS} days", field="to")
    zone = calendar(settings).zone
    start = datetime.combine(first, time(0), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC)
    return Period(first, last, start, end)


def unit_for(db: Session, user: User, unit: str | None) -> int | None:
    """The unit the report is for, after the role and unit check."""
    if user.role == Role.unit_contact:
        own = db.get(Unit, user.unit_id) if user.unit_id is not None else None
        if own is None or (unit is not None and unit != own.code):
            raise Forbidden("a unit's contact person may evaluate their own unit only",
                            allowed_roles=sorted(str(r) for r in STAFF_ROLES))
        return own.id
    if user.role not in STAFF_ROLES:
        raise Forbidden(f"role '{user.role}' may not read the evaluation report",
                        allowed_roles=sorted(str(r) for r in STAFF_ROLES))
    if unit is None:
        return None
    unit_id = db.scalar(select(Unit.id).where(Unit.code == unit))
    if unit_id is None:
        raise Invalid(f"no unit with code '{unit}'", field="unit")
    return unit_id


def evaluate(session: Session, settings: Settings, p: Period, unit_id: int | None) -> Evaluation:
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    downtime = server_downtime(session, p, unit_id)
    by_unit: dict[str, float] = defaultdict(float)
    for d in downtime:
        by_unit[d.unit_code] += d.downtime_hours
    return Evaluation(
        period=p, unit_code=unit.code if unit else None, unit_name=unit.name if unit else None,
        generated_at=utcnow(), assets=assets_at_end(session, p, unit_id), changes=changes(session, p, unit_id),
        condition_moves=condition_moves(session, p, unit_id),
        custody=custody_times(session, settings, p, unit_id), tickets=ticket_times(session, p, unit_id),
        downtime=downtime, downtime_by_unit={k: round(v, 2) for k, v in sorted(by_unit.items())},
        rooms=room_capacity(session, settings, p))


def filename(ev: Evaluation, ext: str) -> str:
    return f"evaluasi_{ev.unit_code or 'kantor'}_{ev.period.first:%Y%m%d}-{ev.period.last:%Y%m%d}.{ext}"


def issue(session: Session, settings: Settings, p: Period, unit_id: int | None, actor: str) -> Document:
    """The report as a PDF, kept among the office's documents (sealed when a seal is set): an act,
    so the API and the page do it on a POST only."""
    ev = evaluate(session, settings, p, unit_id)
    pdf = render_pdf(ev, settings.office_name, settings.timezone, papers.zone_label(settings.timezone))
    return papers.store(session, kind="evaluation", unit_id=unit_id, request_id=None, filename=filename(ev, "pdf"),
                        content_type="application/pdf", content=pdf, actor=actor)


def issued(session: Session, p: Period, unit_id: int | None) -> Document | None:
    """The latest PDF issued for this period and unit (the whole office when None), if any."""
    code = session.scalar(select(Unit.code).where(Unit.id == unit_id)) if unit_id is not None else None
    name = f"evaluasi_{code or 'kantor'}_{p.first:%Y%m%d}-{p.last:%Y%m%d}.pdf"
    unit_match = Document.unit_id == unit_id if unit_id is not None else Document.unit_id.is_(None)
    return session.scalar(select(Document).where(Document.kind == "evaluation", Document.filename == name, unit_match)
                          .order_by(Document.id.desc()).limit(1))


def _in_register_at(moment: datetime) -> ColumnElement[bool]:
    return and_(Server.created_at < moment,
                or_(AssetRecord.disposed_at.is_(None), AssetRecord.disposed_at >= moment))


def assets_at_end(session: Session, p: Period, unit_id: int | None) -> list[AssetCount]:
    """One query: the register at the end, each server with the audit events that may have changed
    its kind or condition (in the order recorded); their values at the end are worked out here."""
    changed = and_(AuditEvent.entity == "server", AuditEvent.entity_id == cast(Server.id, String),
                   AuditEvent.action.in_(("update", "condition")))
    stmt = (select(Server.id, Server.kind, Server.condition, AuditEvent.at, AuditEvent.before, AuditEvent.after)
            .outerjoin(AssetRecord, AssetRecord.server_id == Server.id)
            .outerjoin(AuditEvent, changed)
            .where(_in_register_at(p.end)).order_by(Server.id, AuditEvent.seq))
    if unit_id is not None:
        stmt = stmt.where(Server.unit_id == unit_id)
    now: dict[int, tuple[str, str]] = {}
    events: dict[int, list[tuple[datetime, dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    for sid, kind, condition, at, before, after in session.execute(stmt):
        now[sid] = (kind, condition)
        if at is not None:
            events[sid].append((at, json.loads(before or "{}"), json.loads(after or "{}")))
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for sid, (kind, condition) in now.items():
        counts[(value_at(p.end, "kind", kind, events[sid]),
                value_at(p.end, "condition", condition, events[sid]))] += 1
    return [AssetCount(kind, condition, n) for (kind, condition), n in sorted(counts.items())]


def value_at(moment: datetime, name: str, current: str,
             events: list[tuple[datetime, dict[str, Any], dict[str, Any]]]) -> str:
    """A field's value at `moment` from its changes (events in the order recorded): the new value
    of the last change before it, else the old value of the first change after it, else today's."""
    moves = [(at, before[name], after[name]) for at, before, after in events
             if name in before and name in after and before[name] != after[name]]
    earlier = [new for at, _old, new in moves if at < moment]
    if earlier:
        return str(earlier[-1])
    later = [old for at, old, _new in moves if at >= moment]
    return str(later[0]) if later else current


def changes(session: Session, p: Period, unit_id: int | None) -> Changes:
    """Registered and disposed in the period, and transfers between units (one query)."""
    def within(col: Any) -> ColumnElement[bool]:
        return and_(col >= p.start, col < p.end)

    unit_match = (Server.unit_id == unit_id) if unit_id is not None else true()
    registered = select(func.count(Server.id)).where(within(Server.created_at), unit_match).scalar_subquery()
    disposed = (select(func.count(AssetRecord.id)).join(Server, Server.id == AssetRecord.server_id)
                .where(within(AssetRecord.disposed_at), unit_match).scalar_subquery())
    done = within(TransferCase.transferred_at)
    t_in = select(func.count(TransferCase.id)).where(
        done, (TransferCase.to_unit_id == unit_id) if unit_id is not None else true()).scalar_subquery()
    t_out = select(func.count(TransferCase.id)).where(
        done, (TransferCase.unit_id == unit_id) if unit_id is not None else true()).scalar_subquery()
    row = session.execute(select(registered, disposed, t_in, t_out)).one()
    return Changes(registered=row[0] or 0, disposed=row[1] or 0, transferred_in=row[2] or 0,
                   transferred_out=row[3] or 0)


def condition_moves(session: Session, p: Period, unit_id: int | None) -> list[ConditionMove]:
    """Condition changes the office recorded in the period (the audit trail's ``condition`` events),
    counted per (before, after)."""
    stmt = (select(AuditEvent.before, AuditEvent.after)
            .join(Server, cast(Server.id, String) == AuditEvent.entity_id)
            .where(AuditEvent.entity == "server", AuditEvent.action == "condition",
                   AuditEvent.at >= p.start, AuditEvent.at < p.end))
    if unit_id is not None:
        stmt = stmt.where(Server.unit_id == unit_id)
    moves: dict[tuple[str, str], int] = defaultdict(int)
    for before, after in session.execute(stmt):
        moves[(json.loads(before or "{}").get("condition", "-"), json.loads(after or "{}").get("condition", "-"))] += 1
    return [ConditionMove(b, a, n) for (b, a), n in sorted(moves.items())]


def custody_times(session: Session, settings: Settings, p: Period, unit_id: int | None) -> list[StepTimes]:
    """Per timed state: how many stays ended within their due time and how many after it."""
    prev = type_coerce(func.lag(CustodyStep.at).over(partition_by=CustodyStep.request_id,
                                                     order_by=(CustodyStep.at, CustodyStep.id)), UTCDateTime())
    steps = (select(CustodyStep.from_state, CustodyStep.at, prev.label("entered"))
             .join(CustodyRequest, CustodyRequest.id == CustodyStep.request_id))
    if unit_id is not None:
        steps = steps.where(CustodyRequest.unit_id == unit_id)
    sub = steps.subquery()
    rows = session.execute(select(sub.c.from_state, sub.c.at, sub.c.entered).where(
        sub.c.at >= p.start, sub.c.at < p.end, sub.c.from_state.in_(sorted(TIMED)), sub.c.entered.is_not(None)))
    cal = calendar(settings)
    counts: dict[str, list[int]] = {}
    for state, left, entered in rows:
        slot = counts.setdefault(state, [0, 0])
        slot[0 if left <= due_at(entered, cal) else 1] += 1
    order = [str(s) for s in CustodyState]
    return [StepTimes(s, STATE_LABELS[CustodyState(s)].id, on, late)
            for s, (on, late) in sorted(counts.items(), key=lambda kv: order.index(kv[0]))]


def ticket_times(session: Session, p: Period, unit_id: int | None) -> list[TicketTimes]:
    """Per category: tickets opened in the period, those resolved in it and their time to resolve."""
    resolved = (select(TicketStep.ticket_id, func.min(TicketStep.at).label("at"))
                .where(TicketStep.to_state == "resolved").group_by(TicketStep.ticket_id).subquery())
    stmt = (select(Ticket.category, Ticket.created_at, type_coerce(resolved.c.at, UTCDateTime()))
            .outerjoin(resolved, resolved.c.ticket_id == Ticket.id)
            .where(or_(and_(Ticket.created_at >= p.start, Ticket.created_at < p.end),
                       and_(resolved.c.at >= p.start, resolved.c.at < p.end))))
    if unit_id is not None:
        stmt = stmt.where(Ticket.unit_id == unit_id)
    opened: dict[str, int] = defaultdict(int)
    hours: dict[str, list[float]] = defaultdict(list)
    for category, created, done in session.execute(stmt):
        key = category or "-"
        if p.start <= created < p.end:
            opened[key] += 1
        if done is not None and p.start <= done < p.end:
            hours[key].append((done - created).total_seconds() / 3600)
    return [TicketTimes(c, opened.get(c, 0), len(hours[c]),
                        round(median(hours[c]), 2) if hours[c] else None,
                        round(mean(hours[c]), 2) if hours[c] else None)
            for c in sorted(set(opened) | set(hours))]


def _merged_hours(intervals: list[tuple[datetime, datetime]]) -> float:
    total, cur_start, cur_end = 0.0, None, None
    for s, e in sorted(intervals):
        if cur_end is None or s > cur_end:
            if cur_start is not None and cur_end is not None:
                total += (cur_end - cur_start).total_seconds()
            cur_start, cur_end = s, e
        else:
            cur_end = max(cur_end, e)
    if cur_start is not None and cur_end is not None:
        total += (cur_end - cur_start).total_seconds()
    return total / 3600


def server_downtime(session: Session, p: Period, unit_id: int | None) -> list[ServerDowntime]:
    """The period's checks and, per server and probe kind, the last check before it (a failure
    there means the server entered the period down), in one query."""
    earlier = (select(AccessCheck.id, func.row_number().over(
        partition_by=(AccessCheck.server_id, AccessCheck.kind),
        order_by=(AccessCheck.checked_at.desc(), AccessCheck.id.desc())).label("n"))
        .where(AccessCheck.checked_at < p.start).subquery())
    last_before = select(earlier.c.id).where(earlier.c.n == 1)
    stmt = (select(AccessCheck.server_id, AccessCheck.kind, AccessCheck.ok, AccessCheck.checked_at,
                   Server.hostname, Server.brand, Server.model, Unit.code)
            .join(Server, Server.id == AccessCheck.server_id).join(Unit, Unit.id == Server.unit_id)
            .where(or_(and_(AccessCheck.checked_at >= p.start, AccessCheck.checked_at < p.end),
                       AccessCheck.id.in_(last_before)))
            .order_by(AccessCheck.server_id, AccessCheck.kind, AccessCheck.checked_at, AccessCheck.id))
    if unit_id is not None:
        stmt = stmt.where(Server.unit_id == unit_id)
    end = min(p.end, utcnow())
    names: dict[int, tuple[str, str]] = {}
    checks: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    down: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    since: dict[tuple[int, str], datetime] = {}
    for sid, kind, ok, at, hostname, brand, model, code in session.execute(stmt):
        if at < p.start:
            if not ok:   # down when the period began
                names[sid] = (hostname or f"{brand} {model}", code)
                since[(sid, kind)] = p.start
            continue
        names[sid] = (hostname or f"{brand} {model}", code)
        checks[sid][0] += 1
        if ok:
            if (sid, kind) in since:
                down[sid].append((since.pop((sid, kind)), at))
        else:
            checks[sid][1] += 1
            since.setdefault((sid, kind), at)
    for (sid, _kind), start in since.items():
        down[sid].append((start, max(start, end)))
    return [ServerDowntime(sid, names[sid][0], names[sid][1], checks[sid][0], checks[sid][1],
                           round(_merged_hours(down[sid]), 2)) for sid in sorted(names)]


def month_ends(p: Period) -> list[date]:
    out, y, m = [], p.first.year, p.first.month
    while (y, m) <= (p.last.year, p.last.month):
        out.append(date(y, m, months.monthrange(y, m)[1]))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def room_capacity(session: Session, settings: Settings, p: Period) -> list[RoomCapacity]:
    """U and power of each room now, and U used at each month's end of the period (from the
    allocations' dates: created, released)."""
    racks = session.execute(select(Room.id, Room.name, func.sum(Rack.height_u),
                                   func.sum(Rack.power_capacity_w))
                            .join(Rack, Rack.room_id == Room.id).group_by(Room.id, Room.name).order_by(Room.name))
    allocs = session.execute(select(Rack.room_id, Allocation.height_u, Allocation.created_at,
                                    Allocation.released_at, Server.power_w)
                             .join(Rack, Rack.id == Allocation.rack_id)
                             .outerjoin(Server, Server.id == Allocation.server_id)).all()
    now, zone = utcnow(), calendar(settings).zone
    ends = [(d.strftime("%Y-%m"), datetime.combine(d + timedelta(days=1), time(0), zone).astimezone(UTC))
            for d in month_ends(p)]
    out = []
    for room_id, name, u_total, budget in racks:
        mine = [a for a in allocs if a[0] == room_id]
        live = [a for a in mine if a[3] is None]
        used = sum(a[1] for a in live)
        trend = [(label, sum(a[1] for a in mine if a[2] < moment and (a[3] is None or a[3] >= moment)))
                 for label, moment in ends if label <= now.strftime("%Y-%m")]
        out.append(RoomCapacity(room=name, u_total=int(u_total or 0), u_used=used, u_free=int(u_total or 0) - used,
                                power_budget_w=int(budget) if budget is not None else None,
                                power_used_w=sum(a[4] or 0 for a in live), trend=trend))
    return out

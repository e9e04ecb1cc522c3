"""What the pages show, read from the database: reachability, racks, request rows.

Reading for display only; every rule (who may do what, where a server fits) stays in the
services and the domain, which these helpers call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache, partial
from typing import Any, cast

from markupsafe import Markup
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from .. import models
from ..domain import slots
from ..domain.choices import AllocationStatus
from ..domain.custody_flow import CUSTODY, CustodyState
from ..domain.liveness import agent_alive
from ..models import AccessCheck, Allocation, CustodyRequest, Document, Rack, Room, User
from ..services import custody, space
from ..services.custody_view import request_view
from ..settings import Settings
from . import elevation
from .i18n import translations


@dataclass
class ServerHealth:
    condition: str
    checks: list[AccessCheck] = field(default_factory=list)  # the latest round of access checks
    last_seen_at: datetime | None = None                    # the agent's last report, if any
    stale_seconds: int = 300                                # settings.heartbeat_stale_seconds
    all_ok: bool | None = None      # the latest round's verdict, when its checks were not read one by one

    @property
    def checked_at(self) -> datetime | None:
        return self.checks[0].checked_at if self.checks else None

    @property
    def reachable(self) -> bool | None:
        return all(c.ok for c in self.checks) if self.checks else self.all_ok

    def agent_alive(self, now: datetime) -> bool | None:
        return agent_alive(self.last_seen_at, now, self.stale_seconds)

    def up(self, now: datetime) -> bool | None:
        """The probes' word first (what the unit cares about); else the agent's heartbeat."""
        return self.reachable if self.reachable is not None else self.agent_alive(now)


def server_health(db: Session, servers: Iterable[models.Server], stale_seconds: int) -> dict[int, ServerHealth]:
    return health_of(db, {s.id: s.condition for s in servers}, stale_seconds)


def health_of(db: Session, conditions: dict[int, str], stale_seconds: int, with_checks: bool = True,
              among: Select | None = None) -> dict[int, ServerHealth]:
    """Reachability and agent state of the servers given as {id: condition}, in two statements.

    Without `with_checks` only the latest round's verdict per server is read (`all_ok`), not its
    checks as objects: a room's view needs the verdict of ~1,750 servers, whose ~3,500 checks
    built as objects were a third of the page. `among`, a select of those servers' ids, spares
    the statements a list of that many ids."""
    out = {sid: ServerHealth(condition, stale_seconds=stale_seconds) for sid, condition in conditions.items()}
    if not out:
        return out
    ids: Any = among if among is not None else list(out)
    latest = (select(AccessCheck.server_id, func.max(AccessCheck.checked_at).label("at"))
              .where(AccessCheck.server_id.in_(ids)).group_by(AccessCheck.server_id).subquery())
    in_round = (AccessCheck.server_id == latest.c.server_id) & (AccessCheck.checked_at == latest.c.at)
    if with_checks:
        for check in db.scalars(select(AccessCheck).join(latest, in_round).order_by(AccessCheck.id)):
            out[check.server_id].checks.append(check)
    else:
        failed = func.sum(case((AccessCheck.ok.is_(False), 1), else_=0))
        for server_id, failures in db.execute(select(AccessCheck.server_id, failed).join(latest, in_round)
                                              .group_by(AccessCheck.server_id)):
            if server_id in out:
                out[server_id].all_ok = not failures
    status = getattr(models, "ServerStatus", None)  # present once the monitoring tables are
    if status is not None:
        for server_id, seen in db.execute(select(status.server_id, status.last_seen_at)
                                          .where(status.server_id.in_(ids))):
            if server_id in out:
                out[server_id].last_seen_at = seen
    return out


def placements(db: Session, server_ids: Iterable[int]) -> dict[int, Allocation]:
    """Where each server is (or is reserved): its allocation that is not released."""
    ids = list(server_ids)
    if not ids:
        return {}
    return {a.server_id: a for a in db.scalars(select(Allocation).where(
        Allocation.server_id.in_(ids), Allocation.status != AllocationStatus.released)) if a.server_id is not None}


def requests_by_server(db: Session, server_ids: Iterable[int]) -> dict[int, CustodyRequest]:
    ids = list(server_ids)
    # A server may have had several custodies: the latest one wins.
    return {r.server_id: r for r in db.scalars(select(CustodyRequest).where(CustodyRequest.server_id.in_(ids))
                                                 .order_by(CustodyRequest.id))}


@cache
def actionable_states(role: str) -> tuple[str, ...]:
    """The states in which `role` has a step to take by hand, as the workflow table says: a work
    list reads those requests only, not every open one (at 10,000 servers ~7,000 requests are
    open, most of them active, and building each one's view took seconds)."""
    return tuple(sorted(str(s) for s in CustodyState if any(
        CUSTODY.transition(a, s).manual for a in CUSTODY.allowed_actions(s, role))))


def request_rows(db: Session, settings: Settings, user: User, reqs: Iterable[CustodyRequest],
                 now: datetime, urgent_first: bool = True) -> list[dict[str, Any]]:
    """The list view of requests, most urgent first: overdue, then by due time, then oldest
    (or in the order given, when the reader chose a sort)."""
    rows = [request_view(db, settings, user, r, now, full=False) for r in reqs]
    if not urgent_first:
        return rows
    far = datetime.max.replace(tzinfo=now.tzinfo)
    rows.sort(key=lambda v: (not v["overdue"], v["due_at"] or far, v["id"]))
    return rows


@dataclass
class WorkList:
    rows: list[dict[str, Any]]   # one page of request views, most urgent first
    total: int                   # requests waiting for the reader, on every page
    overdue: int                 # of those, past their service time


def work_list(db: Session, settings: Settings, user: User, now: datetime, page: int, per: int) -> WorkList:
    """The requests in which the reader has a step to take, most urgent first, one page of them.

    Urgency needs only each request's state and time in it, so every candidate is read as those
    three columns; the full view (server, unit, place, allowed steps) is built for the page alone:
    at 10,000 servers an officer has ~450 requests waiting, and drawing them all took ~1 s."""
    stmt = custody.list_stmt(user).where(CustodyRequest.state.in_(actionable_states(user.role)))
    light = db.execute(stmt.with_only_columns(CustodyRequest.id, CustodyRequest.state, CustodyRequest.state_since)
                       ).all()
    far = datetime.max.replace(tzinfo=now.tzinfo)
    keyed = []
    for row in light:
        due = custody.due(settings, cast(CustodyRequest, row))   # reads state and state_since only
        keyed.append((not (due and now > due), due or far, row.id))
    # A quorum step the reader has already signed leaves nothing to do: read for all at once.
    allowed = custody.allowed_actions_of(db, user, [(row.id, row.state) for row in light])
    keyed = [k for k in keyed if allowed[k[2]]]
    keyed.sort()
    start = (max(1, min(page, -(-len(keyed) // per) or 1)) - 1) * per
    ids = [k[2] for k in keyed[start:start + per]]
    found = {r.id: r for r in db.scalars(select(CustodyRequest).where(CustodyRequest.id.in_(ids)))} if ids else {}
    rows = [request_view(db, settings, user, found[i], now, full=False, allowed=allowed[i]) for i in ids]
    return WorkList(rows, len(keyed), sum(1 for k in keyed if not k[0]))


def letters(db: Session, request_ids: Iterable[int]) -> dict[int, list[Document]]:
    ids = list(request_ids)
    out: dict[int, list[Document]] = {i: [] for i in ids}
    if ids:
        for doc in db.scalars(select(Document).where(Document.request_id.in_(ids), Document.kind == "letter")
                              .order_by(Document.id)):
            if doc.request_id is not None:  # always: the query asked for these ids
                out[doc.request_id].append(doc)
    return out


def active_officers(db: Session) -> list[User]:
    return list(db.scalars(select(User).where(User.role == "officer", User.is_active.is_(True))
                           .order_by(User.full_name)))


@dataclass
class RackPanel:
    rack: Rack
    svg: str
    free_u: int
    reserved_u: int
    occupied_u: int
    power_used_w: int


def rack_panels(db: Session, room: Room, now: datetime, lang: str, gettext: Callable[[str], str],
                stale_seconds: int, pick_for: CustodyRequest | None = None,
                href: Callable[[int, int], str] | None = None) -> list[RackPanel]:
    """Every rack of the room drawn; with `pick_for`, the U where that request's server fits link
    to `href(rack_id, u_bottom)` (the same fit test the reservation itself applies)."""
    spaces = {s.rack_id: s for s in space.room_spaces(db, room.id)}
    racks = list(db.scalars(select(Rack).where(Rack.room_id == room.id).order_by(Rack.name)))
    # The whole room in a handful of statements, whatever its number of racks.
    units_of = space.elevations(db, racks)
    in_room = (select(Allocation.server_id).join(Rack, Rack.id == Allocation.rack_id)
               .where(Rack.room_id == room.id, Allocation.status != AllocationStatus.released,
                      Allocation.server_id.is_not(None)))
    conditions: dict[int, str] = {sid: c for sid, c in db.execute(
        select(models.Server.id, models.Server.condition).where(models.Server.id.in_(in_room)))}
    health = {sid: elevation.Health(h.condition, h.up(now)) for sid, h in
              health_of(db, conditions, stale_seconds, with_checks=False, among=in_room).items()}
    panels = []
    for rack in racks:
        units = units_of[rack.id]
        if pick_for is not None and href is not None:
            fits = _fits(spaces[rack.id], pick_for.server.height_u, pick_for.server.power_w)
            pick = elevation.Pick(pick_for.server.height_u, fits, partial(href, rack.id))
            svg = elevation.render(rack.name, rack.height_u, units, lang=lang, gettext=gettext, health=health,
                                   pick=pick, link=_server_page)
        else:
            svg = _drawn(rack.name, rack.height_u, tuple(units), lang,
                         tuple((u.server_id, health[u.server_id]) for u in units if u.server_id in health))
        counts = {st: sum(1 for u in units if u.state == st) for st in ("free", "reserved", "occupied")}
        panels.append(RackPanel(rack, svg, counts["free"], counts["reserved"], counts["occupied"],
                                spaces[rack.id].power_used_w))
    return panels


def _server_page(server_id: int) -> str:
    return f"/servers/{server_id}"


@lru_cache(maxsize=256)
def _drawn(name: str, height_u: int, units: tuple[space.ElevationU, ...], lang: str,
           health: tuple[tuple[int, elevation.Health], ...]) -> Markup:
    """A rack as the room view draws it, kept while nothing drawn on it changes (its U, their
    holders, each server's condition and up/down): drawing a room's fifty racks (1.1 MB of SVG)
    was half of the page at 10,000 servers; the reads stay per request. ~22 KB a rack."""
    return elevation.render(name, height_u, units, lang=lang, gettext=translations(lang).gettext,
                            health=dict(health), link=_server_page)


def _fits(rack: slots.RackSpace, height_u: int, power_w: int) -> frozenset[int]:
    headroom = slots.power_free(rack)
    if headroom is not None and headroom < power_w:
        return frozenset()
    return frozenset(u for u in range(1, rack.height_u + 1) if slots.range_fits(rack, u, height_u))


def suggestions(db: Session, req: CustodyRequest, limit: int = 5) -> list[tuple[Rack, slots.Candidate]]:
    """The best free slots over every room, in the order `reserve_space` without a slot takes them
    (services.custody ranks them; the first one is what "best free slot" reserves)."""
    found = custody.candidates_for(db, req.server)[:limit]
    return [(db.get_one(Rack, c.rack_id), c) for c in found]


"""The scrape-time collector: every value comes from the database when Prometheus asks.

No gauge is kept in step with the data by hand; `collect()` reads a snapshot
(`snapshot.read`) and turns it into metric families. Label values are bounded: states,
conditions and probe kinds are enumerations, rooms/racks/units are the office's own short
list, and the only per-item labels are servers (`server` is the serial number, unique by the
schema) with at most a fixed number of mount points, sensor chips and probes each.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from datetime import datetime

from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from ..domain.choices import AllocationStatus, SlotState
from ..domain.custody_flow import IN_CUSTODY, TERMINAL, TIMED, CustodyState
from ..domain.service_time import WorkCalendar, add_working_span, office_calendar
from ..models.base import utcnow
from ..settings import Settings
from . import custody_time, heartbeat, probes
from .exposition import Family, line, pair
from .snapshot import Caches, ServerRow, Snapshot, read

REGISTERED = "registered"   # the state of a server that has no custody request


class TitipCollector(Collector):
    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self.sessions, self.settings = sessions, settings
        self.calendar = office_calendar(settings)
        self.caches = Caches()
        self.static = StaticLines()
        self._lock = threading.Lock()        # scrapes share the caches: one at a time

    def describe(self) -> list:
        """Nothing up front: registering must not query the database."""
        return []

    def collect(self) -> Iterator[Family]:
        started = time.perf_counter()
        with self._lock:
            now = utcnow()
            fresh_since = now.timestamp() - self.settings.heartbeat_stale_seconds
            with self.sessions() as session:
                if session.get_bind().dialect.name == "postgresql":   # one snapshot for all queries
                    session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
                snap = read(session, self.caches, fresh_since)
                session.rollback()
            lines = [self.static.of(row) for row in snap.servers]
            families = [*_space(snap), *_custody(snap, lines, self.calendar, now),
                        *_tickets(snap, self.calendar, now), *_lifecycle(snap, self.calendar, now),
                        _inventory_signing(snap, self.calendar, now),
                        *_monitoring(snap, lines, self.caches, fresh_since)]
            self.static.keep_only({row.id for row in snap.servers})
        took = Family("titip_metrics_collect_seconds", "Time this scrape spent reading the database "
                      "and building the metrics above")
        took.put("", time.perf_counter() - started)
        yield from families
        yield took


def _space(snap: Snapshot) -> tuple[Family, ...]:
    units = Family("titip_rack_units", "Rack units (U) by state: free, reserved, occupied",
                   ("room", "rack", "state"))
    power = Family("titip_rack_power_watts", "Declared power of the servers holding U in the rack, "
                   "by allocation state", ("room", "rack", "state"))
    capacity = Family("titip_rack_power_capacity_watts", "Power budget of the rack (racks with one)",
                      ("room", "rack"))
    height = Family("titip_rack_height_units", "Height of the rack in U", ("room", "rack"))
    reserved_s, occupied_s = AllocationStatus.reserved.value, AllocationStatus.occupied.value
    for rack in snap.racks:
        reserved, occupied = rack.held.get(reserved_s, 0), rack.held.get(occupied_s, 0)
        units.add((rack.room, rack.name, SlotState.free.value), max(rack.height - reserved - occupied, 0))
        units.add((rack.room, rack.name, SlotState.reserved.value), reserved)
        units.add((rack.room, rack.name, SlotState.occupied.value), occupied)
        power.add((rack.room, rack.name, reserved_s), rack.power.get(reserved_s, 0))
        power.add((rack.room, rack.name, occupied_s), rack.power.get(occupied_s, 0))
        if rack.capacity_w is not None:
            capacity.add((rack.room, rack.name), rack.capacity_w)
        height.add((rack.room, rack.name), rack.height)
    return units, power, capacity, height


def in_custody(row: ServerRow) -> bool:
    """Physically in the office: a custody state from arrival to return, or (servers registered
    without a request, like those already in the room when Titip came) placed in a rack."""
    if row.state is None:
        return row.placement == AllocationStatus.occupied
    return row.state in IN_CUSTODY


def _custody(snap: Snapshot, static: list[tuple[str, str, str, str]], cal: WorkCalendar,
             now: datetime) -> tuple[Family, ...]:
    by_state = {state.value: 0 for state in CustodyState}
    servers: dict[tuple[str, str], int] = {}
    timed: list[tuple[str, float]] = []
    info = Family(*StaticLines.INFO)
    condition = Family(*StaticLines.CONDITION)
    for row, lines in zip(snap.servers, static):
        state = row.state or REGISTERED
        servers[(row.unit, state)] = servers.get((row.unit, state), 0) + 1
        info.lines.append(lines[0])
        condition.lines.append(lines[1])
        if row.state is not None:
            by_state[row.state] = by_state.get(row.state, 0) + 1
            if row.state in TIMED and row.state_since is not None:
                timed.append((row.state, row.state_since))
    count = Family("titip_servers", "Servers by unit and custody state ('registered': no request)",
                   ("unit", "state"))
    for (unit_code, state), n in sorted(servers.items()):
        count.add((unit_code, state), n)
    requests = Family("titip_custody_requests", "Custody requests by state", ("state",))
    for state, n in by_state.items():
        requests.add((state,), n)
    overdue = Family("titip_custody_overdue", "Requests whose current step is past its service time "
                     "(1 working day)", ("state",))
    for state, n in custody_time.overdue_by_state(timed, cal, now, TIMED).items():
        overdue.add((state,), n)
    waitlist = Family("titip_waitlist_length", "Requests waiting for rack space")
    waitlist.put("", by_state.get(CustodyState.waitlisted.value, 0))
    return info, condition, count, requests, overdue, waitlist


def _tickets(snap: Snapshot, cal: WorkCalendar, now: datetime) -> tuple[Family, ...]:
    """Helpdesk tickets (SOP 003): by state, and those past their service time (3 days to solve)."""
    from ..domain.ticket_flow import SERVICE_TIMES, TicketState, due_at as ticket_due

    timed = {s for times in SERVICE_TIMES.values() for s in times}
    return _by_state(
        ("titip_tickets", "Helpdesk tickets by state"),
        ("titip_tickets_overdue", "Open tickets past their step's service time (by their priority)"), ("state",),
        [(s.value,) for s in TicketState], [(s.value,) for s in TicketState if s in timed],
        (((state,), since and ticket_due(priority, state, since, cal)) for state, priority, since in snap.tickets), now)


def _lifecycle(snap: Snapshot, cal: WorkCalendar, now: datetime) -> tuple[Family, ...]:
    """Maintenance, transfer and disposal cases (SOPs 000, 001) by kind and state, and those past
    their step's service time (``lifecycle_flow`` tables). Labels are the flows' own states."""
    from ..domain.lifecycle_flow import FLOWS, due_at as case_due, timed_states

    return _by_state(
        ("titip_lifecycle_cases", "Maintenance, transfer and disposal cases by state"),
        ("titip_lifecycle_overdue", "Open lifecycle cases past their step's service time (SOPs 000 and 001, "
                                    "in office time)"), ("kind", "state"),
        [(kind, str(s)) for kind, flow in FLOWS.items() for s in flow.states],
        [(kind, s) for kind in FLOWS for s in timed_states(kind)],
        (((kind, state), since and case_due(kind, state, method, since, cal))
         for kind, state, method, since in snap.lifecycle), now)


def _inventory_signing(snap: Snapshot, cal: WorkCalendar, now: datetime) -> Family:
    """Completed monthly inventories whose signature is past its time (SOP 002 Konfigurasi 6)."""
    from ..domain.custody_flow import INVENTORY_SIGNING_TIME

    span = INVENTORY_SIGNING_TIME.span(cal.day_length)
    late = Family("titip_inventory_signing_overdue", "Completed monthly inventories not signed within "
                  "their service time (1 working day)")
    late.put("", sum(1 for done in snap.unsigned if done is not None and now > add_working_span(done, span, cal)))
    return late


def _by_state(total: tuple[str, str], late: tuple[str, str], labels: tuple[str, ...], keys: list[tuple],
              timed: list[tuple], rows: Iterable[tuple[tuple, datetime | None]],
              now: datetime) -> tuple[Family, Family]:
    """Counts by state (every key in `keys`, zeros included) and, for `timed` keys, how many are
    past their service time; `rows` are (key, due time or None)."""
    count, overdue = dict.fromkeys(keys, 0), dict.fromkeys(timed, 0)
    for key, due in rows:
        count[key] = count.get(key, 0) + 1
        if due is not None and now > due:
            overdue[key] += 1
    families = Family(*total, labels), Family(*late, labels)
    for family, values in zip(families, (count, overdue)):
        for key, n in values.items():
            family.add(key, n)
    return families


class StaticLines:
    """The lines of a server that change only when the server's record does (its serial, unit,
    hostname, condition, rack, kind): rendered once and reused until one of those changes."""

    INFO = ("titip_server_info", "A registered asset: its unit, hostname and kind (value 1)",
            ("server", "unit", "hostname", "kind"))
    CONDITION = ("titip_server_condition", "The server's recorded condition (1 for the current one)",
                 ("server", "unit", "condition"))
    HELD = ("titip_server_in_custody", "Server physically in custody (value 1)", ("server", "unit", "rack"))
    UP = ("titip_server_up", "1 while the agent's last report is fresh (heartbeat_stale_seconds)",
          ("server", "unit", "rack"))

    def __init__(self) -> None:
        self._lines: dict[int, tuple[tuple, tuple[str, str, str, str]]] = {}

    def of(self, row: ServerRow) -> tuple[str, str, str, str]:
        """(info line, condition line, in-custody line, up line without its value)."""
        key = (row.srv, row.unit, row.hostname, row.condition, row.rack, row.kind)
        hit = self._lines.get(row.id)
        if hit is None or hit[0] != key:
            unit, where = pair("unit", row.unit), f"{row.srv},{pair('unit', row.unit)},{pair('rack', row.rack)}"
            hit = self._lines[row.id] = (key, (
                line(self.INFO[0], f"{row.srv},{unit},{pair('hostname', row.hostname)},{pair('kind', row.kind)}", 1),
                line(self.CONDITION[0], f"{row.srv},{unit},{pair('condition', row.condition)}", 1),
                line(self.HELD[0], where, 1), f"{self.UP[0]}{{{where}}} "))
        return hit[1]

    def keep_only(self, server_ids: set[int]) -> None:
        for sid in [sid for sid in self._lines if sid not in server_ids]:
            del self._lines[sid]


def _monitoring(snap: Snapshot, static: list[tuple[str, str, str, str]], caches: Caches,
                fresh_since: float) -> list[Family]:
    held, up = Family(*StaticLines.HELD), Family(*StaticLines.UP)
    seen = Family("titip_server_last_seen_timestamp_seconds", "When the server's agent last reported", ("server",))
    vitals = [Family(*spec) for spec in heartbeat.FAMILIES]
    inventory = Family("titip_inventory_last_timestamp_seconds", "When the server's inventory was last "
                       "collected, by source (agent, snmp, ssh)", ("server", "source"))
    probe = [Family(*spec) for spec in probes.FAMILIES]
    findings = Family("titip_findings_open", "Open findings per server by kind (drift, placeholder_serial, ...)",
                      ("server", "kind"))
    drift = Family("titip_drift_findings_open", "Open hardware drift findings by unit", ("unit",))
    drift_by_unit = dict.fromkeys(snap.units, 0)
    vit_lines, probe_lines = [f.lines for f in vitals], [f.lines for f in probe]
    held_lines, up_lines, seen_lines, inv_lines = held.lines, up.lines, seen.lines, inventory.lines
    seen_name, inv_name = seen.name, inventory.name
    open_findings, vitals_of, probes_of = snap.findings, caches.vitals.get, caches.probes.get
    for row, lines in zip(snap.servers, static):
        if row.state in TERMINAL:
            continue   # returned, rejected, lapsed: nobody watches these any more
        srv = row.srv
        if in_custody(row):
            held_lines.append(lines[2])
        if row.has_agent or row.seen is not None:
            fresh = row.seen is not None and row.seen >= fresh_since
            up_lines.append(lines[3] + ("1\n" if fresh else "0\n"))
            if row.seen is not None:
                seen_lines.append(f"{seen_name}{{{srv}}} {row.seen!r}\n")
            if fresh and (cached := vitals_of(row.id)) is not None:
                for out, more in zip(vit_lines, cached):
                    out.append(more)
        if row.inventory_at is not None:
            source = pair("source", row.inventory_source or "unknown")
            inv_lines.append(f"{inv_name}{{{srv},{source}}} {row.inventory_at!r}\n")
        if (cached := probes_of(row.id)) is not None:
            for out, more in zip(probe_lines, cached):
                out.append(more)
        if (found := open_findings.get(row.id)) is not None:
            for kind, n in sorted(found.items()):
                findings.put(f"{srv},{pair('kind', kind)}", n)
                if kind == "drift":
                    drift_by_unit[row.unit] = drift_by_unit.get(row.unit, 0) + n
    for unit, n in sorted(drift_by_unit.items()):
        drift.add((unit,), n)
    return [held, up, seen, *vitals, inventory, *probe, findings, drift]

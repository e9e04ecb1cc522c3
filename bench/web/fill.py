"""A year of a server room, written straight into a migrated database with Core executemany.

Ids are given here (no read-backs), PostgreSQL's sequences are moved past them at the end. The
audit trail is written too (server and custody rows and steps, chained with the audit key the
controller is started with), because the server page reads it.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, create_engine, insert, text, update

from controller import audit
from controller.domain import vitals
from controller.domain.custody_flow import CustodyState as S
from controller.migrate import upgrade
from controller.models import (
    AccessCheck,
    Agent,
    Allocation,
    AuditEvent,
    AuditHead,
    CustodyRequest,
    CustodyStep,
    Document,
    Finding,
    InventoryItem,
    InventoryRun,
    LifecycleStep,
    MaintenanceCase,
    Notification,
    Rack,
    RackUnit,
    Room,
    Server,
    ServerStatus,
    Signature,
    Ticket,
    TicketStep,
    Unit,
    User,
)
from controller.models.assets import AssetRecord
from controller.security import hash_password

PASSWORD = "bench-web-pass-123"
PER_RACK = 35          # 1U servers in a 42U rack: 7 U stay free
UNITS = 40
OFFICERS = 5

# (state of the server's current custody, share of all servers, where it sits). "none": a server
# registered without a custody (yet). The in-flight states are what the queues show.
MIX: tuple[tuple[str, float, str | None], ...] = (
    (S.active, .640, "occupied"), (S.configured, .010, "occupied"), (S.access_failed, .005, "occupied"),
    (S.placed, .010, "occupied"), (S.return_requested, .010, "occupied"), (S.return_approved, .005, "occupied"),
    (S.space_reserved, .008, "reserved"), (S.received, .004, "reserved"), (S.inspected, .004, "reserved"),
    (S.handed_over, .004, "reserved"),
    (S.submitted, .006, None), (S.head_disposed, .005, None), (S.assigned, .005, None), (S.waitlisted, .004, None),
    (S.returned, .180, None), (S.withdrawn, .010, None), (S.refused, .010, None), (S.rejected, .010, None),
    (S.lapsed, .010, None),
)

# The SOP's path and who takes each step; a state's history is the path up to it.
PATH: tuple[tuple[str, str, str], ...] = (
    ("submit", "unit_contact", S.submitted), ("head_dispose", "head", S.head_disposed),
    ("division_dispose", "division_head", S.assigned), ("reserve_space", "officer", S.space_reserved),
    ("receive", "officer", S.received), ("inspect", "officer", S.inspected),
    ("sign_handover", "officer", S.inspected), ("sign_handover", "unit_contact", S.handed_over),
    ("place", "officer", S.placed), ("configure", "officer", S.configured),
    ("confirm_access", "unit_contact", S.active), ("request_return", "unit_contact", S.return_requested),
    ("approve_return", "division_head", S.return_approved), ("release", "officer", S.returned),
)
# A state off the main path: (the state on the path it leaves from, the step that leaves it).
BRANCH: dict[str, tuple[str, tuple[str, str]]] = {
    S.refused: (S.submitted, ("refuse", "head")), S.withdrawn: (S.assigned, ("withdraw", "unit_contact")),
    S.waitlisted: (S.assigned, ("waitlist", "officer")), S.lapsed: (S.space_reserved, ("lapse", "system")),
    S.rejected: (S.received, ("inspect", "officer")),
    S.access_failed: (S.configured, ("confirm_access", "unit_contact")),
}
LIVE_STATES = {S.active, S.configured, S.access_failed, S.return_requested, S.return_approved}


def steps_to(state: str) -> list[tuple[str, str, str | None, str]]:
    """(action, role, from, to) for every step a request in `state` has taken."""
    target, extra = (BRANCH[state][0], BRANCH[state][1]) if state in BRANCH else (state, None)
    out: list[tuple[str, str, str | None, str]] = []
    prev: str | None = None
    for action, role, to in PATH:
        out.append((action, role, prev, to))
        prev = to
        if to == target and not (action == "sign_handover" and role == "officer"):
            break
    if extra is not None:
        out.append((extra[0], extra[1], prev, state))
    return out


@dataclass
class Rows:
    """Every table's rows, in insert order (parents first)."""
    tables: dict[Any, list[dict[str, Any]]] = field(default_factory=dict)
    next_id: dict[Any, int] = field(default_factory=dict)

    def add(self, model: Any, row: dict[str, Any], with_id: bool = True) -> int:
        rows = self.tables.setdefault(model.__table__, [])
        if with_id:
            row["id"] = self.next_id.get(model, 0) + 1
            self.next_id[model] = row["id"]
        rows.append(row)
        return row.get("id", 0)


@dataclass
class Filled:
    servers: int
    racks: int
    rooms: list[int]
    live_servers: list[int]       # servers in a rack with a history: the server pages opened
    counts: dict[str, int]
    audit_events: int


def counts_for(n: int) -> list[tuple[str, int, str | None]]:
    out = [(state, max(1, round(share * n)), where) for state, share, where in MIX]
    return out


def heartbeat(rnd: random.Random) -> dict[str, str]:
    record = {
        "schema_version": 1, "source": "agent", "hostname": "srv", "collected_at": "2026-11-24T01:00:00Z",
        "uptime_seconds": rnd.randrange(10**7),
        "cpu": {"percent": rnd.uniform(0, 100), "load_1": 0.5, "load_5": 0.4, "load_15": 0.3},
        "memory": {"total_bytes": 64 * 2**30, "available_bytes": 30 * 2**30, "used_percent": rnd.uniform(10, 95),
                   "swap_total_bytes": 2**31, "swap_used_bytes": 0},
        "filesystems": [{"mountpoint": m, "fstype": "ext4", "size_bytes": 5 * 10**11, "used_bytes": 10**11,
                         "used_percent": rnd.uniform(5, 95), "inodes_used_percent": 3.0} for m in ("/", "/var")],
        "temperatures": [{"sensor": "coretemp", "label": f"Core {i}", "celsius": rnd.uniform(35, 70),
                          "high_celsius": 84.0, "critical_celsius": 100.0} for i in range(4)],
        "fans": [{"sensor": "dell_smm", "label": "Fan 1", "rpm": 4200}],
        "nics": [{"name": "eno1", "is_up": True, "speed_mbps": 10000, "errors_in": 0, "errors_out": 0,
                  "drops_in": 0, "drops_out": 0}],
        "agent_version": "0.1.0", "unreadable": []}
    return {"last_heartbeat": json.dumps(record, separators=(",", ":")), "vitals": vitals.pack(vitals.reduce(record))}


def inventory_record(sid: int, serial: str) -> str:
    return json.dumps({"schema_version": 1, "source": "agent", "hostname": f"srv{sid:05d}",
                       "system": {"manufacturer": "Dell Inc.", "product": "PowerEdge R650", "serial": serial},
                       "cpu": {"model": "Intel Xeon Silver 4314", "sockets": 2, "cores": 32},
                       "memory_bytes": 128 * 2**30,
                       "disks": [{"name": "sda", "size_bytes": 960 * 10**9, "model": "SSD"}],
                       "nics": [{"name": "eno1", "mac": f"00:25:90:{sid % 256:02x}:{sid // 256 % 256:02x}:01"}]},
                      separators=(",", ":"))


def build(n: int, now: datetime, seed: int = 7) -> tuple[Rows, Filled, dict[str, Any]]:
    rnd = random.Random(seed)
    rows = Rows()
    plan = counts_for(n)
    placed = sum(c for _, c, where in plan if where)
    racks = max(1, math.ceil(placed / PER_RACK))
    n_rooms = min(4, racks)
    pw = hash_password(PASSWORD)
    year_ago = now - timedelta(days=365)

    unit_ids = [rows.add(Unit, {"code": f"U{i:02d}", "name": f"Dinas {i:02d}", "created_at": year_ago})
                for i in range(UNITS)]
    users: dict[str, int] = {}

    def user(username: str, role: str, unit_id: int | None = None) -> None:
        users[username] = rows.add(User, {"username": username, "full_name": username.title(), "role": role,
                                          "unit_id": unit_id, "password_hash": pw, "is_active": True,
                                          "email": f"{username}@example.test", "created_at": year_ago,
                                          "session_epoch": 0})

    user("admin", "admin")
    user("kadis", "head")
    user("kabid", "division_head")
    user("helpdesk", "helpdesk")
    officers = [f"petugas{i}" for i in range(1, OFFICERS + 1)]
    for o in officers:
        user(o, "officer")
    contacts = {uid: f"cp.u{i:02d}" for i, uid in enumerate(unit_ids)}
    for uid, name in contacts.items():
        user(name, "unit_contact", uid)

    rooms = [rows.add(Room, {"name": f"Ruang {chr(65 + i)}", "created_at": year_ago}) for i in range(n_rooms)]
    rack_ids = [rows.add(Rack, {"room_id": rooms[i % n_rooms], "name": f"R{i:03d}", "height_u": 42,
                                "power_capacity_w": 12000, "created_at": year_ago}) for i in range(racks)]
    slots = iter([(r, u) for r in rack_ids for u in range(1, PER_RACK + 1)])
    spare = iter([(r, u) for r in rack_ids for u in range(PER_RACK + 1, 43)])  # released allocations' old U

    audit_rows: list[tuple[datetime, str, str, str, dict[str, Any]]] = []   # (at, action, entity, id, after)
    brands = [("Dell", "PowerEdge R650"), ("HPE", "ProLiant DL380"), ("Lenovo", "ThinkSystem SR650"),
              ("Fujitsu", "Primergy RX2540")]
    states: list[str | None] = []
    for state, count, _ in plan:
        states += [state] * count
    states += [None] * max(0, n - len(states))
    states = states[:n]
    rnd.shuffle(states)
    where_of = {state: where for state, _, where in plan}
    live: list[int] = []
    letters = 0
    seq_doc = 0

    for i, state in enumerate(states):
        unit_id = unit_ids[i % UNITS]
        brand, model = brands[i % len(brands)]
        created = year_ago + timedelta(minutes=rnd.randrange(0, 300 * 24 * 60))
        server = {"unit_id": unit_id, "brand": brand, "model": model, "serial_number": f"SN{i:06d}",
                  "height_u": 1, "power_w": 300, "hostname": f"srv{i:05d}",
                  "management_ip": f"10.{i // 62500}.{i // 250 % 250}.{i % 250 + 1}" if state else None,
                  "condition": "baik" if i % 37 else "rusak_ringan", "created_at": created, "site": ""}
        sid = rows.add(Server, server)
        audit_rows.append((created, "create", "server", str(sid), server))
        if i % 2 == 0:
            rows.add(AssetRecord, {"server_id": sid, "asset_code": "3.10.02.01", "nup": str(i), "owner": "unit",
                                   "updated_by": "admin", "updated_at": created})
        if state is None:
            continue
        contact = contacts[unit_id]
        officer = officers[i % OFFICERS]
        custodies: list[tuple[str, datetime, datetime | None]] = []
        if state in LIVE_STATES and i % 10 == 0:   # it was here before, and went back once
            custodies.append((S.returned, created, created + timedelta(days=60)))
            created = created + timedelta(days=70)
        custodies.append((state, created, None))
        for c_state, start, end in custodies:
            path = steps_to(c_state)
            in_flight = c_state not in LIVE_STATES and c_state not in {S.returned, S.withdrawn, S.refused,
                                                                      S.rejected, S.lapsed}
            # In-flight requests moved recently (some overdue); the rest over their months.
            if in_flight:
                start = now - timedelta(days=rnd.uniform(len(path) * 0.5 + 1, len(path) * 0.8 + 12))
            last = end or min(now - timedelta(hours=rnd.uniform(2, 200)),
                              start + timedelta(days=len(path) * rnd.uniform(1, 4)))
            gap = (last - start) / max(1, len(path) - 1)
            times = [start + gap * k for k in range(len(path))]
            req = {"unit_id": unit_id, "server_id": sid, "state": c_state, "state_since": times[-1],
                   "letter_number": f"005/{i}/{start.year}", "letter_date": start.date(),
                   "purpose": "Aplikasi layanan publik", "network_needs": "1 IP publik",
                   "officer": officer if len(path) >= 3 else None, "created_by": contact, "created_at": start,
                   "batch_id": None}
            at_of = {to: t for (_, _, _, to), t in zip(path, times)}
            if c_state == S.waitlisted:
                req["waitlisted_at"] = times[-1]
            if S.space_reserved in at_of or c_state in where_of and where_of[c_state]:
                req["reserved_at"] = at_of.get(S.space_reserved, times[-1])
            if S.inspected in at_of:
                req["inspection"] = json.dumps({"passed": True, "checklist": {}})
            alloc_id = None
            where = where_of.get(c_state) if end is None else None
            if where or (c_state == S.returned) or (c_state == S.lapsed):
                rack_id, u = next(slots) if where else next(spare, (rack_ids[0], 42))
                alloc = {"rack_id": rack_id, "u_bottom": u, "height_u": 1, "server_id": sid, "unit_id": unit_id,
                         "status": where or "released", "created_by": officer, "created_at": req["reserved_at"],
                         "released_at": None if where else times[-1]}
                alloc_id = rows.add(Allocation, alloc)
                if where:
                    rows.add(RackUnit, {"rack_id": rack_id, "u": u, "allocation_id": alloc_id})
                req["allocation_id"] = alloc_id
            rid = rows.add(CustodyRequest, req)
            audit_rows.append((start, "create", "custody_request", str(rid),
                               {k: v for k, v in req.items() if k in ("id", "unit_id", "server_id", "state")}))
            for (action, role, frm, to), t in zip(path, times):
                actor = {"unit_contact": contact, "officer": officer, "head": "kadis",
                         "division_head": "kabid"}.get(role, "system")
                step = {"request_id": rid, "action": action, "actor": actor, "role": role, "from_state": frm,
                        "to_state": to, "at": t, "note": None, "data": None}
                stid = rows.add(CustodyStep, step)
                audit_rows.append((t, "create", "custody_step", str(stid), step))
                rows.add(Notification, {"user_id": users.get(actor, users["admin"]), "request_id": rid,
                                        "kind": action, "subject": f"Permohonan #{rid}: {to}", "body": "-",
                                        "created_at": t, "read_at": t + timedelta(hours=1),
                                        "email_status": "none", "attempts": 0})
            letters += 1
            rows.add(Document, {"request_id": rid, "unit_id": unit_id, "kind": "letter", "number": None,
                                "filename": f"surat-{rid}.pdf", "content_type": "application/pdf", "size": 24,
                                "sha256": f"{rid:064x}", "content": b"%PDF-1.4 bench letter %%EOF",
                                "created_by": contact, "created_at": start})
            if S.handed_over in at_of:
                for side, who in (("officer", officer), ("unit_contact", contact)):
                    rows.add(Signature, {"request_id": rid, "form": "handover", "side": side, "username": who,
                                         "name": who.title(), "nip": "198001012005011001", "position": "Staf",
                                         "signed_at": at_of[S.handed_over]})
                seq_doc += 1
                rows.add(Document, {"request_id": rid, "unit_id": unit_id, "kind": "handover",
                                    "number": f"BAST/{seq_doc}/{start.year}", "year": start.year, "seq": seq_doc,
                                    "filename": f"bast-{rid}.pdf", "content_type": "application/pdf", "size": 24,
                                    "sha256": f"{rid + 10**9:064x}", "content": b"%PDF-1.4 bench handover %%EOF",
                                    "created_by": officer, "created_at": at_of[S.handed_over]})
            if S.configured in at_of:
                for kind, target in (("ssh", f"{server['management_ip']}:22"),
                                     ("https", f"https://{server['management_ip']}/")):
                    rows.add(AccessCheck, {"server_id": sid, "request_id": rid, "kind": kind, "target": target,
                                           "ok": True, "latency_ms": 1.5, "detail": "", "origin": "configure",
                                           "checked_at": at_of[S.configured]})
        if where_of.get(state) == "occupied" and state != S.placed:
            live.append(sid)

    # Monitoring of the servers in racks: three probe rounds, heartbeats, one finding in 25.
    for round_ in range(3):
        at = now - timedelta(minutes=15 * (2 - round_))
        for sid in live:
            for kind, port in (("ssh", 22), ("https", 443)):
                rows.add(AccessCheck, {"server_id": sid, "request_id": None, "kind": kind,
                                       "target": f"10.0.{sid // 250 % 250}.{sid % 250}:{port}",
                                       "ok": rnd.random() > 0.02, "latency_ms": rnd.uniform(0.2, 40), "detail": "",
                                       "origin": "schedule", "checked_at": at})
    for sid in live:
        if sid % 10:
            rows.add(Agent, {"server_id": sid, "credential_hash": f"{sid:064d}", "enrolled_at": year_ago})
            rows.add(ServerStatus, {"server_id": sid, "last_seen_at": now - timedelta(seconds=rnd.uniform(0, 90)),
                                    **heartbeat(rnd), "last_inventory_at": now, "last_inventory_source": "agent",
                                    "dropped_heartbeats": 0, "inventory_requested": False}, with_id=False)
    for sid in live[::25]:
        rows.add(Finding, {"server_id": sid, "kind": "drift", "field": "memory_bytes", "recorded": "1",
                           "observed": "2", "source": "agent", "status": "open", "created_at": now})

    # Twelve monthly inventories, every server in a rack in each.
    serial_of = {r["id"]: r["serial_number"] for r in rows.tables[Server.__table__]}
    for m in range(12, 0, -1):
        start = (now.replace(day=1, hour=1, minute=0, second=0, microsecond=0) - timedelta(days=30 * m)).replace(day=1)
        run = rows.add(InventoryRun, {"period": start.strftime("%Y-%m"), "status": "signed", "started_by": "petugas1",
                                      "started_at": start, "finished_at": start + timedelta(hours=1),
                                      "total": len(live), "reached": len(live), "signed_by": "kabid",
                                      "signed_at": start + timedelta(days=2), "resumed": 0})
        for sid in live:
            rows.add(InventoryItem, {"run_id": run, "server_id": sid, "reached": True, "source": "agent",
                                     "record": inventory_record(sid, serial_of[sid]), "condition": None,
                                     "proposed_condition": "baik", "reasons": "[]", "errors": "[]",
                                     "drift_findings": 0, "collected_at": start + timedelta(minutes=sid % 60)})

    # Helpdesk tickets and maintenance cases, closed, on one server in twenty and fifty.
    for k, sid in enumerate(live[::20]):
        at = year_ago + timedelta(days=rnd.uniform(10, 350))
        tid = rows.add(Ticket, {"unit_id": unit_ids[sid % UNITS], "server_id": sid, "subject": "Server lambat",
                                "description": "Respon aplikasi lambat", "state": "closed", "state_since": at,
                                "officer": officers[k % OFFICERS], "resolution": "RAM ditambah",
                                "created_by": "helpdesk", "created_at": at})
        for j, (action, frm, to) in enumerate((("file", None, "submitted"), ("assign", "submitted", "assigned"),
                                               ("resolve", "assigned", "resolved"), ("check", "resolved", "checked"),
                                               ("approve_closure", "checked", "closed"))):
            rows.add(TicketStep, {"ticket_id": tid, "action": action, "actor": "helpdesk", "role": "helpdesk",
                                  "from_state": frm, "to_state": to, "at": at + timedelta(hours=j), "note": None})
    for k, sid in enumerate(live[::50]):
        at = year_ago + timedelta(days=rnd.uniform(10, 350))
        cid = rows.add(MaintenanceCase, {"server_id": sid, "unit_id": unit_ids[sid % UNITS], "state": "closed",
                                         "state_since": at, "kind": "repair", "analysis": "PSU rusak",
                                         "officer": officers[k % OFFICERS], "created_by": "petugas1",
                                         "created_at": at, "report": "PSU diganti"})
        for j, (action, frm, to) in enumerate((
                ("request", None, "requested"), ("issue_memo", "requested", "memo_sent"),
                ("approve", "memo_sent", "approved"),
                ("assign", "approved", "assigned"), ("record_work", "assigned", "worked"),
                ("report", "worked", "closed"))):
            rows.add(LifecycleStep, {"kind": "maintenance", "case_id": cid, "server_id": sid, "action": action,
                                     "actor": "petugas1", "role": "officer", "from_state": frm, "to_state": to,
                                     "at": at + timedelta(hours=j)})

    filled = Filled(servers=n, racks=racks, rooms=rooms, live_servers=live,
                    counts={t.name: len(r) for t, r in rows.tables.items()}, audit_events=len(audit_rows))
    return rows, filled, {"audit": audit_rows}


def chain(audit_rows: list[tuple[datetime, str, str, str, dict[str, Any]]], key: bytes) -> list[dict[str, Any]]:
    """The audit events, oldest first, linked as `controller.audit.append` links them."""
    out, prev = [], audit.GENESIS
    for seq, (at, action, entity, entity_id, after) in enumerate(sorted(audit_rows, key=lambda r: r[0]), start=1):
        row = {"id": seq, "seq": seq, "at": at, "actor": "bench",
               "action": action, "entity": entity, "entity_id": entity_id, "before": None,
               "after": audit.canonical({k: v for k, v in after.items() if k != "content"}), "prev_hash": prev}
        row["hash"] = prev = audit.event_hash(row, key)
        out.append(row)
    return out


def write(url: str, n: int, audit_key: str, now: datetime | None = None) -> Filled:
    """Migrate `url` and fill it; returns what was written."""
    upgrade(url)
    now = now or datetime.now(UTC)
    rows, filled, extra = build(n, now)
    events = chain(extra["audit"], audit_key.encode())
    engine = create_engine(url)
    with engine.begin() as c:
        for table, data in rows.tables.items():
            _insert(c, table, data)
        _insert(c, AuditEvent.__table__, events)
        last = events[-1]
        c.execute(update(AuditHead.__table__).where(AuditHead.__table__.c.id == 1).values(
            last_seq=last["seq"], last_hash=last["hash"], keyed_from=1,
            mac=audit.head_mac(audit_key.encode(), 1, last["seq"], last["hash"])))
        if c.dialect.name == "postgresql":
            for table in [*rows.tables, AuditEvent.__table__]:
                if "id" in table.c and table.c.id.primary_key:
                    c.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                   f"(SELECT max(id) FROM {table.name}))"))
            c.execute(text("ANALYZE"))
        else:
            c.execute(text("ANALYZE"))
    engine.dispose()
    return filled


def _insert(c: Connection, table: Any, data: Iterable[dict[str, Any]], chunk: int = 5000) -> None:
    data = list(data)
    if not data:
        return
    keys: set[str] = set()
    for row in data:
        keys.update(row)
    full = [{k: row.get(k) for k in keys} for row in data]   # one shape, so executemany batches
    for i in range(0, len(full), chunk):
        c.execute(insert(table), full[i:i + chunk])

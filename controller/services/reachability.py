"""Scheduled access probes: every active server is checked the way it was at configuration,
so a contact person always sees current reachability."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..db import unit_of_work
from ..domain.custody_flow import CustodyState as S
from ..domain.workflow import SYSTEM
from ..models import AccessCheck, CustodyRequest, CustodyStep, Server
from ..models.base import utcnow

WATCHED = (S.configured, S.access_failed, S.active, S.return_requested, S.return_approved)


def plans(session: Session) -> list[tuple[int, int, str, list[dict]]]:
    """(request, server, management IP, checks) from each watched request's last configuration
    (three queries whatever the number of servers: a round plans 10,000 in a second)."""
    watched = dict(session.execute(select(CustodyRequest.id, CustodyRequest.server_id).where(
        CustodyRequest.state.in_([str(s) for s in WATCHED]))).all())
    last: dict[int, str | None] = {}
    ids = list(watched)
    for i in range(0, len(ids), 5000):
        for rid, data in session.execute(select(CustodyStep.request_id, CustodyStep.data).where(
                CustodyStep.request_id.in_(ids[i:i + 5000]), CustodyStep.action == "configure")
                .order_by(CustodyStep.id)):
            last[rid] = data
    out = []
    for rid in sorted(last):
        if not (raw := last[rid]):
            continue
        data = json.loads(raw)
        out.append((rid, watched[rid], data.get("management_ip"), data.get("access_checks") or []))
    return out


def round_plans(session: Session) -> list[dict]:
    """This round's work, one entry per server with checks: what a queued probe batch carries."""
    sites = dict(session.execute(select(Server.id, Server.site).where(Server.site != "")).all())
    return [{"request_id": rid, "server_id": sid, "ip": ip, "checks": checks, "site": sites.get(sid) or ""}
            for rid, sid, ip, checks in plans(session) if ip and checks]


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def probe_pool(concurrency: int) -> ThreadPoolExecutor:
    """One pool per process: the bound holds however many batches this worker runs at once."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool._max_workers != concurrency:  # noqa: SLF001 (a changed setting)
            _pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="titip-probe")
        return _pool


def probe(targets: list[dict], concurrency: int = 64) -> list[tuple[dict, list]]:
    """Run each target's checks, up to `concurrency` targets at once in this process: a silent
    host costs its timeout once, beside the others, not in front of them."""
    from collectors.probes import run_checks

    pool = probe_pool(concurrency)
    futures = [pool.submit(run_checks, t["ip"], t["checks"]) for t in targets]
    return [(t, f.result()) for t, f in zip(targets, futures)]


def write_round(sessions: sessionmaker[Session], checked_at: datetime, results: list[tuple[dict, list]]) -> int:
    """Store a round's results, all stamped with the round's time. A server already written for
    this round (a batch run again after its worker died) is skipped: each round is written once."""
    with unit_of_work(sessions, SYSTEM) as s:   # one transaction: this round's checks, all or none
        done = set(s.scalars(select(AccessCheck.request_id).where(
            AccessCheck.checked_at == checked_at, AccessCheck.origin == "schedule",
            AccessCheck.request_id.in_([t["request_id"] for t, _ in results]))))
        n = 0
        for t, probes in results:
            if t["request_id"] in done:
                continue
            for p in probes:
                s.add(AccessCheck(server_id=t["server_id"], request_id=t["request_id"], kind=p.kind,
                                  target=p.target[:300], ok=p.ok, latency_ms=p.latency_ms,
                                  detail=(p.detail or p.error or "")[:500], checked_at=checked_at))
                n += 1
    return n


def probe_all(sessions: sessionmaker[Session], concurrency: int = 64) -> int:
    """A whole round in this process (SQLite, or a call by hand); PostgreSQL's queue spreads the
    same round over workers in batches (controller.jobqueue)."""
    with sessions() as s:
        todo = round_plans(s)
        s.rollback()
    return write_round(sessions, utcnow(), probe(todo, concurrency))

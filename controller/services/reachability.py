"""Scheduled access probes: every active server is checked the way it was at configuration,
so a contact person always sees current reachability."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..domain.custody_flow import CustodyState as S
from ..models import AccessCheck, CustodyRequest, CustodyStep
from ..models.base import utcnow

WATCHED = (S.configured, S.access_failed, S.active, S.return_requested, S.return_approved)


def plans(session: Session) -> list[tuple[int, int, str, list[dict]]]:
    """(request, server, management IP, checks) from each watched request's last configuration."""
    out = []
    for req in session.scalars(select(CustodyRequest).where(CustodyRequest.state.in_([str(s) for s in WATCHED]))):
        step = session.scalar(select(CustodyStep).where(
            CustodyStep.request_id == req.id, CustodyStep.action == "configure").order_by(CustodyStep.id.desc()))
        if step is None or not step.data:
            continue
        data = json.loads(step.data)
        out.append((req.id, req.server_id, data.get("management_ip"), data.get("access_checks") or []))
    return out


def probe_all(sessions: sessionmaker[Session]) -> int:
    from collectors.probes import run_checks

    with sessions() as s:
        todo = plans(s)
        s.rollback()
    results = [(rid, sid, run_checks(ip, checks)) for rid, sid, ip, checks in todo if ip and checks]
    with sessions() as s:
        now = utcnow()
        for rid, sid, probes in results:
            for p in probes:
                s.add(AccessCheck(server_id=sid, request_id=rid, kind=p.kind, target=p.target[:300], ok=p.ok,
                                  latency_ms=p.latency_ms, detail=(p.detail or p.error or "")[:500], checked_at=now))
        s.commit()
    return sum(len(p) for _, _, p in results)

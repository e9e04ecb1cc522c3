"""Agents: enrolment by one-time token, authentication by credential, report ingest.

Tokens and credentials are random and long, so a SHA-256 of them is safe to store and fast to
look up on every report (argon2 is for passwords people choose).
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit
from ..domain import drift
from ..errors import Forbidden, NotFound, Unauthorized
from ..models import Agent, EnrollmentToken, Finding, Server, ServerStatus, User
from ..models.base import utcnow
from . import heartbeats

_hash = heartbeats.credential_hash   # tokens too: random and long, so SHA-256 is enough


def make_enrollment_token(session: Session, user: User, server_id: int, ttl_hours: int) -> tuple[str, EnrollmentToken]:
    if session.get(Server, server_id) is None:
        raise NotFound(f"server {server_id} not found")
    token = "titip_enr_" + secrets.token_urlsafe(32)
    row = EnrollmentToken(server_id=server_id, token_hash=_hash(token), created_by=user.username,
                          expires_at=utcnow() + timedelta(hours=ttl_hours))
    session.add(row)
    session.flush()
    return token, row


class Refused(Exception):
    """An authentication failure: counted always, on the audit trail once per burst."""

    def __init__(self, error: Unauthorized | Forbidden, entity: str, entity_id: Any, reason: str):
        self.error, self.entity, self.entity_id, self.reason = error, entity, entity_id, reason


# Refusals are anyone's to cause: the audit trail (which is never pruned) gets the first of a
# burst, the rest are counted (/metrics: titip_agent_refusals_total) and logged at a bounded rate.
REFUSAL_BURST = timedelta(minutes=10)


def record_refusal(session: Session, exc: Refused, now: datetime | None = None) -> bool:
    """Audit the refusal if it starts a burst: per agent or token when it is known, per reason
    when not (a stranger's random credentials are one burst). True when it was audited.

    Written as its own transaction (the request's own work is rolled back)."""
    from ..models import LoginThrottle

    session.rollback()
    now = now or utcnow()
    key = f"refused:{exc.entity}:{exc.entity_id if exc.entity_id is not None else exc.reason}"[:160]
    row = session.get(LoginThrottle, key)
    if row is not None and row.locked_until is not None and row.locked_until > now:
        session.rollback()
        return False
    if row is None:
        row = LoginThrottle(key=key, failures=0)
        session.add(row)
    row.locked_until, row.updated_at = now + REFUSAL_BURST, now
    session.info["actor"] = "agent"
    audit.append(session, "refused", exc.entity, exc.entity_id, None,
                 {"reason": exc.reason, "burst": f"further refusals for {REFUSAL_BURST.seconds // 60} minutes "
                                                 "are counted on /metrics, not audited"})
    try:
        session.commit()
    except IntegrityError:   # another worker started the same burst at the same moment
        session.rollback()
        return False
    return True


def enroll(session: Session, token: str, hostname: str | None, agent_version: str | None) -> tuple[str, Agent]:
    row = session.scalar(select(EnrollmentToken).where(EnrollmentToken.token_hash == _hash(token)))
    if row is None:
        raise Refused(Unauthorized("unknown enrolment token"), "enrollment_token", None, "unknown token")
    if row.used_at is not None:
        raise Refused(Unauthorized("this enrolment token was already used"), "enrollment_token", row.id,
                      "replayed token")
    if row.expires_at < utcnow():
        raise Refused(Unauthorized("this enrolment token has expired"), "enrollment_token", row.id, "expired token")
    session.info["actor"] = f"agent-enrol:{row.server_id}"
    credential = "titip_agt_" + secrets.token_urlsafe(32)
    row.used_at = utcnow()
    agent = Agent(server_id=row.server_id, credential_hash=_hash(credential), hostname=hostname,
                  agent_version=agent_version)
    session.add(agent)
    session.flush()
    return credential, agent


def authenticate(session: Session, credential: str | None) -> Agent:
    if not credential:
        raise Unauthorized("an agent credential is required")
    agent = session.scalar(select(Agent).where(Agent.credential_hash == _hash(credential)))
    if agent is None:
        raise Refused(Unauthorized("unknown agent credential"), "agent", None, "unknown credential")
    if agent.revoked_at is not None:
        raise Refused(Unauthorized("this agent's credential was revoked"), "agent", agent.id, "revoked credential")
    session.info["actor"] = f"agent:{agent.id}"
    return agent


def revoke(session: Session, agent_id: int) -> Agent:
    agent = session.get(Agent, agent_id)
    if agent is None:
        raise NotFound(f"agent {agent_id} not found")
    agent.revoked_at = agent.revoked_at or utcnow()
    session.flush()
    return agent


def _status(session: Session, server_id: int) -> ServerStatus:
    status = session.get(ServerStatus, server_id)
    if status is None:
        status = ServerStatus(server_id=server_id, dropped_heartbeats=0, inventory_requested=False)
        session.add(status)
    return status


def ingest(session: Session, agent: Agent, reports: list[dict[str, Any]], now: datetime | None = None) -> dict:
    """Store each report once and keep the server's latest status; returns per-report results.

    `reports` as `api.routes.agents.parse_reports` gives them (payload checked, and as JSON)."""
    now = now or utcnow()
    results = []
    requested = False
    conn = session.connection()
    for rep in reports:
        if rep.get("server_id") not in (None, agent.server_id):
            raise Refused(Forbidden("this agent reports for its own server only", field="server_id"),
                          "agent", agent.id, f"reported for server {rep.get('server_id')}")
        payload = rep.get("payload_json") or json.dumps(rep["payload"], separators=(",", ":"))
        stored = heartbeats.insert_report(
            conn, report_id=rep["report_id"], server_id=agent.server_id, agent_id=agent.id, kind=rep["kind"],
            payload=payload, now=now, sent_at=rep.get("sent_at"), dropped=rep.get("dropped_heartbeats", 0))
        results.append({"report_id": rep["report_id"], "stored": stored})
        if not stored:
            continue
        sent = rep.get("sent_at") or now
        if rep["kind"] == "heartbeat":
            beat = heartbeats.beat(rep["report_id"], rep["payload"], payload, dropped=rep.get("dropped_heartbeats", 0))
            requested = heartbeats.touch(conn, agent.server_id, agent.agent_version, beat, now)
        else:
            status = _status(session, agent.server_id)
            apply_inventory(session, status, rep["payload"], "agent", sent)
            status.last_seen_at = now  # when we heard from it; the agent's clock may be off
            session.flush()
            requested = bool(status.inventory_requested)
    return {"results": results, "inventory_requested": requested}


def apply_inventory(session: Session, status: ServerStatus, record: dict[str, Any], source: str,
                    at: datetime) -> list[Finding]:
    """Keep the newest inventory and open findings for what differs from the office's record."""
    if status.last_inventory_at is None or at >= status.last_inventory_at:
        status.last_inventory = json.dumps(record, separators=(",", ":"))
        status.last_inventory_at, status.last_inventory_source = at, source
        status.inventory_requested = False
    server = session.get_one(Server, status.server_id)
    baseline = json.loads(status.hardware) if status.hardware else None
    if baseline is None:
        status.hardware = json.dumps(drift.hardware_of(record), sort_keys=True)
    found = []
    serial = (record.get("dmi") or {}).get("serial")
    if drift.is_placeholder_serial(serial) and serial is not None:
        found.append(_open(session, status.server_id, "placeholder_serial", "serial_number",
                           server.serial_number, serial, source))
    for d in drift.compare(server.serial_number, baseline, record):
        found.append(_open(session, status.server_id, "drift", d.field, d.recorded, d.observed, source))
    return [f for f in found if f is not None]


def _open(session: Session, server_id: int, kind: str, field: str, recorded: str | None, observed: str | None,
          source: str) -> Finding | None:
    """One open finding per (server, field, observed value): repeats do not pile up."""
    exists = session.scalar(select(Finding.id).where(
        Finding.server_id == server_id, Finding.field == field, Finding.kind == kind,
        Finding.observed == observed, Finding.status == "open"))
    if exists:
        return None
    f = Finding(server_id=server_id, kind=kind, field=field, recorded=recorded, observed=observed, source=source)
    session.add(f)
    session.flush()
    return f


def resolve_finding(session: Session, user: User, finding_id: int, accept: bool, note: str | None) -> Finding:
    """Accepting drift makes the observation the record; rejecting keeps the record as it was
    (for an office correction of a serial, rejecting puts the serial back)."""
    from ..errors import Conflict

    f = session.get(Finding, finding_id)
    if f is None:
        raise NotFound(f"finding {finding_id} not found")
    if f.status != "open":
        raise Conflict(f"finding {finding_id} is already {f.status}")
    f.status = "accepted" if accept else "rejected"
    f.resolved_by, f.resolved_at, f.note = user.username, utcnow(), note
    if accept and f.kind == "hostkey_changed":
        from .targets import repin
        repin(session, f)
    if not accept and f.kind == "serial_corrected":
        # The office's correction was wrong: the serial on the signed handover form stands.
        server = session.get_one(Server, f.server_id)
        if server.serial_number == f.observed and f.recorded is not None:  # a correction records both
            server.serial_number = f.recorded
    if accept and f.kind == "drift":
        status = _status(session, f.server_id)
        if f.field == "serial_number":
            if f.observed is not None:  # a serial drift always holds the serial seen
                session.get_one(Server, f.server_id).serial_number = f.observed
        elif status.last_inventory:
            hw = json.loads(status.hardware or "{}")
            hw[f.field] = drift.hardware_of(json.loads(status.last_inventory))[f.field]
            status.hardware = json.dumps(hw, sort_keys=True)
    session.flush()
    return f


def request_inventory(session: Session, server_id: int) -> None:
    if session.get(Server, server_id) is None:
        raise NotFound(f"server {server_id} not found")
    _status(session, server_id).inventory_requested = True
    session.flush()



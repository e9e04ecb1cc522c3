"""The agents' side of the API: enrolment and report ingest (machine identities, not people)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter
from sqlalchemy.orm import Session, sessionmaker
from anyio import CapacityLimiter, to_thread
from anyio.lowlevel import RunVar
from starlette.concurrency import run_in_threadpool

from collectors.record import ConditionRecord, InventoryRecord
from ... import validation
from ...errors import Invalid
from ...models.base import utcnow
from ...services import agents, heartbeats
from ..deps import Id, SessionDep, SpaceManager

router = APIRouter(tags=["agents"])
bearer = HTTPBearer(auto_error=False)
PAYLOADS = {"inventory": TypeAdapter(InventoryRecord), "heartbeat": TypeAdapter(ConditionRecord)}
MAX_BATCH = 500
HEARTBEAT_THREADS = 4


class EnrollIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=10, max_length=200)
    hostname: str | None = Field(default=None, max_length=253)
    agent_version: str | None = Field(default=None, max_length=32)


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    report_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    kind: Literal["inventory", "heartbeat"]
    sent_at: AwareDatetime | None = None
    payload: dict[str, Any]
    dropped_heartbeats: int = Field(default=0, ge=0, le=10**9)
    server_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ttl_hours: int = Field(default=24, ge=1, le=24 * 14)


def parse_reports(body: Any) -> list[dict[str, Any]]:
    """One report, or `{"reports": [...]}`; every payload checked against the shared record shape."""
    batch = body.get("reports") if isinstance(body, dict) and "reports" in body else None
    items = batch if batch is not None else [body]
    prefix = "reports" if batch is not None else ""
    if not isinstance(items, list) or not items or len(items) > MAX_BATCH:
        raise Invalid(f"reports must be a list of 1 to {MAX_BATCH} reports", field="reports")
    out = []
    for i, raw in enumerate(items):
        where = f"{prefix}.{i}" if prefix else ""
        rep = validation.parse(ReportIn, raw, where)
        adapter = PAYLOADS[rep.kind]
        try:
            record = validation.parse(adapter, rep.payload, f"{where}.payload".lstrip("."))
        except Invalid:
            raise
        except ValueError as exc:  # e.g. a newer schema_version than this controller reads
            raise Invalid(f"{where}.payload: {exc}".lstrip(".: "), field=f"{where}.payload".lstrip(".")) from exc
        out.append({**rep.model_dump(), "payload": adapter.dump_python(record),
                    "payload_json": adapter.dump_json(record).decode()})
    return out


def live_heartbeat(body: Any) -> heartbeats.Beat | None:
    """`body` as one heartbeat ready to store, or None when it is anything else (a batch, an
    inventory, or invalid: the general path answers those, and says what is wrong)."""
    if not isinstance(body, dict) or body.get("kind") != "heartbeat" or "reports" in body:
        return None
    try:
        (rep,) = parse_reports(body)
    except Invalid:
        return None
    return heartbeats.beat(rep["report_id"], rep["payload"], rep["payload_json"], rep["sent_at"],
                           rep["dropped_heartbeats"], rep["server_id"])


@router.post("/agents/enroll")
def enroll(body: EnrollIn, db: SessionDep) -> dict:
    """Exchange a one-time enrolment token for the agent's own credential (shown once)."""
    try:
        credential, agent = agents.enroll(db, body.token, body.hostname, body.agent_version)
    except agents.Refused as exc:
        agents.record_refusal(db, exc)
        raise exc.error from None
    out = {"agent_id": agent.id, "server_id": agent.server_id, "credential": credential}
    db.commit()
    return out


@router.post("/agents/reports")
async def reports(request: Request, body: Annotated[Any, Body()],
                  auth: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None) -> dict:
    """Heartbeats and inventories, one or a batch; each stored once by its report_id.

    Every agent sends a heartbeat a minute, so one live heartbeat takes one trip to a worker
    thread and (on PostgreSQL) one statement; everything else, and every refusal, goes the
    general way in one worker thread too.
    """
    credential = auth.credentials if auth else None
    if credential and (beat := live_heartbeat(body)) is not None:
        done = await to_thread.run_sync(heartbeats.store_one, request.app.state.ingest_engine, credential, beat,
                                        utcnow(), limiter=_writers())
        if done is not None:
            return {"stored": done[0], "inventory_requested": done[1]}
    return await run_in_threadpool(_ingest, request.app.state.sessions, credential, body)


_WRITERS: RunVar[CapacityLimiter] = RunVar("titip_heartbeat_writers")


def _writers() -> CapacityLimiter:
    """Few threads for heartbeats (a statement takes well under a millisecond): dozens of
    threads waiting on the database would spend the CPU handing the GIL around instead.
    One limiter per event loop (tests run several)."""
    try:
        return _WRITERS.get()
    except LookupError:
        _WRITERS.set(limiter := CapacityLimiter(HEARTBEAT_THREADS))
        return limiter


def _ingest(sessions: sessionmaker[Session], credential: str | None, body: Any) -> dict:
    with sessions() as db:
        try:
            agent = agents.authenticate(db, credential)
            parsed = parse_reports(body)
            result = agents.ingest(db, agent, parsed)
        except agents.Refused as exc:
            agents.record_refusal(db, exc)
            raise exc.error from None
        db.commit()
    if isinstance(body, dict) and "reports" in body:
        return result
    return {"stored": result["results"][0]["stored"], "inventory_requested": result["inventory_requested"]}


@router.post("/servers/{server_id}/enrollment-tokens", status_code=201)
def make_token(server_id: Id, db: SessionDep, user: SpaceManager, body: TokenIn | None = None) -> dict:
    """A one-time token for `titip-agent enroll`; shown once, stored only as a hash."""
    token, row = agents.make_enrollment_token(db, user, server_id, (body or TokenIn()).ttl_hours)
    out = {"id": row.id, "server_id": server_id, "token": token, "expires_at": row.expires_at}
    db.commit()
    return out


@router.delete("/agents/{agent_id}")
def revoke(agent_id: Id, db: SessionDep, user: SpaceManager) -> dict:
    agent = agents.revoke(db, agent_id)
    out = {"id": agent.id, "server_id": agent.server_id, "revoked_at": agent.revoked_at}
    db.commit()
    return out




"""The agents' side of the API: enrolment and report ingest (machine identities, not people)."""

from __future__ import annotations

import json
import logging
import math
import time
from datetime import datetime
from typing import Annotated, Any, Literal

from anyio import CapacityLimiter, to_thread
from anyio.lowlevel import RunVar
from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from collectors.record import ConditionRecord, InventoryRecord, UnsupportedSchema, check_schema_version

from ... import guard, validation
from ...errors import Invalid, Unauthorized
from ...limits import KIB, MIB, TooLarge
from ...models.base import utcnow
from ...services import agents, heartbeats
from ..answers.agents import BatchStoredOut, EnrolledOut, EnrollmentTokenOut, RevokedOut, StoredOut
from ..deps import Id, SessionDep, SpaceManager
from ..unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, tags=["agents"])
bearer = HTTPBearer(auto_error=False)
PAYLOADS: dict[str, TypeAdapter[Any]] = {"inventory": TypeAdapter(InventoryRecord),
                                         "heartbeat": TypeAdapter(ConditionRecord)}
MAX_BATCH = 500
HEARTBEAT_THREADS = 4
# The shape of what an agent may send: a heartbeat is a few kB, an inventory a few dozen; these
# bounds are far above any real server and far below what would hurt the controller.
MAX_HEARTBEAT_BYTES = 256 * KIB
MAX_INVENTORY_BYTES = 1 * MIB
MAX_LIST_ITEMS = 1024        # disks, file systems, NICs, addresses, temperatures...
MAX_TEXT = 4096              # any one string


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


# The body is read only after the credential is checked (see `reports`), so it is parsed by hand;
# the OpenAPI document still says what it is: one report, or `{"reports": [...]}`.
_ONE = ReportIn.model_json_schema()
REPORTS_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "anyOf": [_ONE, {"type": "object", "additionalProperties": False, "required": ["reports"], "properties": {
        "reports": {"type": "array", "items": _ONE, "minItems": 1, "maxItems": MAX_BATCH}}}]}}}}}


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
        field = f"{where}.payload".lstrip(".")
        bounded(rep.payload, field)
        try:   # first: a newer record may have a shape this controller would misread
            check_schema_version(rep.payload)
        except UnsupportedSchema as exc:
            raise Invalid(f"{field}: {exc}", field=f"{field}.schema_version") from None
        try:
            record = validation.parse(adapter, rep.payload, field)
        except Invalid:
            raise
        except ValueError as exc:  # e.g. a newer schema_version than this controller reads
            raise Invalid(f"{field}: {exc}", field=field) from exc
        dumped = adapter.dump_python(record)
        physical(dumped, field)
        payload_json = adapter.dump_json(record).decode()
        most = MAX_HEARTBEAT_BYTES if rep.kind == "heartbeat" else MAX_INVENTORY_BYTES
        if len(payload_json) > most:
            raise TooLarge(f"{field}: a {rep.kind} of {len(payload_json)} bytes is over the {most} a "
                           f"{rep.kind} may take", field=field)
        out.append({**rep.model_dump(), "payload": dumped, "payload_json": payload_json})
    return out


MAX_COUNT = 2**63 - 1      # bytes, rpm, error counters: what a BIGINT holds


def physical(record: dict[str, Any], field: str) -> None:
    """Numbers within what a server can measure and `collected_at` a real time, or a 422 naming
    the field: 1e30 bytes, -5 % or "garbage" would become alerts and graphs nobody can trust."""
    at = record.get("collected_at")
    try:
        parsed = datetime.fromisoformat(at) if isinstance(at, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None or not 2000 <= parsed.year <= 9998:
        raise Invalid(f"{field}.collected_at: {at!r} is not an ISO 8601 time with a zone",
                      field=f"{field}.collected_at")
    _numbers(record, field, "")


def _numbers(value: Any, field: str, key: str) -> None:
    """Walks without building field names (a heartbeat a minute from every agent); the name of a
    bad one is made only when it is found."""
    if isinstance(value, dict):
        for k, item in value.items():
            if isinstance(item, (dict, list)):
                _numbers(item, f"{field}.{k}", k)
            elif isinstance(item, (int, float)) and not isinstance(item, bool):
                _number(item, field, k, k)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, (dict, list)):
                _numbers(item, f"{field}.{i}", key)
            elif isinstance(item, (int, float)) and not isinstance(item, bool):
                _number(item, field, i, key)


def _number(value: float, field: str, at: Any, key: str) -> None:
    low: float
    high: float
    if key == "percent" or key.endswith("_percent"):
        low, high = 0, 100
    elif key.endswith("celsius"):
        low, high = -273.15, 1000
    else:
        low, high = 0, MAX_COUNT
    if not (low <= value <= high) or math.isnan(value):
        raise Invalid(f"{field}.{at}: {value!r} is outside {low}..{high}", field=f"{field}.{at}")


def bounded(value: Any, field: str) -> None:
    """Lists and strings within MAX_LIST_ITEMS and MAX_TEXT, or a 422 naming the first one over."""
    if isinstance(value, dict):
        for key, item in value.items():
            bounded(item, f"{field}.{key}")
    elif isinstance(value, list):
        if len(value) > MAX_LIST_ITEMS:
            raise Invalid(f"{field}: {len(value)} entries, at most {MAX_LIST_ITEMS} are taken", field=field)
        for i, item in enumerate(value):
            bounded(item, f"{field}.{i}")
    elif isinstance(value, str) and len(value) > MAX_TEXT:
        raise Invalid(f"{field}: text of {len(value)} characters, at most {MAX_TEXT} are taken", field=field)


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


@router.post("/agents/enroll", response_model=EnrolledOut)
def enroll(request: Request, body: EnrollIn, db: SessionDep) -> EnrolledOut:
    """Exchange a one-time enrolment token for the agent's own credential (shown once)."""
    try:
        credential, agent = agents.enroll(db, body.token, body.hostname, body.agent_version)
    except agents.Refused as exc:
        refused(request.app, db, exc)
        raise exc.error from None
    return EnrolledOut(agent_id=agent.id, server_id=agent.server_id, credential=credential)


@router.post("/agents/reports", response_model=StoredOut | BatchStoredOut, openapi_extra=REPORTS_BODY)
async def reports(request: Request,
                  auth: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None) -> dict[str, Any]:
    """Heartbeats and inventories, one or a batch; each stored once by its report_id.

    The credential is checked before the body is read: a stranger's body is never decoded.
    Every agent sends a heartbeat a minute, so one live heartbeat takes one trip to a worker
    thread and (on PostgreSQL) one statement; everything else, and every refusal, goes the
    general way in one worker thread too.
    """
    credential = auth.credentials if auth else None
    if not credential:
        raise Unauthorized("an agent credential is required")
    state = request.app.state
    if not _recently_live(credential) and not await to_thread.run_sync(
            _is_live, state.read_engine, credential, limiter=_writers()):
        return await run_in_threadpool(_ingest, request.app, credential, None)   # refuses, says why
    raw = await request.body()
    body = decode_json(raw)
    if b"\\u" in raw or b"\x7f" in raw or b"\xed" in raw:
        body = guard.strip_text(body)   # a device's NUL or stray surrogate is dropped, not its report
    if (beat := live_heartbeat(body)) is not None:
        done = await to_thread.run_sync(heartbeats.store_one, state.ingest_engine, credential, beat,
                                        utcnow(), limiter=_writers())
        if done is not None:
            return {"stored": done[0], "inventory_requested": done[1]}
    return await run_in_threadpool(_ingest, request.app, credential, body)


def decode_json(raw: bytes) -> Any:
    """The body as JSON (already bounded in size by `limits`), or a 422."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:   # RecursionError: [[[[... nested past Python's limit
        raise Invalid(f"body: not a JSON document ({str(exc)[:80]})", field="body") from None


# Credentials that were live a moment ago, by hash: the pre-check before reading a body costs
# a live agent no database trip. Only a filter: the store itself checks the credential again,
# so one revoked within LIVE_SECONDS has its body read once more and is then refused.
LIVE_SECONDS = 300
_LIVE: dict[str, float] = {}
_LIVE_MAX = 100_000


def _recently_live(credential: str) -> bool:
    seen = _LIVE.get(heartbeats.credential_hash(credential))
    return seen is not None and time.monotonic() - seen < LIVE_SECONDS


def _is_live(engine: Any, credential: str) -> bool:
    digest = heartbeats.credential_hash(credential)
    with engine.connect() as conn:
        live = conn.execute(heartbeats.FIND_AGENT, {"credential_hash": digest}).first() is not None
        conn.rollback()
    if live:
        if len(_LIVE) >= _LIVE_MAX:
            _LIVE.clear()
        _LIVE[digest] = time.monotonic()
    return live


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


def _ingest(app: Any, credential: str | None, body: Any) -> dict[str, Any]:
    # Its own session, not the request's: this route reads its body only after the credential
    # is checked, so it takes no session dependency; it commits as the dependency would.
    with app.state.sessions() as db:
        try:
            agent = agents.authenticate(db, credential)
            parsed = parse_reports(body)
            result = agents.ingest(db, agent, parsed)
        except agents.Refused as exc:
            refused(app, db, exc)
            raise exc.error from None
        db.commit()
    if isinstance(body, dict) and "reports" in body:
        return result
    return {"stored": result["results"][0]["stored"], "inventory_requested": result["inventory_requested"]}


_log = logging.getLogger("titip.agents")
LOG_EVERY_SECONDS = 60
_unlogged: dict[str, int] = {}
_logged_at = [0.0]


def refused(app: Any, db: Session, exc: agents.Refused) -> None:
    """Count a refused enrolment or report, log it at most once a minute (with how many there
    were), and audit it when it starts a burst (`agents.record_refusal`)."""
    metrics = getattr(app.state, "request_metrics", None)
    if metrics is not None:
        metrics.refusals.labels(exc.reason).inc()
    _unlogged[exc.reason] = _unlogged.get(exc.reason, 0) + 1
    if time.monotonic() - _logged_at[0] >= LOG_EVERY_SECONDS:
        _logged_at[0] = time.monotonic()
        counts = ", ".join(f"{n} {reason}" for reason, n in sorted(_unlogged.items()))
        _unlogged.clear()
        _log.warning("agent traffic refused (since the last such line): %s", counts)
    agents.record_refusal(db, exc)


@router.post("/servers/{server_id}/enrollment-tokens", status_code=201, response_model=EnrollmentTokenOut)
def make_token(server_id: Id, db: SessionDep, user: SpaceManager, body: TokenIn | None = None) -> EnrollmentTokenOut:
    """A one-time token for `titip-agent enroll`; shown once, stored only as a hash."""
    token, row = agents.make_enrollment_token(db, user, server_id, (body or TokenIn()).ttl_hours)
    return EnrollmentTokenOut(id=row.id, server_id=server_id, token=token, expires_at=row.expires_at)


@router.delete("/agents/{agent_id}", response_model=RevokedOut)
def revoke(agent_id: Id, db: SessionDep, user: SpaceManager) -> RevokedOut:
    return RevokedOut.model_validate(agents.revoke(db, agent_id))




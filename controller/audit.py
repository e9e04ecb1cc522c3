"""Audit trail: every create, change and delete of an audited row becomes a chained event.

Events are written from a session hook, so no use case can forget one. Each event holds the
SHA-256 of the previous event and of its own canonical content; `verify()` recomputes the chain
and names the first event that does not fit (edited, deleted, reordered, or a cut tail).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import Session, sessionmaker

from .models import AuditEvent, AuditHead
from .models.base import Audited, utcnow

GENESIS = "0" * 64
SECRET = "<secret>"
CONTENT_FIELDS = ("seq", "at", "actor", "action", "entity", "entity_id", "before", "after", "prev_hash")


def canonical(data: Any) -> str | None:
    if data is None:
        return None
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_jsonable)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(row: dict[str, Any]) -> str:
    content = {k: row[k] for k in CONTENT_FIELDS}
    content["at"] = _stamp(row["at"])
    return hashlib.sha256(canonical(content).encode()).hexdigest()


def append(session: Session, action: str, entity: str, entity_id: Any,
           before: dict | None = None, after: dict | None = None) -> str:
    """Append one event inside the session's transaction; returns its hash.

    The head row is locked first (SELECT ... FOR UPDATE on PostgreSQL; SQLite transactions are
    already serialised), so concurrent writers queue instead of forking the chain.
    """
    conn = session.connection()
    head = conn.execute(
        select(AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.id == 1).with_for_update()
    ).one()
    row = {
        "seq": head.last_seq + 1,
        # Truncate to the microsecond stored by both databases.
        "at": utcnow(),
        "actor": str(session.info.get("actor", "system")),
        "action": action,
        "entity": entity,
        "entity_id": None if entity_id is None else str(entity_id),
        "before": canonical(before),
        "after": canonical(after),
        "prev_hash": head.last_hash,
    }
    row["hash"] = event_hash(row)
    conn.execute(insert(AuditEvent).values(**row))
    conn.execute(update(AuditHead).where(AuditHead.id == 1).values(last_seq=row["seq"], last_hash=row["hash"]))
    return row["hash"]


def snapshot(obj: Any, *, before: bool = False) -> dict[str, Any]:
    """Column values of `obj` (as they were before this flush when `before`); secrets masked."""
    state = inspect(obj)
    out: dict[str, Any] = {}
    for col in state.mapper.column_attrs:
        key = col.key
        if col.columns[0].info.get("audit_skip"):
            continue
        value = getattr(obj, key)
        if before:
            hist = state.attrs[key].history
            if hist.deleted:
                value = hist.deleted[0]
        if col.columns[0].info.get("secret"):
            value = SECRET
        out[key] = value
    return out


def _after_flush(session: Session, _ctx: Any) -> None:
    for obj in list(session.new):
        if isinstance(obj, Audited):
            append(session, "create", obj.__audit_name__, _pk(obj), None, snapshot(obj))
    for obj in list(session.dirty):
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
            old, new = snapshot(obj, before=True), snapshot(obj)
            changed = _changed_secret(obj)
            if old == new and not changed:
                continue
            if changed:
                new = {**new, **{k: "<changed>" for k in changed}}
            append(session, "update", obj.__audit_name__, _pk(obj), old, new)
    for obj in list(session.deleted):
        if isinstance(obj, Audited):
            append(session, "delete", obj.__audit_name__, _pk(obj), snapshot(obj, before=True), None)


def _changed_secret(obj: Any) -> list[str]:
    state = inspect(obj)
    return [
        c.key for c in state.mapper.column_attrs
        if c.columns[0].info.get("secret") and state.attrs[c.key].history.deleted
    ]


def _pk(obj: Any) -> Any:
    """The row's primary key, read from its attributes: during the flush a new row's identity
    key is not set yet, but its id already is."""
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return key[0] if len(key) == 1 else (None if all(k is None for k in key) else key)


def install(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "after_flush", _after_flush)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    reason: str = ""


def verify(session: Session) -> VerifyResult:
    """Walk the chain in sequence order and report the first event that breaks it."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.seq, AuditEvent.id)).scalars()
    for ev in rows:
        row = {k: getattr(ev, k) for k in CONTENT_FIELDS}
        if ev.seq != expected_seq:
            why = "missing event(s) before it" if ev.seq > expected_seq else "sequence out of order"
            return VerifyResult(False, checked, ev.seq, ev.id, why)
        if ev.prev_hash != prev_hash:
            return VerifyResult(False, checked, ev.seq, ev.id, "does not follow the previous event (deleted or reordered)")
        if event_hash(row) != ev.hash:
            return VerifyResult(False, checked, ev.seq, ev.id, "content does not match its hash (edited)")
        prev_hash, expected_seq, checked = ev.hash, expected_seq + 1, checked + 1
    head = session.get(AuditHead, 1)
    if head is None or head.last_seq != expected_seq - 1 or head.last_hash != prev_hash:
        return VerifyResult(False, checked, expected_seq, None, "chain ends before the recorded head (events removed from the end)")
    return VerifyResult(True, checked)

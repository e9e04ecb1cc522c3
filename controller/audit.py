"""Audit trail: every create, change and delete of an audited row becomes a chained event.

Events are written from a session hook, so no use case can forget one. Each event holds the
hash of the previous event and of its own canonical content: an HMAC-SHA256 with the audit key
(`TITIP_AUDIT_KEY`, kept outside the database) for every event from `audit_head.keyed_from` on,
plain SHA-256 for events written before the upgrade to schema 0014. The head row carries an HMAC
of (boundary, last seq, last hash), so whoever can write to the database but lacks the key can
neither append, nor re-chain an edit, nor cut the tail and move the head. `verify()` recomputes
the chain and the head and names the first event that does not fit; `verify_documents()`
re-hashes every stored paper against the hash its audit event recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import Session, sessionmaker

from .models import AuditEvent, AuditHead, Document
from .models.base import Audited, utcnow
from .settings import Settings

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


def event_hash(row: dict[str, Any], key: bytes | None = None) -> str:
    """The event's link: HMAC-SHA256 with the audit key, or (key None) the pre-0014 plain SHA-256."""
    content = {k: row[k] for k in CONTENT_FIELDS}
    content["at"] = _stamp(row["at"])
    data = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_jsonable).encode()
    if key is None:
        return hashlib.sha256(data).hexdigest()
    return hmac.new(key, b"titip-audit-event-v2:" + data, hashlib.sha256).hexdigest()


def head_mac(key: bytes, keyed_from: int, last_seq: int, last_hash: str) -> str:
    return hmac.new(key, f"titip-audit-head-v2:{keyed_from}:{last_seq}:{last_hash}".encode(),
                    hashlib.sha256).hexdigest()


def key_of(settings: Settings) -> bytes:
    return settings.audit_key.encode()


_env_key: bytes | None = None


def session_key(session: Session) -> bytes:
    """The audit key of this session's factory (see `install`); else the environment's."""
    key = session.info.get("audit_key")
    if key is not None:
        return key
    global _env_key
    if _env_key is None:  # a factory installed without settings: the process's own configuration
        _env_key = key_of(Settings())
    return _env_key


def append(session: Session, action: str, entity: str, entity_id: Any,
           before: dict | None = None, after: dict | None = None) -> str:
    """Append one event inside the session's transaction; returns its hash.

    The head row is locked first (SELECT ... FOR UPDATE on PostgreSQL; SQLite transactions are
    already serialised), so concurrent writers queue instead of forking the chain.
    """
    key = session_key(session)
    conn = session.connection()
    head = conn.execute(
        select(AuditHead.last_seq, AuditHead.last_hash, AuditHead.keyed_from)
        .where(AuditHead.id == 1).with_for_update()
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
    keyed_from = head.keyed_from or 1
    row["hash"] = event_hash(row, key)
    conn.execute(insert(AuditEvent).values(**row))
    conn.execute(update(AuditHead).where(AuditHead.id == 1).values(
        last_seq=row["seq"], last_hash=row["hash"], keyed_from=keyed_from,
        mac=head_mac(key, keyed_from, row["seq"], row["hash"])))
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


def install(factory: sessionmaker[Session], settings: Settings | None = None) -> None:
    """Audit every flush of the factory's sessions; `settings` gives the audit key (else the
    process's environment does)."""
    if settings is not None:
        factory.kw.setdefault("info", {})["audit_key"] = key_of(settings)
    event.listen(factory, "after_flush", _after_flush)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    reason: str = ""
    head_seq: int = 0
    head_hash: str = GENESIS


def verify(session: Session, key: bytes | None = None) -> VerifyResult:
    """Walk the chain in sequence order and report the first event that breaks it, then the head.

    Events before `keyed_from` are checked as plain SHA-256 (written before the upgrade), the
    rest as HMACs; the head's own HMAC covers the boundary, so moving it does not verify either.
    """
    key = key if key is not None else session_key(session)
    head = session.get(AuditHead, 1)
    keyed_from = (head.keyed_from if head is not None else None) or 1
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.seq, AuditEvent.id)).scalars()
    for ev in rows:
        row = {k: getattr(ev, k) for k in CONTENT_FIELDS}
        if ev.seq != expected_seq:
            why = "missing event(s) before it" if ev.seq > expected_seq else "sequence out of order"
            return VerifyResult(False, checked, ev.seq, ev.id, why)
        if ev.prev_hash != prev_hash:
            why = "does not follow the previous event (deleted or reordered)"
            return VerifyResult(False, checked, ev.seq, ev.id, why)
        if ev.seq >= keyed_from and event_hash(row, key) != ev.hash:
            why = ("content does not match its keyed hash (edited, or written without the audit key)"
                   if event_hash(row) != ev.hash else
                   "linked with a plain SHA-256, not the audit key: written by someone without the key")
            return VerifyResult(False, checked, ev.seq, ev.id, why)
        if ev.seq < keyed_from and event_hash(row) != ev.hash:
            return VerifyResult(False, checked, ev.seq, ev.id, "content does not match its hash (edited)")
        prev_hash, expected_seq, checked = ev.hash, expected_seq + 1, checked + 1
    last_seq = expected_seq - 1
    if head is None or head.last_seq != last_seq or head.last_hash != prev_hash:
        why = "chain ends before the recorded head (events removed from the end)"
        return VerifyResult(False, checked, expected_seq, None, why)
    if head.mac is None:
        if last_seq == 0:
            return VerifyResult(True, 0)
        return VerifyResult(False, checked, last_seq, None,
                            "the head is not sealed with the audit key yet (a database upgraded from before "
                            "schema 0014): check the events, then run `titip audit seal`")
    if not hmac.compare_digest(head.mac, head_mac(key, keyed_from, last_seq, prev_hash)):
        return VerifyResult(False, checked, last_seq, None,
                            "the head's seal does not match the audit key: the chain's end or its keyed "
                            "boundary was moved (events cut or added without the key), or TITIP_AUDIT_KEY "
                            "is not the key this database was written with")
    return VerifyResult(True, checked, head_seq=last_seq, head_hash=prev_hash)


def seal(session: Session, key: bytes | None = None) -> VerifyResult:
    """Seal the head of a chain upgraded from before schema 0014 (plain SHA-256 so far) with the
    audit key, after checking it; a sealed chain is left as it is."""
    key = key if key is not None else session_key(session)
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    if head.mac is not None:
        return verify(session, key)
    result = verify(session, key)
    if not result.ok and result.first_bad_id is None and "not sealed" in result.reason:
        head.keyed_from = head.keyed_from or head.last_seq + 1
        head.mac = head_mac(key, head.keyed_from, head.last_seq, head.last_hash)
        session.flush()
        return verify(session, key)
    return result


@dataclass(frozen=True)
class DocumentProblem:
    document_id: int
    number: str | None
    reason: str

    def __str__(self) -> str:
        return f"document {self.document_id}" + (f" ({self.number})" if self.number else "") + f": {self.reason}"


def verify_documents(session: Session) -> tuple[int, list[DocumentProblem]]:
    """Re-hash every stored paper: its bytes against its `sha256`, and that against the hash its
    audit event recorded when it was stored. Returns (documents checked, problems)."""
    recorded: dict[str, str | None] = {}
    for entity_id, after in session.execute(
            select(AuditEvent.entity_id, AuditEvent.after)
            .where(AuditEvent.entity == "document", AuditEvent.action == "create")):
        try:
            recorded[str(entity_id)] = json.loads(after or "{}").get("sha256")
        except ValueError:
            recorded[str(entity_id)] = None
    problems: list[DocumentProblem] = []
    ids = session.execute(select(Document.id, Document.number, Document.sha256).order_by(Document.id)).all()
    for doc_id, number, sha in ids:
        content = session.scalar(select(Document.content).where(Document.id == doc_id)) or b""
        actual = hashlib.sha256(content).hexdigest()
        audited = recorded.get(str(doc_id))
        if audited is None:
            problems.append(DocumentProblem(doc_id, number, "no audit event records its hash"))
        elif actual != audited:
            problems.append(DocumentProblem(doc_id, number, f"content (sha256 {actual[:12]}...) is not what "
                                            f"was stored (audited sha256 {audited[:12]}...)"))
        elif sha != audited:
            problems.append(DocumentProblem(doc_id, number, "its sha256 column differs from the audited hash"))
    return len(ids), problems


def anchor(session: Session) -> dict[str, Any]:
    """The chain's head as a line for a file kept elsewhere: restoring an older backup, or
    rewriting history, then shows as a database behind or diverging from it."""
    head = session.get_one(AuditHead, 1)
    return {"seq": head.last_seq, "hash": head.last_hash, "at": _stamp(utcnow())}


def read_anchors(path: str | Any) -> list[dict[str, Any]]:
    """Anchor lines of a file (JSON lines; a backup manifest is accepted too)."""
    from pathlib import Path

    text = Path(path).read_text(encoding="utf-8")
    try:
        items = [json.loads(text)]  # one JSON document: a backup manifest, or a single anchor
    except ValueError:
        items = [json.loads(line) for line in text.splitlines() if line.strip()]
    out = []
    for n, data in enumerate(items, 1):
        data = data.get("audit_head", data) if isinstance(data, dict) else {}
        if not isinstance(data.get("seq"), int) or not isinstance(data.get("hash"), str):
            raise ValueError(f"{path}: entry {n} is not an anchor (seq, hash)")
        out.append(data)
    return out


def check_anchors(session: Session, anchors: list[dict[str, Any]]) -> list[str]:
    """Problems of this database against anchors written earlier: behind (its head is older than
    an anchor) or diverging (the event at an anchor's sequence has another hash)."""
    head = session.get_one(AuditHead, 1)
    problems = []
    for a in anchors:
        when = a.get("at", "?")
        if a["seq"] > head.last_seq:
            problems.append(f"database is BEHIND the anchor of {when}: its head is event seq {head.last_seq}, "
                            f"the anchor recorded seq {a['seq']} (an older backup restored, or events removed)")
        elif a["seq"] > 0:
            got = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == a["seq"]))
            if got != a["hash"]:
                problems.append(f"database DIVERGES from the anchor of {when} at event seq {a['seq']}: "
                                f"anchored hash {a['hash'][:16]}..., stored {str(got)[:16]}...")
    return problems


def report(session: Session, key: bytes | None = None,
           anchors: list[dict[str, Any]] | None = None) -> tuple[bool, list[str], list[str]]:
    """Everything `titip audit verify` checks: (ok, lines saying what held, lines naming what broke)."""
    result = verify(session, key)
    good, bad = [], []
    if result.ok:
        good.append(f"audit trail intact: {result.checked} events verified")
    else:
        where = f"event seq {result.first_bad_seq}" + (
            f" (row id {result.first_bad_id})" if result.first_bad_id else "")
        bad.append(f"AUDIT TRAIL BROKEN at {where}: {result.reason}; "
                   f"{result.checked} events before it are intact")
    n_docs, problems = verify_documents(session)
    if problems:
        bad.extend(f"DOCUMENT ALTERED: {p}" for p in problems)
    else:
        good.append(f"documents intact: {n_docs} re-hashed")
    if anchors is not None:
        found = check_anchors(session, anchors)
        bad.extend(found)
        if not found:
            good.append(f"consistent with {len(anchors)} anchor(s)")
    return not bad, good, bad


def write_anchor(settings: Settings, line: dict[str, Any], out: str | None = None) -> str:
    """Append one anchor line; returns the file's path."""
    from pathlib import Path

    path = Path(out) if out else settings.anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, sort_keys=True) + "\n")
    return str(path)

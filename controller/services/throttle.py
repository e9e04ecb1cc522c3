"""Login throttling per account and per client address, shared by every worker (in the database).

After a few wrong passwords a key waits before its next try is even checked (1 s, 2 s, 4 s...
up to `login_max_delay_seconds`); after `login_lock_after` it is locked for
`login_lock_seconds`. A refused try costs one indexed read and no password hashing, and is not
counted: an attacker cannot make the lock longer by hammering it. The lock is written to the
audit trail once, when it starts. It always ends by itself, and failures older than the lock
time are forgotten, so the rightful user is never locked out for good by someone else's tries.
An address gets three times the account's tries (an office behind one NAT address shares it).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit
from ..errors import TooManyRequests
from ..models import LoginThrottle
from ..models.base import utcnow
from ..settings import Settings

FREE_TRIES = 3            # an account's tries before the delays begin
ADDRESS_FACTOR = 3        # an address has this many times the account's tries and lock threshold


class TooManyTries(TooManyRequests):
    """Too many wrong passwords for this account or from this address."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins: try again in {retry_after} s", field="password",
                         retry_after=retry_after)


def keys_for(username: str, address: str | None) -> list[str]:
    return [f"user:{username.strip().lower()[:64]}", f"addr:{(address or 'unknown')[:64]}"]


def _scale(key: str) -> int:
    return ADDRESS_FACTOR if key.startswith("addr:") else 1


def wait_seconds(session: Session, keys: list[str], now: datetime | None = None) -> int:
    """Seconds before any of `keys` may try again; 0 when a try may be checked now."""
    now = now or utcnow()
    wait = 0.0
    for row in session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))):
        for until in (row.locked_until, row.next_try_at):
            if until is not None and until > now:
                wait = max(wait, (until - now).total_seconds())
    return math.ceil(wait)


def failed(session: Session, settings: Settings, keys: list[str], now: datetime | None = None) -> None:
    """Count a wrong password against every key; delay or lock the ones that reached it."""
    now = now or utcnow()
    window = timedelta(seconds=settings.login_lock_seconds)
    for key in keys:
        for attempt in (1, 2):   # two workers may create the same key at once: the loser retries
            try:
                with session.begin_nested():
                    _fail_one(session, settings, key, now, window)
                break
            except IntegrityError:
                if attempt == 2:
                    raise


def _fail_one(session: Session, settings: Settings, key: str, now: datetime, window: timedelta) -> None:
    row = session.get(LoginThrottle, key, with_for_update=True)
    if row is None:
        row = LoginThrottle(key=key, failures=0)
        session.add(row)
    elif row.updated_at is not None and now - row.updated_at > window:
        row.failures = 0            # an old streak is forgotten
    row.failures += 1
    row.updated_at = now
    scale = _scale(key)
    if row.failures >= settings.login_lock_after * scale:
        row.locked_until, row.next_try_at, failures = now + window, None, row.failures
        row.failures = 0
        session.info.setdefault("actor", "anonymous")
        audit.append(session, "locked", "login", None, None,
                     {"key": key, "failures": failures, "until": row.locked_until.isoformat()})
    elif row.failures >= FREE_TRIES * scale:
        delay = min(2 ** (row.failures - FREE_TRIES * scale), settings.login_max_delay_seconds)
        row.next_try_at = now + timedelta(seconds=delay)
    session.flush()


def succeeded(session: Session, username: str) -> None:
    """The account's streak ends with a right password (the address's runs out by itself)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys_for(username, None)[0]))


def prune(session: Session, now: datetime | None = None, older_than: timedelta = timedelta(days=1)) -> int:
    """Rows nobody tried for a day: the table holds only live streaks."""
    cutoff = (now or utcnow()) - older_than
    gone = cast(CursorResult[Any], session.execute(delete(LoginThrottle).where(LoginThrottle.updated_at < cutoff)))
    return gone.rowcount or 0

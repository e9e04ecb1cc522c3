"""Password hashing (argon2) and signed login tokens."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .models.base import utcnow

_hasher = PasswordHasher()
# Checked against when the username is unknown, so timing does not reveal which users exist.
_DUMMY = _hasher.hash("titip-dummy-password")


MIN_PASSWORD = 12
_COMMON = Path(__file__).parent / "data" / "common-passwords.txt"


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    lines = _COMMON.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str) -> str | None:
    """Why a password may not be chosen, or None (NIST 800-63B: length, a blocklist and the
    username; no composition rules, which only make people write passwords down)."""
    lowered = password.lower()
    if len(password) < MIN_PASSWORD:
        return f"at least {MIN_PASSWORD} characters"
    if lowered in _common():
        return "a commonly used password; choose another"
    if len(set(lowered)) < 4:
        return "too repetitive; choose a longer phrase"
    if username and username.lower() in lowered:
        return "must not contain the username"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# How many passwords were hashed to be checked, in this process: the login throttle's tests read
# it to see that refused tries cost no argon2 work.
password_checks = 0


def check_password(password: str, hashed: str | None) -> bool:
    global password_checks
    password_checks += 1
    try:
        return _hasher.verify(hashed or _DUMMY, password) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False


MAX_USER_ID = 2**31 - 1


def make_token(user_id: int, secret: str, minutes: int, epoch: int = 0) -> str:
    """A login token; `epoch` is the user's session epoch (raising it ends every token before)."""
    now = utcnow()
    claims = {"sub": str(user_id), "iat": now, "exp": now + timedelta(minutes=minutes), "typ": "user",
              "ep": epoch}
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(token: str, secret: str) -> tuple[int, int] | None:
    """(user id, session epoch) of a valid token, or None: expired, forged, malformed, or
    without `exp` (a token must end)."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp", "sub"]})
    except jwt.PyJWTError:
        return None
    sub, epoch = claims.get("sub"), claims.get("ep", 0)
    if claims.get("typ") != "user" or not isinstance(sub, str) or not sub.isdigit() or len(sub) > 10:
        return None
    if not isinstance(epoch, int) or isinstance(epoch, bool) or not 1 <= int(sub) <= MAX_USER_ID:
        return None
    return int(sub), epoch

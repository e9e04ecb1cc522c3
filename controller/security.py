"""Password hashing (argon2) and signed login tokens."""

from __future__ import annotations

from datetime import timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .models.base import utcnow

_hasher = PasswordHasher()
# Checked against when the username is unknown, so timing does not reveal which users exist.
_DUMMY = _hasher.hash("titip-dummy-password")


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


def make_token(user_id: int, secret: str, minutes: int) -> str:
    now = utcnow()
    claims = {"sub": str(user_id), "iat": now, "exp": now + timedelta(minutes=minutes), "typ": "user"}
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(token: str, secret: str) -> int | None:
    """The user id in a valid token, or None (expired, forged, malformed)."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"])
        return int(claims["sub"]) if claims.get("typ") == "user" else None
    except (jwt.PyJWTError, KeyError, ValueError):
        return None

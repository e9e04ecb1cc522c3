"""Domain errors as types; the API maps each to one HTTP status in one place."""

from __future__ import annotations

from typing import Any


class TitipError(Exception):
    status = 400

    def __init__(self, message: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"detail": self.message}
        if self.field:
            out["field"] = self.field
        out.update(self.extra)
        return out


class NotFound(TitipError):
    status = 404


class Forbidden(TitipError):
    status = 403


class Conflict(TitipError):
    status = 409


class Invalid(TitipError):
    status = 422


class Unauthorized(TitipError):
    status = 401


class TooManyRequests(TitipError):
    """429: the caller must wait `retry_after` seconds (sent as `Retry-After`)."""

    status = 429

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field, retry_after=retry_after)
        self.retry_after = retry_after

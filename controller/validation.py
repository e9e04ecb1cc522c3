"""Validating what callers send, in one place: a pydantic error becomes a 422 naming the field."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, TypeVar, overload

from pydantic import BaseModel, TypeAdapter, ValidationError

from .errors import Invalid

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def invalid(exc: ValidationError, prefix: str = "", skip: int = 0) -> Invalid:
    """The error as an Invalid: every bad field listed, the first one named in the message.

    `skip` drops leading location parts that only name a union's branch (a discriminator)."""
    errors = []
    for e in exc.errors():
        parts = [str(p) for p in (prefix, *e["loc"][skip:]) if p != ""]
        errors.append({"field": ".".join(parts) or prefix or "body", "message": e["msg"]})
    first = errors[0]
    return Invalid(f"{first['field']}: {first['message']}", field=first["field"], errors=errors)


@overload
def parse(model: type[M], data: Any, prefix: str = "", skip: int = 0) -> M: ...
@overload
def parse(model: TypeAdapter[T], data: Any, prefix: str = "", skip: int = 0) -> T: ...
def parse(model: type[BaseModel] | TypeAdapter[Any], data: Any, prefix: str = "", skip: int = 0) -> Any:
    """Validate `data` against a model (or a TypeAdapter); None counts as an empty object."""
    try:
        if isinstance(model, TypeAdapter):
            return model.validate_python(data)
        return model.model_validate({} if data is None else data)
    except ValidationError as exc:
        raise invalid(exc, prefix, skip) from exc


FIRST_PERIOD = "2000-01"


def period_problem(period: str, today: date) -> str | None:
    """Why `period` (YYYY-MM) cannot be a month's inventory, or None: from 2000-01 (long before
    any server here) to December of next year (a run planned ahead); 0000-01 or 9999-12 are typos."""
    if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", period):
        return "must be YYYY-MM"
    last = f"{today.year + 1:04d}-12"
    if not FIRST_PERIOD <= period <= last:
        return f"must be between {FIRST_PERIOD} and {last}"
    return None


__all__ = ["BaseModel", "invalid", "parse", "period_problem"]

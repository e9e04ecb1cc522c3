"""Validating what callers send, in one place: a pydantic error becomes a 422 naming the field."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from .errors import Invalid

M = TypeVar("M")


def invalid(exc: ValidationError, prefix: str = "", skip: int = 0) -> Invalid:
    """The error as an Invalid: every bad field listed, the first one named in the message.

    `skip` drops leading location parts that only name a union's branch (a discriminator)."""
    errors = []
    for e in exc.errors():
        parts = [str(p) for p in (prefix, *e["loc"][skip:]) if p != ""]
        errors.append({"field": ".".join(parts) or prefix or "body", "message": e["msg"]})
    first = errors[0]
    return Invalid(f"{first['field']}: {first['message']}", field=first["field"], errors=errors)


def parse(model: type[M] | TypeAdapter, data: Any, prefix: str = "", skip: int = 0) -> M:
    """Validate `data` against a model (or a TypeAdapter); None counts as an empty object."""
    try:
        if isinstance(model, TypeAdapter):
            return model.validate_python(data)
        return model.model_validate({} if data is None else data)  # type: ignore[union-attr]
    except ValidationError as exc:
        raise invalid(exc, prefix, skip) from exc


__all__ = ["BaseModel", "invalid", "parse"]

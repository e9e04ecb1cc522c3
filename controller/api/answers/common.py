"""Building blocks shared by the answers: the base model and the JSON types that keep today's text."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi.encoders import decimal_encoder, jsonable_encoder
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema


class Answer(BaseModel):
    """Read from the view dicts (or dataclasses) the services build."""

    model_config = ConfigDict(from_attributes=True)


# The answers were written by FastAPI's jsonable_encoder before they had models: times as
# isoformat() ("+00:00", where pydantic would write "Z") and decimals as numbers. Kept so.
Timestamp = Annotated[datetime, PlainSerializer(datetime.isoformat, return_type=str, when_used="json"),
                      WithJsonSchema({"type": "string", "format": "date-time"})]
Money = Annotated[Decimal, PlainSerializer(decimal_encoder, return_type=float, when_used="json"),
                  WithJsonSchema({"type": "number"})]
# Free-form JSON kept as the service built it (reports, probe outputs, SOP details).
Json = Annotated[Any, PlainSerializer(jsonable_encoder, when_used="json")]


class StateLabel(Answer):
    id: str
    en: str
    colour: str


class StepOut(Answer):
    """One move of a case, as every case's history shows it."""

    action: str
    actor: str
    role: str | None
    from_: str | None = Field(alias="from")
    to: str
    time: Timestamp
    note: str | None
    # A step taken for an outside office (domain/on_behalf.py): whose, and under which letter.
    on_behalf_of: str | None = None
    letter_number: str | None = None


class UploadedOut(Answer):
    """A file just stored (a letter, a wipe report): its id and checksum."""

    id: int
    kind: str
    sha256: str
    size: int
    filename: str

"""What each custody action takes, validated before anything is written (API and UI alike)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from .. import validation

Text = Annotated[str, Field(min_length=1, max_length=500)]
Note = Annotated[str | None, Field(default=None, max_length=2000)]
Nip = Annotated[str | None, Field(default=None, pattern=r"^[0-9]{18}$")]


def _ip(v: str) -> str:
    from ipaddress import ip_address
    try:
        return str(ip_address(v))
    except ValueError as exc:
        raise ValueError(f"'{v}' is not an IPv4 or IPv6 address") from exc


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: Note = None


class DeclaredServer(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    brand: str = Field(min_length=1, max_length=100)
    model: str = Field(min_length=1, max_length=100)
    serial_number: str = Field(min_length=1, max_length=100)
    height_u: int = Field(ge=1, le=60)
    power_w: int = Field(ge=0, le=100_000)
    purpose: str | None = Field(default=None, max_length=500)
    network_needs: str | None = Field(default=None, max_length=500)
    hostname: str | None = Field(default=None, max_length=253, pattern=r"^[A-Za-z0-9.-]+$")


class Submit(BaseModel):
    """A letter about a server declared afresh (`server`), or one that was here before
    (`server_id`, or `server` with its registered serial)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    letter_number: str = Field(min_length=1, max_length=100)
    letter_date: date
    server: DeclaredServer | None = None
    server_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    servers: list[DeclaredServer] | None = Field(default=None, min_length=1, max_length=20)
    purpose: str | None = Field(default=None, max_length=500)
    network_needs: str | None = Field(default=None, max_length=500)


class Reason(Payload):
    reason: str = Field(min_length=1, max_length=500)


class DivisionDispose(Payload):
    officer: str = Field(min_length=1, max_length=64)


class ReserveSpace(Payload):
    rack_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    u_bottom: int | None = Field(default=None, ge=1, le=60)

    @model_validator(mode="after")
    def _both_or_neither(self) -> ReserveSpace:
        if (self.rack_id is None) != (self.u_bottom is None):
            raise ValueError("give rack_id and u_bottom together, or neither for the best free slot")
        return self


class Checklist(BaseModel):
    model_config = ConfigDict(extra="forbid")
    physical: bool
    serial_matches: bool
    rails: bool
    psu: bool
    accessories: bool


class Inspect(Payload):
    passed: bool
    checklist: Checklist
    notes: str | None = Field(default=None, max_length=2000)


class Sign(Payload):
    name: str = Field(min_length=1, max_length=200)
    nip: Nip = None
    position: str = Field(min_length=1, max_length=200)


class PortCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["tcp", "ssh"]
    port: int = Field(ge=1, le=65535)


class UrlCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["http", "https"]
    url: str = Field(min_length=8, max_length=300, pattern=r"^https?://")
    expect_status: int = Field(default=200, ge=100, le=599)


class Configure(Payload):
    management_ip: Annotated[str, Field(max_length=45), AfterValidator(_ip)]
    access_checks: list[Annotated[PortCheck | UrlCheck, Field(discriminator="kind")]] = Field(
        min_length=1, max_length=10)


class ConfirmAccess(Payload):
    ok: bool


class RequestReturn(Payload):
    reason: str = Field(min_length=1, max_length=500)
    letter_number: str = Field(min_length=1, max_length=100)
    # The return letter's date, printed on the return form (optional: older clients omit it).
    letter_date: date | None = None


class ReturnSignature(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    side: Literal["officer", "unit_contact"]
    name: str = Field(min_length=1, max_length=200)
    nip: Nip = None
    position: str = Field(min_length=1, max_length=200)


class Release(Payload):
    signatures: list[ReturnSignature] = Field(min_length=2, max_length=2)

    @model_validator(mode="after")
    def _both_sides(self) -> Release:
        if {s.side for s in self.signatures} != {"officer", "unit_contact"}:
            raise ValueError("the return form needs one officer and one unit_contact signature")
        return self


PAYLOADS: dict[str, type[BaseModel]] = {
    "submit": Submit,
    "head_dispose": Payload,
    "refuse": Reason,
    "withdraw": Reason,
    "division_dispose": DivisionDispose,
    "reserve_space": ReserveSpace,
    "waitlist": Payload,
    "receive": Payload,
    "inspect": Inspect,
    "sign_handover": Sign,
    "place": Payload,
    "configure": Configure,
    "confirm_access": ConfirmAccess,
    "request_return": RequestReturn,
    "approve_return": Payload,
    "release": Release,
}


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: dict | None) -> M:
    """Validate against ``model``; a 422 names the first bad field."""
    return validation.parse(model, data or {})


def parse(action: str, data: dict | None) -> BaseModel:
    """Validate an action's data; a 422 names the first bad field."""
    return validate(PAYLOADS[action], data)

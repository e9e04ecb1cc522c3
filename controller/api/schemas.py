"""Request and response bodies shared by the API (and, later, the UI)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..domain.asset_kinds import AssetKind
from ..domain.choices import AllocationStatus, Condition, Role, SlotState

T = TypeVar("T")

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


def Code(**kw: Any) -> Any:  # noqa: N802 - reads like the Field it returns
    return Field(min_length=1, max_length=32, pattern=CODE_PATTERN, **kw)


def Name(**kw: Any) -> Any:  # noqa: N802
    return Field(min_length=1, max_length=200, **kw)


HeightU = Field(ge=1, le=60)
PowerW = Field(ge=0, le=100_000)


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


class UnitIn(In):
    code: str = Code()
    name: str = Name()


class UnitPatch(In):
    code: str | None = Code(default=None)
    name: str | None = Name(default=None)


class UnitOut(Out):
    id: int
    code: str
    name: str


class UserIn(In):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    password: str = Field(min_length=8, max_length=200)
    role: Role
    full_name: str = Name()
    nip: str | None = Field(default=None, pattern=r"^[0-9]{18}$")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    unit_code: str | None = None


class UserPatch(In):
    password: str | None = Field(default=None, min_length=8, max_length=200)
    role: Role | None = None
    full_name: str | None = Name(default=None)
    nip: str | None = Field(default=None, pattern=r"^[0-9]{18}$")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    unit_code: str | None = None
    is_active: bool | None = None


class UserOut(Out):
    id: int
    username: str
    full_name: str
    nip: str | None
    email: str | None
    role: Role
    unit_code: str | None = None
    is_active: bool


class RoomIn(In):
    name: str = Field(min_length=1, max_length=100)


class RoomOut(Out):
    id: int
    name: str


class RackIn(In):
    room_id: int = Field(ge=1, le=2**31 - 1)
    name: str = Field(min_length=1, max_length=100)
    height_u: int = Field(default=42, ge=1, le=60)
    power_capacity_w: int | None = Field(default=None, ge=0, le=1_000_000)


class RackPatch(In):
    room_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    name: str | None = Field(default=None, min_length=1, max_length=100)
    height_u: int | None = Field(default=None, ge=1, le=60)
    power_capacity_w: int | None = Field(default=None, ge=0, le=1_000_000)


class RackOut(Out):
    id: int
    room_id: int
    name: str
    height_u: int
    power_capacity_w: int | None


def _ip(v: str | None) -> str | None:
    if v is None or v == "":
        return None
    from ipaddress import ip_address
    try:
        return str(ip_address(v))
    except ValueError as exc:
        raise ValueError(f"'{v}' is not an IPv4 or IPv6 address") from exc


IpText = Annotated[str | None, Field(default=None, max_length=45), AfterValidator(_ip)]


# A register row's own fields, per kind (domain/asset_kinds.py): checked by the service against the kind.
Attributes = Field(default=None, description="the kind's own fields, e.g. ports and management_ip of a "
                   "network device, va_rating and battery_date of a UPS, seats and expiry of a licence")
LicenceKey = Field(default=None, min_length=1, max_length=2000,
                   description="write-only: sealed at rest, never returned (software licences only)")


class ServerIn(In):
    """A register row: a server unless `kind` says otherwise."""
    kind: AssetKind = AssetKind.server
    unit_code: str = Code()
    brand: str = Field(min_length=1, max_length=100)
    model: str = Field(min_length=1, max_length=100)
    serial_number: str = Field(min_length=1, max_length=100)
    height_u: int | None = Field(default=None, ge=1, le=60, description="required for kinds that take rack space")
    attributes: dict[str, Any] | None = Attributes
    licence_key: str | None = LicenceKey
    power_w: int = Field(default=0, ge=0, le=100_000)
    hostname: str | None = Field(default=None, max_length=253, pattern=r"^[A-Za-z0-9.-]+$")
    management_ip: IpText = None
    # The network it sits in: its probes go to `titip worker --site SITE`; empty: the office's own.
    site: str = Field(default="", max_length=64, pattern=r"^[A-Za-z0-9._-]*$")



class ServerPatch(In):
    kind: AssetKind | None = None
    attributes: dict[str, Any] | None = Attributes
    licence_key: str | None = LicenceKey
    unit_code: str | None = Code(default=None)
    brand: str | None = Field(default=None, min_length=1, max_length=100)
    model: str | None = Field(default=None, min_length=1, max_length=100)
    serial_number: str | None = Field(default=None, min_length=1, max_length=100)
    height_u: int | None = Field(default=None, ge=1, le=60)
    power_w: int | None = Field(default=None, ge=0, le=100_000)
    hostname: str | None = Field(default=None, max_length=253, pattern=r"^[A-Za-z0-9.-]+$")
    management_ip: IpText = None
    site: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9._-]*$")
    condition: Condition | None = None
    # Needed when an officer corrects serial, height or power of a server in custody.
    reason: str | None = Field(default=None, max_length=500)



class ServerOut(Out):
    id: int
    kind: AssetKind = AssetKind.server
    attributes: dict[str, Any] = {}
    secrets_set: list[str] = Field(default=[], description="which of the kind's secrets are set (never values)")
    unit_code: str
    brand: str
    model: str
    serial_number: str
    height_u: int
    power_w: int
    hostname: str | None
    management_ip: str | None
    condition: Condition
    site: str = ""
    # Only on GET /servers/{id}: the latest heartbeat, inventory and when the agent was last seen.
    monitoring: dict | None = None
    # Only on GET /servers/{id}: every custody of the server, oldest first (a server may come back).
    custodies: list[CustodyOut] | None = None
    retired_at: datetime | None = None


class CustodyOut(Out):
    id: int
    state: str
    letter_number: str
    letter_date: date
    created_at: datetime
    state_since: datetime


class ReservationIn(In):
    u_bottom: int = Field(ge=1, le=60)
    height_u: int = HeightU
    server_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    note: str | None = Field(default=None, max_length=500)
    placed: bool = Field(default=False, description="mount the asset now (a switch, a UPS: kinds the office "
                         "does not take into custody); servers are placed through their custody request")


class AllocationOut(Out):
    id: int
    rack_id: int
    u_bottom: int
    u_top: int
    height_u: int
    server_id: int | None
    unit_code: str | None = None
    status: AllocationStatus
    note: str | None
    created_by: str
    created_at: datetime


class ElevationEntry(BaseModel):
    u: int
    state: SlotState
    allocation_id: int | None
    holder: str | None
    server_id: int | None
    label: str | None


class ElevationOut(BaseModel):
    rack: RackOut
    units: list[ElevationEntry]
    free_u: int
    reserved_u: int
    occupied_u: int


class CandidateOut(BaseModel):
    rack_id: int
    rack_name: str
    u_bottom: int
    u_top: int
    run_length: int
    leftover_u: int
    power_free_w: int | None


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: Role
    unit_code: str | None = None


class AuditEventOut(Out):
    seq: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    before: str | None
    after: str | None
    hash: str


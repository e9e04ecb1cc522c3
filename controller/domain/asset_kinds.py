"""The kinds of ICT asset the register holds (SOPs 000 and 001 govern every one, not only servers).

Declared once, like the statuses in ``choices``: each kind says whether it takes U slots in a rack,
whether the office takes it into custody (SOP 002 is about servers) and which fields of its own it
has, as a pydantic model the API, the web form and the import all validate with. The register row
(the ``servers`` table) keeps its common columns (brand, model, serial, unit, condition); what only
one kind has lives in the row's ``attributes`` (JSON), and a kind's secret (a licence key) in its
sealed ``secrets``, never in the attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from ipaddress import ip_address
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from .choices import Label


class AssetKind(StrEnum):
    server = "server"
    network_device = "network_device"
    ups_pdu = "ups_pdu"
    end_user_device = "end_user_device"
    software_licence = "software_licence"
    other = "other"


def _ip(value: str | None) -> str | None:
    return None if value is None else str(ip_address(value))


Ip = Annotated[str | None, Field(default=None, max_length=45), AfterValidator(_ip)]
Text = Annotated[str | None, Field(default=None, max_length=200)]


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServerFields(_Fields):
    """A server's own facts are the register's common columns (height, power, hostname)."""


class NetworkDeviceFields(_Fields):
    device_type: Literal["switch", "router", "firewall", "access_point", "other"] = "switch"
    ports: int | None = Field(default=None, ge=1, le=1024)
    management_ip: Ip = None
    firmware: Text = None


class UpsPduFields(_Fields):
    device_type: Literal["ups", "pdu"] = "ups"
    va_rating: int | None = Field(default=None, ge=1, le=1_000_000)
    outlets: int | None = Field(default=None, ge=1, le=512)
    battery_date: date | None = None      # when the batteries were installed (they last ~3-5 years)
    management_ip: Ip = None


class EndUserDeviceFields(_Fields):
    device_type: Literal["pc", "laptop", "printer", "other"] = "pc"
    assigned_user: Text = None            # who holds it (pemegang aset): name or NIP
    location: Text = None


class SoftwareLicenceFields(_Fields):
    """Brand and model of the register row are the vendor and the product; the serial is the
    licence (entitlement) number."""
    licence_type: Literal["perpetual", "subscription", "oem", "volume"] = "perpetual"
    seats: int = Field(default=1, ge=1, le=1_000_000)
    expiry: date | None = None            # None: perpetual


class OtherFields(_Fields):
    description: str | None = Field(default=None, max_length=500)


@dataclass(frozen=True)
class KindSpec:
    kind: AssetKind
    label: Label
    rack_mountable: bool      # takes contiguous U in a rack (domain/slots.py) like a server
    fields: type[_Fields]
    secret_fields: tuple[str, ...] = ()   # sealed with the office's key, never returned


KINDS: dict[AssetKind, KindSpec] = {k.kind: k for k in (
    KindSpec(AssetKind.server, Label("Server", "Server", "blue"), True, ServerFields),
    KindSpec(AssetKind.network_device, Label("Perangkat jaringan", "Network device", "indigo"), True,
             NetworkDeviceFields),
    KindSpec(AssetKind.ups_pdu, Label("UPS/PDU", "UPS/PDU", "orange"), True, UpsPduFields),
    KindSpec(AssetKind.end_user_device, Label("Perangkat pengguna (PC/laptop)", "End-user device (PC/laptop)",
                                              "teal"), False, EndUserDeviceFields),
    KindSpec(AssetKind.software_licence, Label("Lisensi perangkat lunak", "Software licence", "purple"), False,
             SoftwareLicenceFields, secret_fields=("licence_key",)),
    KindSpec(AssetKind.other, Label("Lainnya", "Other", "grey"), True, OtherFields),
)}

# Which kinds the office takes into custody (SOP 002 is about servers) is the office's decision,
# ``TITIP_DEPOSITABLE_KINDS``: a unit's firewall may be deposited too. Only kinds that take rack
# space qualify, since custody ends with the asset placed in its U.

KIND_LABELS: dict[AssetKind, Label] = {k: spec.label for k, spec in KINDS.items()}


def spec(kind: str) -> KindSpec:
    """The declaration of ``kind``; KeyError for a kind nobody declared."""
    return KINDS[AssetKind(kind)]


def validate_fields(kind: str, data: dict[str, Any] | None) -> dict[str, Any]:
    """The kind's own fields checked and normalised (JSON-ready: dates as ISO text, no Nones);
    raises pydantic's ValidationError naming the field."""
    model = spec(kind).fields.model_validate(data or {})
    return model.model_dump(mode="json", exclude_none=True)


def parse_depositable(text: str) -> frozenset[str]:
    """``TITIP_DEPOSITABLE_KINDS`` ("server,network_device") as kinds; ValueError naming the bad one."""
    kinds = {k.strip() for k in text.split(",") if k.strip()}
    if not kinds:
        raise ValueError("TITIP_DEPOSITABLE_KINDS names no kind; the office takes at least servers in")
    for k in sorted(kinds):
        if k not in KINDS:
            raise ValueError(f"TITIP_DEPOSITABLE_KINDS: {k!r} is not an asset kind ({', '.join(KINDS)})")
        if not KINDS[AssetKind(k)].rack_mountable:
            raise ValueError(f"TITIP_DEPOSITABLE_KINDS: {k!r} takes no rack space, and custody places the "
                             "asset in a rack")
    return frozenset(kinds)


def may_deposit(kind: str, depositable: frozenset[str]) -> bool:
    return kind in depositable


def takes_rack_space(kind: str) -> bool:
    return spec(kind).rack_mountable

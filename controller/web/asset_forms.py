"""The form that registers an asset of any kind: its common fields, then the kind's own, read
from the kind's pydantic model (domain/asset_kinds.py) so the page asks for what the API checks."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..domain.asset_kinds import spec
from .forms import Form, text
from .i18n import N_

# The kinds' own fields as the page names them (msgids; Indonesian in the catalog).
FIELD_LABELS: dict[str, str] = {
    "device_type": N_("Type"), "ports": N_("Ports"), "management_ip": N_("Management IP"),
    "firmware": N_("Firmware"), "va_rating": N_("Rating (VA)"), "outlets": N_("Outlets"),
    "battery_date": N_("Battery installed on"), "assigned_user": N_("Assigned to (name or NIP)"),
    "location": N_("Location"), "licence_type": N_("Licence type"), "seats": N_("Seats"),
    "expiry": N_("Expires on"), "description": N_("Description"), "licence_key": N_("Licence key"),
}
# Choices of the kinds' "type" fields.
CHOICES: dict[str, str] = {
    "switch": N_("Switch"), "router": N_("Router"), "firewall": N_("Firewall"), "access_point": N_("Access point"),
    "other": N_("Other"), "ups": "UPS", "pdu": "PDU", "pc": "PC", "laptop": N_("Laptop"), "printer": N_("Printer"),
    "perpetual": N_("Perpetual"), "subscription": N_("Subscription"), "oem": "OEM", "volume": N_("Volume"),
}


@dataclass(frozen=True)
class Field:
    name: str
    label: str            # msgid
    input: str            # text | number | date | select
    options: tuple[str, ...] = ()
    required: bool = False


def _shape(annotation: Any) -> tuple[str, tuple[str, ...]]:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return "select", tuple(str(a) for a in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _shape(args[0])
    if origin is typing.Annotated:
        return _shape(args[0])
    if annotation is int:
        return "number", ()
    if annotation is date:
        return "date", ()
    return "text", ()


def kind_fields(kind: str) -> list[Field]:
    """The kind's own fields, then its secrets (write-only), in declaration order."""
    out = []
    for name, info in spec(kind).fields.model_fields.items():
        shape, options = _shape(info.annotation)
        out.append(Field(name, FIELD_LABELS.get(name, name), shape, options, info.is_required()))
    out += [Field(name, FIELD_LABELS.get(name, name), "password") for name in spec(kind).secret_fields]
    return out


def asset_data(kind: str, form: Form) -> dict[str, Any]:
    """The API's body for a new asset from the page's form; empty fields are left out."""
    data: dict[str, Any] = {"kind": kind}
    for name in ("unit_code", "brand", "model", "serial_number", "hostname"):
        if (value := text(form, name)) is not None:
            data[name] = value
    for name in ("height_u", "power_w"):
        if (value := text(form, name)) is not None:
            data[name] = int(value) if value.isdigit() else value
    attributes: dict[str, Any] = {}
    for f in kind_fields(kind):
        value = text(form, f.name)
        if value is None:
            continue
        if f.input == "password":
            data[f.name] = value
        else:
            attributes[f.name] = int(value) if f.input == "number" and value.isdigit() else value
    data["attributes"] = attributes
    return data

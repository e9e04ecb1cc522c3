"""A register row's kind and its own fields: checked against the kind table, secrets sealed.

The use cases in ``servers`` call these before they write a row, so the API, the web form and the
collector all end in the same checks; a kind's secret (a licence key) is sealed with the office's
key like a collection target's, and only whether it is set is ever shown.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from .. import validation
from ..crypto import SecretBox
from ..domain.asset_kinds import KINDS, AssetKind, spec, validate_fields
from ..errors import Conflict, Invalid
from ..models import Server
from ..settings import Settings


def check_kind(kind: Any) -> AssetKind:
    try:
        return AssetKind(kind)
    except ValueError:
        raise Invalid(f"kind: one of {', '.join(KINDS)}", field="kind") from None


def prepare(data: dict[str, Any], settings: Settings | None, current: Server | None = None) -> dict[str, Any]:
    """The column values for a new or changed row from what the caller sent: ``kind``,
    ``attributes`` (the kind's fields) and ``licence_key`` (sealed) become columns; the height
    of a kind that takes no rack space is 0."""
    kind = check_kind(data.pop("kind", None) or (current.kind if current else AssetKind.server))
    kind_spec = spec(kind)
    out: dict[str, Any] = {}
    if current is None or kind != current.kind:
        out["kind"] = str(kind)
    attributes = data.pop("attributes", None)
    if attributes is not None or current is None or "kind" in out:
        if attributes is None and current is not None and current.attributes:
            attributes = _carried_over(kind, json.loads(current.attributes))
        try:
            fields = validate_fields(kind, attributes)
        except ValidationError as exc:
            raise validation.invalid(exc, "attributes") from exc
        out["attributes"] = json.dumps(fields, sort_keys=True) if fields else None
    secrets = {name: data.pop(name) for name in ("licence_key",) if data.get(name)}
    data.pop("licence_key", None)
    for name in secrets:
        if name not in kind_spec.secret_fields:
            raise Invalid(f"{name}: a {kind_spec.label.en.lower()} has no {name.replace('_', ' ')}", field=name)
    if secrets:
        if settings is None:
            raise RuntimeError("sealing a secret needs the settings")
        out["secrets"] = SecretBox(settings).seal(secrets)
    height = data.get("height_u", current.height_u if current else None)
    if kind_spec.rack_mountable:
        if not height:
            raise Invalid(f"height_u: a {kind_spec.label.en.lower()} takes rack space; give its height in U "
                          "(1 to 60)", field="height_u")
    elif height:
        if current is not None and "height_u" not in data:
            out["height_u"] = 0
        else:
            raise Invalid(f"height_u: a {kind_spec.label.en.lower()} takes no rack space; leave it out",
                          field="height_u")
    else:
        out["height_u"] = 0
    return out


def _carried_over(kind: AssetKind, old: dict[str, Any]) -> dict[str, Any]:
    """A corrected kind keeps the old fields it also has, with values it accepts (a switch's
    management IP stays when it turns out to be a UPS; its port count and type do not)."""
    kept = {k: v for k, v in old.items() if k in spec(kind).fields.model_fields}
    try:
        validate_fields(kind, kept)
    except ValidationError as exc:
        for error in exc.errors():
            if error["loc"]:
                kept.pop(str(error["loc"][0]), None)
    return kept


def check_rack_space(server: Server) -> None:
    """Refuse U slots for a kind that takes no rack space (a 409 naming the field)."""
    if not spec(server.kind).rack_mountable:
        raise Conflict(f"{server.kind}: asset {server.id} is a {spec(server.kind).label.en.lower()}, which "
                       "takes no rack space", field="kind")


def attributes_of(server: Server) -> dict[str, Any]:
    return json.loads(server.attributes) if server.attributes else {}


def secrets_set(server: Server) -> list[str]:
    """Which of the kind's secrets are set (names only: values never leave the database)."""
    return sorted(spec(server.kind).secret_fields) if server.secrets else []

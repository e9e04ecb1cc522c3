"""HTML form fields to the data the services take; the services validate it (one set of rules).

Only shape is handled here: text to numbers, check boxes to booleans, the port and URL lists
of the configure form to access checks. A field that cannot even be read becomes `Invalid`
with its name, as the service's own validation does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from ..domain.custody_flow import INSPECTION_CHECKLIST
from ..errors import Invalid
from ..guard import BAD_TEXT

Form = Mapping[str, Any]


def text(form: Form, name: str) -> str | None:
    value = form.get(name)
    if not isinstance(value, str):
        return None
    if BAD_TEXT.search(value):   # multipart forms (with a letter) pass the guard's body check
        raise Invalid(f"{name}: control characters are not accepted", field=name)
    value = value.strip()
    return value or None


def number(form: Form, name: str) -> int | None:
    value = text(form, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise Invalid(f"{name}: '{value}' is not a whole number", field=name) from None


def validate(model: type[BaseModel], data: dict[str, Any]) -> Any:
    """Check a form with the API's own body model, so both refuse the same input."""
    try:
        return model.model_validate(_drop_none(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise Invalid(f"{where}: {first['msg']}", field=where) from exc


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def submission(form: Form) -> dict[str, Any]:
    """The request letter form, in the shape of the API's submit body."""
    server = _drop_none({
        "brand": text(form, "brand"), "model": text(form, "model"),
        "serial_number": text(form, "serial_number"), "height_u": number(form, "height_u"),
        "power_w": number(form, "power_w"), "purpose": text(form, "purpose"),
        "network_needs": text(form, "network_needs"), "hostname": text(form, "hostname")})
    more = more_servers(form, server)
    return _drop_none({"letter_number": text(form, "letter_number"), "letter_date": text(form, "letter_date"),
                       **({"servers": [server, *more]} if more else {"server": server})})


def more_servers(form: Form, first: dict[str, Any]) -> list[dict[str, Any]]:
    """Other servers of the same letter, one per line: brand; model; serial; height U; power W."""
    out = []
    for n, line in enumerate((text(form, "more_servers") or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        if len(parts) != 5 or not parts[3].isdigit() or not parts[4].isdigit():
            raise Invalid(f"more_servers: line {n} is not 'brand; model; serial; height U; power W'",
                          field="more_servers")
        out.append({"brand": parts[0], "model": parts[1], "serial_number": parts[2], "height_u": int(parts[3]),
                    "power_w": int(parts[4]), "purpose": first.get("purpose"),
                    "network_needs": first.get("network_needs")})
    return out


def access_checks(form: Form) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []
    for token in re.split(r"[\s,;]+", text(form, "ports") or ""):
        if not token:
            continue
        if not token.isdigit():
            raise Invalid(f"ports: '{token}' is not a port number", field="ports")
        checks.append({"kind": "tcp", "port": int(token)})
    for line in (text(form, "urls") or "").splitlines():
        url = line.strip()
        if url:
            scheme = urlsplit(url).scheme.lower()
            checks.append({"kind": scheme if scheme in ("http", "https") else "http", "url": url,
                           "expect_status": 200})
    return checks


def _signature(form: Form, prefix: str = "") -> dict[str, Any]:
    return _drop_none({"name": text(form, f"{prefix}name"), "nip": text(form, f"{prefix}nip"),
                       "position": text(form, f"{prefix}position")})


def action_data(action: str, form: Form) -> dict[str, Any]:
    """The body of `action` as services.custody.apply takes it."""
    data: dict[str, Any] = _drop_none({"note": text(form, "note")})
    if action == "division_dispose":
        data["officer"] = text(form, "officer")
    elif action == "reserve_space":
        data.update(_drop_none({"rack_id": number(form, "rack_id"), "u_bottom": number(form, "u_bottom")}))
    elif action == "inspect":
        data.pop("note", None)
        data.update({"passed": form.get("passed") == "1",
                     "checklist": {item: form.get(f"check_{item}") == "1" for item in INSPECTION_CHECKLIST}})
        data.update(_drop_none({"notes": text(form, "notes")}))
        if form.get("passed") not in ("0", "1"):
            data.pop("passed")
    elif action == "sign_handover":
        data.update(_signature(form))
        if text(form, "bsre_nik") or form.get("bsre_passphrase"):
            # controller.signing takes these off the act's data before anything keeps it
            passphrase = form.get("bsre_passphrase")
            data["bsre"] = {"nik": text(form, "bsre_nik") or "",
                            "passphrase": passphrase if isinstance(passphrase, str) else ""}
    elif action == "configure":
        data.update(_drop_none({"management_ip": text(form, "management_ip")}))
        data["access_checks"] = access_checks(form)
    elif action == "confirm_access":
        data["ok"] = form.get("ok") == "1"
    elif action in ("withdraw", "refuse"):
        data.update(_drop_none({"reason": text(form, "reason")}))
    elif action == "request_return":
        data.update(_drop_none({"reason": text(form, "reason"), "letter_number": text(form, "letter_number"),
                                "letter_date": text(form, "letter_date")}))
    elif action == "release":
        data["signatures"] = [{"side": "officer", **_signature(form, "officer_")},
                              {"side": "unit_contact", **_signature(form, "contact_")}]
    return _drop_none(data)

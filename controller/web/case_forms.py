"""The lifecycle cases' HTML forms to the data `services.lifecycle_payloads` validates.

Only shape is handled here (as web.forms does for custody): numbers, yes/no, the browser's local
date-time in the office's time zone, the parts list one per line. The payload models decide what
is required and how long each field may be, so the page and the API refuse the same input.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import Invalid
from .forms import Form, number, text

# Each step's fields (beside the optional note): (form field, kind of value).
FIELDS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "maintenance": {
        "request": (("server_id", "int"), ("kind", "text"), ("analysis", "text")),
        "issue_memo": (("memo_number", "text"),),
        "reject": (("reason", "text"),),
        "assign": (("letter_number", "text"), ("officer", "text")),
        "record_work": (("work_done", "text"), ("downtime_start", "when"), ("downtime_end", "when"),
                        ("parts", "parts")),
        "report": (("report", "text"), ("condition_after", "text")),
    },
    "transfer": {
        "request": (("server_id", "int"), ("to_unit", "text"), ("reason", "text"), ("letter_number", "text")),
        "reject": (("reason", "text"),),
        "record_transfer": (("record_number", "text"),),
    },
    "disposal": {
        "request": (("server_id", "int"), ("method", "text"), ("reason", "text")),
        "review": (("eligible", "bool"), ("findings", "text"), ("review_number", "text")),
        "reject": (("reason", "text"),),
        "record_regent_approval": (("approver_name", "text"), ("decree_number", "text")),
        "record_wipe": (("backup", "text"), ("method", "text"), ("wiped_by", "text"), ("wiped_at", "when"),
                        ("report_text", "text")),
        "hand_over": (("recipient_name", "text"), ("record_number", "text")),
    },
}


def case_data(kind: str, action: str, form: Form, timezone: str) -> dict[str, Any]:
    """The step's data from its form; an empty field is left out (the payload says if it is needed)."""
    data: dict[str, Any] = {}
    fields = FIELDS.get(kind, {}).get(action, ())
    for name, shape in fields:
        if shape == "int":
            value: Any = number(form, name)
        elif shape == "bool":
            value = _yes_no(form, name)
        elif shape == "when":
            value = _when(form, name, timezone)
        elif shape == "parts":
            value = parts(text(form, name))
        else:
            value = text(form, name)
        if value is not None:
            data[name] = value
    if (note := text(form, "note")) is not None:
        data["note"] = note
    return data


def _yes_no(form: Form, name: str) -> bool | None:
    value = text(form, name)
    if value is None:
        return None
    if value not in ("1", "0"):
        raise Invalid(f"{name}: choose yes or no", field=name)
    return value == "1"


def _when(form: Form, name: str, timezone: str) -> str | None:
    """A browser's `datetime-local` (no zone) read as the office's local time."""
    value = text(form, name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{name}: '{value}' is not a date and time", field=name) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.isoformat()


def parts(lines: str | None) -> list[dict[str, Any]] | None:
    """Parts replaced, one per line: name; quantity; serial removed; serial installed (the last
    three optional)."""
    if not lines:
        return None
    out = []
    for n, line in enumerate(lines.splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split(";")]
        if len(cells) > 4 or (len(cells) > 1 and cells[1] and not cells[1].isdigit()):
            raise Invalid(f"parts: line {n} is not 'name; quantity; serial removed; serial installed'",
                          field="parts")
        part: dict[str, Any] = {"name": cells[0]}
        if len(cells) > 1 and cells[1]:
            part["quantity"] = int(cells[1])
        for key, cell in zip(("serial_removed", "serial_installed"), cells[2:], strict=False):
            if cell:
                part[key] = cell
        out.append(part)
    return out or None

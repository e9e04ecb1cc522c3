"""Words for the workflow's actions, documents and fields, and errors as sentences for people.

Statuses carry their own labels (domain.choices); actions and fields are named here once, for
the buttons, the timeline and the error messages alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..domain.workflow import AlreadySigned, IllegalMove, InvalidData, MissingData, RoleNotAllowed
from ..errors import Conflict, Forbidden, Invalid, NotFound, TitipError
from .i18n import N_

Gettext = Callable[[str], str]

ACTIONS: dict[str, str] = {
    "submit": N_("Request filed"),
    "head_dispose": N_("Disposition to the division head"),
    "division_dispose": N_("Disposition to an officer"),
    "reserve_space": N_("Reserve rack space"),
    "waitlist": N_("Put on the waiting list"),
    "promote": N_("Space found from the waiting list"),
    "lapse": N_("Reservation lapsed"),
    "receive": N_("Server received"),
    "inspect": N_("Inspection"),
    "sign_handover": N_("Sign the handover form"),
    "place": N_("Place in the rack"),
    "configure": N_("Configure and check access"),
    "confirm_access": N_("Confirm access"),
    "request_return": N_("Request the return"),
    "approve_return": N_("Approve the return"),
    "release": N_("Hand back and release the slot"),
    "withdraw": N_("Withdraw the request"),
    "refuse": N_("Refuse the request"),
    "import": N_("Imported from a spreadsheet"),
}

DOCUMENT_KINDS: dict[str, str] = {
    "letter": N_("Request letter"),
    "handover": N_("Handover form (BAST)"),
    "return": N_("Return form (BAST)"),
    "inventory": N_("Signed monthly inventory form"),
    "import": N_("Imported spreadsheet"),
    "disposition": N_("Disposition sheet"),
    "assignment": N_("Assignment letter"),
    "activity_report": N_("Activity report"),
    "nota_dinas": N_("Memo to the division head (nota dinas)"),
    "disposal_review": N_("Disposal review (telaahan)"),
    "transfer": N_("Transfer record (berita acara)"),
    "disposal": N_("Handover record for disposal (berita acara)"),
    "evaluation": N_("Asset management evaluation report"),
    "reconciliation": N_("ICT asset reconciliation report"),
}

FIELDS: dict[str, str] = {
    "letter_number": N_("Letter number"),
    "letter_date": N_("Letter date"),
    "letter_file": N_("Scanned letter (PDF)"),
    "server": N_("Server"),
    "brand": N_("Brand"),
    "model": N_("Model"),
    "serial_number": N_("Serial number"),
    "height_u": N_("Height (U)"),
    "power_w": N_("Power (W)"),
    "purpose": N_("Purpose"),
    "network_needs": N_("Network needs"),
    "hostname": N_("Host name"),
    "more_servers": N_("Other servers"),
    "servers": N_("Servers"),
    "officer": N_("Officer"),
    "rack_id": N_("Rack"),
    "u_bottom": N_("Lowest U"),
    "passed": N_("Inspection result"),
    "checklist": N_("Checklist"),
    "name": N_("Name"),
    "nip": N_("NIP"),
    "position": N_("Position"),
    "management_ip": N_("Management IP address"),
    "access_checks": N_("Access checks"),
    "ports": N_("TCP ports"),
    "urls": N_("Web addresses (URL)"),
    "reason": N_("Reason"),
    "signatures": N_("Signatures"),
    "note": N_("Note"),
    "notes": N_("Notes"),
    "subject": N_("Subject"),
    "description": N_("Description"),
    "server_id": N_("Server"),
    "resolution": N_("What was done"),
    "ok": N_("Check result"),
    "sort": N_("Sort order"),
    "dir": N_("Sort direction"),
    "page": N_("Page"),
    "per": N_("Per page"),
    "format": N_("File format"),
    "state": N_("Status"),
    # lifecycle cases (maintenance, transfer, disposal) and the condition
    "analysis": N_("Analysis (telaahan)"),
    "work_done": N_("Work done"),
    "downtime_start": N_("Downtime from"),
    "downtime_end": N_("Downtime until"),
    "parts": N_("Parts replaced"),
    "report": N_("Activity report"),
    "condition_after": N_("Condition after the work"),
    "condition": N_("Condition"),
    "to_unit": N_("To unit"),
    "record_number": N_("Record number"),
    "findings": N_("Findings"),
    "memo_number": N_("Memo number"),
    "review_number": N_("Review number"),
    "eligible": N_("Review result"),
    "approver_name": N_("Approved by"),
    "decree_number": N_("Decree number"),
    "backup": N_("Where the data was backed up"),
    "method": N_("Method"),
    "wiped_by": N_("Wiped by"),
    "wiped_at": N_("Wiped at"),
    "report_text": N_("Wipe report"),
    "recipient_name": N_("Received by (property manager)"),
    "notice_mail": N_("Notices by mail"),
}

CHECKLIST: dict[str, str] = {
    "physical": N_("Physical condition is good"),
    "serial_matches": N_("Serial number matches the letter"),
    "rails": N_("Rails / mounting kit present"),
    "psu": N_("Power supplies work"),
    "accessories": N_("Accessories complete"),
}


def action_label(action: str, gettext: Gettext) -> str:
    return gettext(ACTIONS[action]) if action in ACTIONS else action


def document_kind(kind: str, gettext: Gettext) -> str:
    return gettext(DOCUMENT_KINDS[kind]) if kind in DOCUMENT_KINDS else kind


def field_label(name: str | None, gettext: Gettext) -> str:
    """'server.serial_number' -> 'Serial number'; an unknown field keeps its own name."""
    if not name:
        return ""
    for part in reversed(name.split(".")):
        if part in CHECKLIST:  # "checklist.serial_matches": the item as the form names it
            return gettext(CHECKLIST[part])
        if part in FIELDS:
            return gettext(FIELDS[part])
    return name


def describe(exc: Exception, gettext: Gettext) -> tuple[str, str | None]:
    """(a sentence in the reader's language, the service's own technical detail)."""
    if isinstance(exc, IllegalMove):
        return gettext("This step is not possible in the request's current state."), None
    if isinstance(exc, RoleNotAllowed):
        return gettext("Your role may not take this step."), None
    if isinstance(exc, AlreadySigned):
        return gettext("You have already signed; the other side still has to sign."), None
    if isinstance(exc, MissingData):
        names = ", ".join(field_label(f, gettext) for f in exc.fields)
        return gettext("Please fill in: %(fields)s") % {"fields": names}, None
    if isinstance(exc, InvalidData):
        return (gettext("Invalid value for %(field)s.") % {"field": field_label(exc.field, gettext)},
                detail_text(exc.reason, gettext))
    if isinstance(exc, Invalid):
        return (gettext("Invalid value for %(field)s.") % {"field": field_label(exc.field, gettext) or "-"},
                detail_text(exc.message, gettext))
    if isinstance(exc, Conflict):
        return gettext("The change conflicts with the current records."), detail_text(exc.message, gettext)
    if isinstance(exc, NotFound):
        return gettext("Not found."), None
    if isinstance(exc, Forbidden):
        return gettext("You are not allowed to do this."), None
    if isinstance(exc, TitipError):
        return gettext("The step could not be taken."), detail_text(str(exc), gettext)
    raise exc


# The services' and probes' details that people meet most, in the reader's language; anything
# else is shown as the service wrote it (it still names what went wrong).
DETAILS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"serial number '?(?P<serial>[^' ]+)'? is already registered"),
     N_("Serial number %(serial)s is already registered.")),
    (re.compile(r"serial number is already registered"), N_("The serial number is already registered.")),
    (re.compile(r"serial number '?(?P<serial>[^' ]+)'? is registered to another unit"),
     N_("Serial number %(serial)s is registered to another unit; a server moves between units only through a "
        "transfer case.")),
    (re.compile(r"asset code (?P<code>\S+) with NUP (?P<nup>\S+) is already registered"),
     N_("Asset code %(code)s with NUP %(nup)s is already registered.")),
    (re.compile(r"rack '(?P<rack>[^']+)' would draw (?P<total>\d+) W of its (?P<capacity>\d+) W"),
     N_("Rack %(rack)s would draw %(total)s W of its %(capacity)s W.")),
    (re.compile(r"(?:maintenance|transfer|disposal) case (?P<id>\d+) for server \d+ is still open"),
     N_("Case #%(id)s of this procedure is still open for this server.")),
    (re.compile(r"a (?:maintenance|transfer|disposal) case for server \d+ is already open"),
     N_("A case of this procedure is already open for this server.")),
    (re.compile(r"server \d+ is in custody \(request (?P<request>\d+), [a-z_]+\); return it before disposal"),
     N_("The server is in custody (request #%(request)s): it is returned before it is disposed of.")),
    (re.compile(r"server \d+ already belongs to (?P<unit>\S+)"), N_("The server already belongs to %(unit)s.")),
    (re.compile(r"server \d+ was disposed on (?P<date>\S+); its record is history only"),
     N_("The server was disposed of on %(date)s; its record is history only.")),
    (re.compile(r"say why the condition changes"), N_("say why the condition changes")),
    (re.compile(r"the server is already (?:baik|rusak_ringan|rusak_berat)$"),
     N_("the server already has this condition")),
    (re.compile(r"is not a date and time"), N_("not a date and time")),
    (re.compile(r"parts: line (?P<n>\d+) is not"),
     N_("line %(n)s is not 'name; quantity; serial removed; serial installed'")),
    (re.compile(r"^connection refused"), N_("connection refused (nothing is listening)")),
    (re.compile(r"^timed out$"), N_("no answer in time")),
    (re.compile(r"^connected$"), N_("connected")),
    (re.compile(r"^name not resolved"), N_("the host name cannot be resolved")),
    (re.compile(r"^no route to host"), N_("no route to the host")),
    (re.compile(r"^network is unreachable"), N_("the network is unreachable")),
    (re.compile(r"^certificate not trusted"), N_("the certificate is not trusted")),
    (re.compile(r"^no SSH banner"), N_("no SSH answer")),
    (re.compile(r"^expected HTTP (?P<want>\d+), got (?P<got>\d+)"), N_("expected HTTP %(want)s, got %(got)s")),
    # pydantic's words for a form field
    (re.compile(r"^Field required"), N_("required")),
    (re.compile(r"^Input should be a valid integer"), N_("must be a whole number")),
    (re.compile(r"^Input should be a valid number"), N_("must be a number")),
    (re.compile(r"^Input should be a valid boolean"), N_("must be yes or no")),
    (re.compile(r"^Input should be a valid date"), N_("must be a date (YYYY-MM-DD)")),
    (re.compile(r"^String should have at most (?P<n>\d+) characters?"), N_("at most %(n)s characters")),
    (re.compile(r"^String should have at least (?P<n>\d+) characters?"), N_("at least %(n)s characters")),
    (re.compile(r"^Input should be greater than or equal to (?P<n>\S+)"), N_("must be at least %(n)s")),
    (re.compile(r"^Input should be less than or equal to (?P<n>\S+)"), N_("must be at most %(n)s")),
]


def detail_text(detail: str | None, gettext: Gettext) -> str | None:
    """A service's or probe's English detail in the reader's language, where it is a known one."""
    if not detail:
        return detail
    detail = detail.removeprefix("Value error, ")
    for pattern, message in DETAILS:
        if (found := pattern.search(detail)) is not None:
            return gettext(message) % found.groupdict()
    return detail

FINDING_KINDS: dict[str, str] = {
    "drift": N_("Hardware differs from the record"),
    "placeholder_serial": N_("Placeholder serial number"),
    "hostkey_changed": N_("SSH host key changed"),
    "serial_corrected": N_("Serial number corrected after the handover was signed"),
}

FINDING_STATUS: dict[str, tuple[str, str]] = {
    "open": (N_("Open"), "orange"),
    "accepted": (N_("Accepted"), "green"),
    "rejected": (N_("Rejected"), "grey"),
}

RUN_STATUS: dict[str, tuple[str, str]] = {
    "running": (N_("Running"), "blue"),
    "completed": (N_("Completed, awaiting signature"), "orange"),
    "signed": (N_("Signed"), "green"),
}


def status_badge(table: dict[str, tuple[str, str]], value: str, gettext: Gettext) -> dict[str, str]:
    text, colour = table.get(value, (value, "grey"))
    return {"text": gettext(text) if value in table else value, "colour": colour}

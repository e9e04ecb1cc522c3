"""Recording a step for an office outside (domain/on_behalf.py): the letter's number on the step
row, and the letter's scan, uploaded first and named by the move."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from sqlalchemy.orm import Session

from ..domain.on_behalf import OFFICES, SCAN_FIELD, outside_step
from ..domain.workflow import is_empty
from ..errors import Invalid
from ..models import Document, User
from . import papers

MAX_SCAN_BYTES = 10 * 1024 * 1024
SCAN_KIND = "letter_scan"
_SCAN_TYPES = {b"%PDF-": "application/pdf", b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg"}


@runtime_checkable
class BehalfRow(Protocol):
    """A step row that can say on whose behalf it was taken (custody and lifecycle steps)."""

    on_behalf_of: str | None
    letter_number: str | None
    letter_document_id: int | None


def store_scan(session: Session, user: User, filename: str, content: bytes) -> Document:
    """The scan of an outside office's letter (PDF, PNG or JPEG), kept as an office-wide paper."""
    if not content or len(content) > MAX_SCAN_BYTES:
        raise Invalid("the scan must be between 1 byte and 10 MB", field="scan_file")
    content_type = next((t for magic, t in _SCAN_TYPES.items() if content.startswith(magic)), None)
    if content_type is None:
        raise Invalid("the scan must be a PDF, PNG or JPEG file", field="scan_file")
    safe = "".join(c for c in filename if c.isalnum() or c in "._-")[-100:] or "surat"
    return papers.store(session, kind=SCAN_KIND, unit_id=None, request_id=None, filename=safe,
                        content_type=content_type, content=content, actor=user.username)


def take_scan(data: dict[str, Any]) -> Any:
    """The scan's document id, taken out of a move's data before its payload is validated (the
    payload models know nothing of it); None when the actor gave none."""
    return data.pop(SCAN_FIELD, None)


def stamp(session: Session, procedure: str, action: str, raw: dict[str, Any], scan: Any, row: object) -> None:
    """Say on the step row for whom the step was recorded and under which letter; refuse a scan
    given with a step no outside office takes."""
    outside = outside_step(procedure, action)
    if outside is None:
        if scan is not None:
            raise Invalid(f"{SCAN_FIELD}: '{action}' is the office's own step; no outside letter is recorded",
                          field=SCAN_FIELD)
        return
    letter = raw.get(outside.letter_field)
    if is_empty(letter):
        raise Invalid(f"{outside.letter_field}: this step is the {outside.office.label.en}'s, recorded on its "
                      "behalf: give the number of its letter", field=outside.letter_field)
    if not isinstance(row, BehalfRow):
        raise TypeError(f"{type(row).__name__} cannot say on whose behalf a step was taken")
    row.on_behalf_of = outside.office.code
    row.letter_number = str(letter)[:100]
    if scan is not None:
        doc = session.get(Document, scan) if isinstance(scan, int) and not isinstance(scan, bool) else None
        if doc is None or doc.kind != SCAN_KIND:
            raise Invalid(f"{SCAN_FIELD}: no uploaded letter scan {scan!r}", field=SCAN_FIELD)
        row.letter_document_id = doc.id


def office_label(code: str | None, lang: str = "en") -> str | None:
    office = OFFICES.get(code or "")
    if office is None:
        return code
    return office.label.id if lang == "id" else office.label.en

"""Stored documents as HTTP responses: one function for the API and the web pages.

File names come from uploads (a unit's scanned letter), so they may hold any character; an HTTP
header is Latin-1, so the name goes out twice (RFC 6266): an ASCII ``filename`` for old clients
and the exact name as ``filename*=UTF-8''…``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session
from starlette.responses import Response

from ..errors import NotFound
from ..models import Document, User
from ..services.access import check_unit
from ..services.ticket_talk import DOCUMENT_KIND as TICKET_FILE

# RFC 5987 attr-char, less the ones quote() always keeps
_ATTR_CHARS = "!#$&+^`|"


def content_disposition(filename: str, disposition: str = "inline") -> str:
    """``inline; filename="ascii"; filename*=UTF-8''…`` (the second part only when needed)."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name).strip("._") or "dokumen"
    header = f'{disposition}; filename="{ascii_name}"'
    if ascii_name != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe=_ATTR_CHARS)}"
    return header


def document_response(db: Session, user: User, document_id: int) -> Response:
    """The stored bytes exactly as issued, after the unit check; the SHA-256 matches the audit trail."""
    doc = db.get(Document, document_id)
    check_unit(user, doc.unit_id if doc else None, "document", document_id)
    if doc is None or doc.kind == TICKET_FILE:
        # A ticket's file goes only to those involved in the ticket: from the ticket, never from here.
        raise NotFound(f"document {document_id} not found" if doc is None else
                       f"document {document_id} is a ticket's file: fetch it from the ticket's attachments")
    headers = {"Content-Disposition": content_disposition(doc.filename), "X-Content-SHA256": doc.sha256,
               "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    return Response(doc.content, media_type=doc.content_type, headers=headers)


PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_answer(*media_types: str, what: str = "the file") -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route that answers with a file: its media types, each a binary string,
    so the OpenAPI document says what comes back (issue 18)."""
    return {200: {"description": what,
                  "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in media_types}}}

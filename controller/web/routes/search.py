"""Global search from the header: a serial, host name or management IP finds the server, a
letter number the custody request, a subject the helpdesk ticket.

Scoped as the lists are (a contact person finds only the unit's own); at most `LIMIT` hits per
kind, and the page says when there are more and links to the full, paged list.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from sqlalchemy import func, or_
from starlette.responses import RedirectResponse, Response

from ...models import CustodyRequest, Server, Ticket
from ...services import custody, servers, tickets
from ..deps import SessionDep, WebUser
from ..render import page
from ..route import web_router

router = web_router()
LIMIT = 20


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@router.get("/search")
def search(request: Request, db: SessionDep, user: WebUser,
           q: Annotated[str, Query(max_length=100)] = "") -> Response:
    q = q.strip()
    found: dict[str, list] = {"servers": [], "requests": [], "tickets": []}
    more: dict[str, bool] = {}
    if q:
        like = _like(q)
        stmts = {
            "servers": servers.list_servers_stmt(user, include_disposed=True).where(or_(
                *(func.lower(c).like(like, escape="\\") for c in
                  (Server.serial_number, Server.hostname, Server.management_ip)))),
            "requests": custody.list_stmt(user).where(func.lower(CustodyRequest.letter_number).like(like, escape="\\")),
            "tickets": tickets.list_stmt(user).where(func.lower(Ticket.subject).like(like, escape="\\")),
        }
        for kind, stmt in stmts.items():
            rows = list(db.scalars(stmt.limit(LIMIT + 1)))
            found[kind], more[kind] = rows[:LIMIT], len(rows) > LIMIT
        hits = [(k, rows[0]) for k, rows in found.items() if rows]
        if len(hits) == 1 and len(found[hits[0][0]]) == 1:  # one answer: go there
            kind, obj = hits[0]
            return RedirectResponse(f"/{kind}/{obj.id}", status_code=303)
    db.commit()
    return page(request, "search.html", q=q, found=found, more=more)


__all__ = ["router"]

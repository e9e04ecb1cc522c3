"""Work lists: the officer's queue and the head's and division head's disposition inbox, each with the
helpdesk tickets waiting for the reader."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from ...models import CustodyRequest, User
from ...models.base import utcnow
from ...services import tickets
from ...settings import Settings
from .. import views
from ..deps import DisposerUser, OfficerUser, SessionDep, SettingsDep
from ..listing import ListQuery, ListSpec, Pager, pager
from ..render import page
from ..route import web_router
from .tickets import ticket_words

router = web_router()

# Most urgent first (overdue, then due soonest) is the only order; ?page= and ?per= page it.
WORK = ListSpec(sorts={"urgency": CustodyRequest.id}, default_sort="urgency")


def actionable(request: Request, db: Session, settings: Settings, user: User, now: datetime,
               path: str) -> tuple[views.WorkList, Pager]:
    """One page of the open requests in which this user has a step to take (the workflow table
    says which), and its page links."""
    lq = ListQuery.parse(request, WORK)
    work = views.work_list(db, settings, user, now, lq.page, lq.per)
    return work, pager(lq, path, work.total)


@router.get("/queue")
def queue(request: Request, db: SessionDep, settings: SettingsDep, user: OfficerUser) -> Response:
    now = utcnow()
    work, pages = actionable(request, db, settings, user, now, "/queue")
    waiting = tickets.waiting_for(db, settings, user, now)  # helpdesk tickets of the officer's divisions
    return page(request, "queue.html", rows=work.rows, pager=pages,
                overdue=work.overdue + sum(1 for r in waiting if r["overdue"]),
                tickets=waiting, **ticket_words(request))


@router.get("/inbox")
def inbox(request: Request, db: SessionDep, settings: SettingsDep, user: DisposerUser) -> Response:
    now = utcnow()
    work, pages = actionable(request, db, settings, user, now, "/inbox")
    return page(request, "inbox.html", rows=work.rows, letters=views.letters(db, [r["id"] for r in work.rows]),
                officers=views.active_officers(db), pager=pages,
                tickets=tickets.waiting_for(db, settings, user, now), **ticket_words(request))

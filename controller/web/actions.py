"""One way for a page to change records: run the change, commit it, or roll it back and say why.

Every form post that changes something goes the same way. The change runs in the request's
session and success commits it. A refusal from the one error tree (``errors.TitipError``, under which
the workflow engine's ``WorkflowError`` sits) rolls the whole change back and is described in the reader's
language (``labels.describe``: a sentence, plus the service's own detail). ``NotFound`` is not a
refusal but the page's answer (a 404), so it propagates unless a page says otherwise; any other
exception is a bug and stays a 500, never a flash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from ..errors import NotFound, TitipError
from .labels import Gettext, describe
from .render import gettext_for
from .session import flash

# The one root: WorkflowError is a TitipError (errors.py).
REFUSALS: tuple[type[Exception], ...] = (TitipError,)

T = TypeVar("T")
Describe = Callable[[Exception, Gettext], tuple[str, str | None]]


@dataclass(frozen=True)
class Refusal:
    """A change the services refused, already rolled back: what to tell the reader."""

    error: Exception
    message: str
    detail: str | None


def change(request: Request, db: Session, work: Callable[[], T], *,
           passes: tuple[type[Exception], ...] = (NotFound,), explain: Describe = describe) -> T | Refusal:
    """Run ``work`` and commit; a refusal is rolled back and returned, described.

    ``passes``: errors of the tree that are the page's answer rather than a refusal (a 404, or a
    role error shown as the 403 page); they propagate with the change rolled back by the session.
    """
    try:
        result = work()
        db.commit()
    except passes:
        raise
    except REFUSALS as exc:
        db.rollback()
        return Refusal(exc, *explain(exc, gettext_for(request)))
    return result


def act(request: Request, db: Session, work: Callable[[], object], back: str, success: str, *,
        what: str | None = None, passes: tuple[type[Exception], ...] = (NotFound,),
        explain: Describe = describe) -> Response:
    """A form post that changes records and goes back to ``back``: the success said, or the refusal
    (after ``what`` was refused, when the page names it: "Comment: ...")."""
    outcome = change(request, db, work, passes=passes, explain=explain)
    if isinstance(outcome, Refusal):
        flash(request, "error", f"{what}: {outcome.message}" if what else outcome.message, outcome.detail)
    else:
        flash(request, "success", success)
    return RedirectResponse(back, status_code=303)

"""The evaluation report over HTTP (SOP 001 *Evaluasi Pengelolaan Aset*): figures, XLSX, sealed PDF.

Office staff see the office or any unit; a unit's contact person sees their own unit only (their
unit when none is named, 403 for another).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db import unit_of_work
from ...documents.evaluation import render_pdf, render_xlsx
from ...models import Unit, User
from ...services import evaluation, papers
from ...services.evaluation import Evaluation
from ...settings import Settings
from ..answers.evaluation import EvaluationOut
from ..deps import CurrentUser, SessionDep, SettingsDep
from ..downloads import PDF, XLSX, content_disposition, file_answer
from ..unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, tags=["evaluation"])
From = Annotated[date | None, Query(alias="from", description="first day (default: 1 January of this year)")]
To = Annotated[date | None, Query(description="last day, inclusive (default: 31 December of the first day's year)")]
UnitCode = Annotated[str | None, Query(max_length=32, description="a unit's code; the whole office when omitted")]


def build(db: Session, settings: Settings, user: User, first: date | None, last: date | None,
          unit: str | None) -> Evaluation:
    unit_id = evaluation.unit_for(db, user, unit)
    return evaluation.evaluate(db, settings, evaluation.period(settings, first, last), unit_id)


def as_answer(ev: Evaluation) -> dict[str, Any]:
    out = asdict(ev)
    out["assets_total"] = ev.assets_total
    for room in out["rooms"]:
        room["trend"] = [{"month": m, "u_used": u} for m, u in room["trend"]]
    return out


def filename(ev: Evaluation, ext: str) -> str:
    return f"evaluasi_{ev.unit_code or 'kantor'}_{ev.period.first:%Y%m%d}-{ev.period.last:%Y%m%d}.{ext}"


@router.get("/evaluations", response_model=EvaluationOut)
def get_evaluation(db: SessionDep, settings: SettingsDep, user: CurrentUser, first: From = None, to: To = None,
                   unit: UnitCode = None) -> dict[str, Any]:
    """The evaluation's figures for the period and unit (the whole office when no unit is named)."""
    return as_answer(build(db, settings, user, first, to, unit))


@router.get("/evaluations/evaluation.xlsx", response_class=Response, responses=file_answer(XLSX))
def evaluation_xlsx(db: SessionDep, settings: SettingsDep, user: CurrentUser, first: From = None, to: To = None,
                    unit: UnitCode = None) -> Response:
    ev = build(db, settings, user, first, to, unit)
    return Response(render_xlsx(ev, settings.office_name), media_type=XLSX,
                    headers={"Content-Disposition": content_disposition(filename(ev, "xlsx"), "attachment")})


@router.get("/evaluations/evaluation.pdf", response_class=Response, responses=file_answer(PDF))
def evaluation_pdf(request: Request, db: SessionDep, settings: SettingsDep, user: CurrentUser,
                   first: From = None, to: To = None, unit: UnitCode = None) -> Response:
    """The report as a PDF, kept among the office's documents (sealed when a seal is set)."""
    ev = build(db, settings, user, first, to, unit)
    pdf = render_pdf(ev, settings.office_name, settings.timezone, papers.zone_label(settings.timezone))
    unit_id = db.scalar(select(Unit.id).where(Unit.code == ev.unit_code)) if ev.unit_code else None
    name = filename(ev, "pdf")
    # A GET reads through the read-only session; the issued paper is kept in a write transaction of its own.
    with unit_of_work(request.app.state.sessions, actor=user.username) as w:
        doc = papers.store(w, kind="evaluation", unit_id=unit_id, request_id=None, filename=name,
                           content_type="application/pdf", content=pdf, actor=user.username)
        pdf = doc.content
    return Response(pdf, media_type=PDF, headers={"Content-Disposition": content_disposition(name)})

"""The evaluation report over HTTP (SOP 001 *Evaluasi Pengelolaan Aset*): figures, XLSX, and the sealed
PDF, issued by a POST (a stored document) and read back by a GET.

Office staff see the office or any unit; a unit's contact person sees their own unit only (their
unit when none is named, 403 for another).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from ...documents.evaluation import render_xlsx
from ...errors import NotFound
from ...models import User
from ...services import evaluation
from ...services.evaluation import Evaluation
from ...settings import Settings
from ..answers.evaluation import EvaluationOut
from ..deps import CurrentUser, SessionDep, SettingsDep
from ..downloads import PDF, XLSX, content_disposition, document_response, file_answer
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
                    headers={"Content-Disposition": content_disposition(evaluation.filename(ev, "xlsx"), "attachment")})


@router.post("/evaluations/evaluation.pdf", status_code=201, response_class=Response,
             responses={201: file_answer(PDF, what="the issued report, sealed when a seal is set")[200]})
def issue_evaluation_pdf(db: SessionDep, settings: SettingsDep, user: CurrentUser, first: From = None, to: To = None,
                         unit: UnitCode = None) -> Response:
    """Issue the report as a PDF: it is kept among the office's documents (sealed when a seal is set);
    `Location` names the stored document. Each call issues a new one."""
    unit_id = evaluation.unit_for(db, user, unit)
    doc = evaluation.issue(db, settings, evaluation.period(settings, first, to), unit_id, user.username)
    return Response(doc.content, status_code=201, media_type=PDF, headers={
        "Content-Disposition": content_disposition(doc.filename), "Location": f"/api/v1/documents/{doc.id}",
        "X-Content-SHA256": doc.sha256})


@router.get("/evaluations/evaluation.pdf", response_class=Response, responses=file_answer(
    PDF, what="the latest report issued for the period and unit, exactly as stored"))
def evaluation_pdf(db: SessionDep, settings: SettingsDep, user: CurrentUser, first: From = None, to: To = None,
                   unit: UnitCode = None) -> Response:
    """The latest PDF issued (POST) for the period and unit, as stored; 404 when none was. Reading
    it issues nothing."""
    unit_id = evaluation.unit_for(db, user, unit)
    p = evaluation.period(settings, first, to)
    doc = evaluation.issued(db, p, unit_id)
    if doc is None:
        raise NotFound(f"no evaluation report issued for {p.first} to {p.last}"
                       f"{f' and unit {unit}' if unit else ''}: POST /api/v1/evaluations/evaluation.pdf issues one")
    return document_response(db, user, doc.id)

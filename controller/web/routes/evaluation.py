"""The evaluation report page (SOP 001 *Evaluasi Pengelolaan Aset*): period and unit, the figures,
and the XLSX and PDF downloads (the same services the API uses)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query, Request
from sqlalchemy import select
from starlette.responses import Response

from ...api.downloads import PDF, XLSX, content_disposition
from ...db import unit_of_work
from ...documents.evaluation import category_label, hours, kind_label, render_pdf, render_xlsx
from ...documents.indonesian import condition_label
from ...errors import Invalid
from ...models import Unit, User
from ...services import evaluation, papers
from ...services.evaluation import Evaluation
from ...settings import Settings
from ..deps import SessionDep, SettingsDep, WebUser
from ..render import page
from ..route import web_router

router = web_router()
Day = Annotated[str | None, Query(max_length=10)]
Code = Annotated[str | None, Query(max_length=32)]


def _day(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"'{field}' is not a date (YYYY-MM-DD)", field=field) from None


def _build(db: SessionDep, settings: Settings, user: User, first: str | None, to: str | None,
           unit: str | None) -> Evaluation:
    unit_id = evaluation.unit_for(db, user, unit or None)
    return evaluation.evaluate(db, settings, evaluation.period(settings, _day(first, "from"), _day(to, "to")), unit_id)


def _name(ev: Evaluation, ext: str) -> str:
    return f"evaluasi_{ev.unit_code or 'kantor'}_{ev.period.first:%Y%m%d}-{ev.period.last:%Y%m%d}.{ext}"


@router.get("/evaluation")
def evaluation_page(request: Request, db: SessionDep, settings: SettingsDep, user: WebUser,
                    first: Annotated[str | None, Query(alias="from", max_length=10)] = None, to: Day = None,
                    unit: Code = None) -> Response:
    ev = _build(db, settings, user, first, to, unit)
    units = list(db.scalars(select(Unit).order_by(Unit.code))) if user.role != "unit_contact" else []
    query = request.url.query
    return page(request, "evaluation.html", ev=ev, units=units, query=f"?{query}" if query else "",
                kind_label=kind_label, category_label=category_label, hours=hours, condition_label=condition_label)


@router.get("/evaluation.xlsx")
def evaluation_xlsx(db: SessionDep, settings: SettingsDep, user: WebUser,
                    first: Annotated[str | None, Query(alias="from", max_length=10)] = None, to: Day = None,
                    unit: Code = None) -> Response:
    ev = _build(db, settings, user, first, to, unit)
    return Response(render_xlsx(ev, settings.office_name), media_type=XLSX,
                    headers={"Content-Disposition": content_disposition(_name(ev, "xlsx"), "attachment")})


@router.get("/evaluation.pdf")
def evaluation_pdf(request: Request, db: SessionDep, settings: SettingsDep, user: WebUser,
                   first: Annotated[str | None, Query(alias="from", max_length=10)] = None, to: Day = None,
                   unit: Code = None) -> Response:
    ev = _build(db, settings, user, first, to, unit)
    pdf = render_pdf(ev, settings.office_name, settings.timezone, papers.zone_label(settings.timezone))
    unit_id = db.scalar(select(Unit.id).where(Unit.code == ev.unit_code)) if ev.unit_code else None
    name = _name(ev, "pdf")
    with unit_of_work(request.app.state.sessions, actor=user.username) as w:
        pdf = papers.store(w, kind="evaluation", unit_id=unit_id, request_id=None, filename=name,
                           content_type="application/pdf", content=pdf, actor=user.username).content
    return Response(pdf, media_type=PDF, headers={"Content-Disposition": content_disposition(name)})

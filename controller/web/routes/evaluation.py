"""The evaluation report page (SOP 001 *Evaluasi Pengelolaan Aset*): period and unit, the figures,
the XLSX download, and the PDF issued by a form post (the same services the API uses)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from ...api.downloads import XLSX, content_disposition, document_response
from ...documents.evaluation import category_label, hours, kind_label, render_xlsx
from ...documents.indonesian import condition_label
from ...errors import Invalid, NotFound
from ...models import Unit, User
from ...services import evaluation
from ...services.evaluation import Period
from ...settings import Settings
from .. import forms
from ..deps import FormDep, SessionDep, SettingsDep, WebUser
from ..render import gettext_for, page
from ..route import web_router
from ..session import flash

router = web_router()
From = Annotated[str | None, Query(alias="from", max_length=10)]
Day = Annotated[str | None, Query(max_length=10)]
Code = Annotated[str | None, Query(max_length=32)]


def _day(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"'{field}' is not a date (YYYY-MM-DD)", field=field) from None


def _chosen(db: SessionDep, settings: Settings, user: User, first: str | None, to: str | None,
            unit: str | None) -> tuple[Period, int | None]:
    """The period and the unit (after the role and unit check)."""
    unit_id = evaluation.unit_for(db, user, unit or None)
    return evaluation.period(settings, _day(first, "from"), _day(to, "to")), unit_id


@router.get("/evaluation")
def evaluation_page(request: Request, db: SessionDep, settings: SettingsDep, user: WebUser, first: From = None,
                    to: Day = None, unit: Code = None) -> Response:
    p, unit_id = _chosen(db, settings, user, first, to, unit)
    ev = evaluation.evaluate(db, settings, p, unit_id)
    units = list(db.scalars(select(Unit).order_by(Unit.code))) if user.role != "unit_contact" else []
    query = request.url.query
    return page(request, "evaluation.html", ev=ev, units=units, query=f"?{query}" if query else "",
                issued=evaluation.issued(db, p, unit_id), kind_label=kind_label, category_label=category_label,
                hours=hours, condition_label=condition_label)


@router.get("/evaluation.xlsx")
def evaluation_xlsx(db: SessionDep, settings: SettingsDep, user: WebUser, first: From = None, to: Day = None,
                    unit: Code = None) -> Response:
    ev = evaluation.evaluate(db, settings, *_chosen(db, settings, user, first, to, unit))
    return Response(render_xlsx(ev, settings.office_name), media_type=XLSX,
                    headers={"Content-Disposition": content_disposition(evaluation.filename(ev, "xlsx"), "attachment")})


@router.get("/evaluation.pdf")
def evaluation_pdf(db: SessionDep, settings: SettingsDep, user: WebUser, first: From = None, to: Day = None,
                   unit: Code = None) -> Response:
    """The latest PDF issued for the period and unit, as stored (reading it issues nothing)."""
    p, unit_id = _chosen(db, settings, user, first, to, unit)
    doc = evaluation.issued(db, p, unit_id)
    if doc is None:
        raise NotFound(f"no evaluation report issued for {p.first} to {p.last}: issue it from /evaluation")
    return document_response(db, user, doc.id)


@router.post("/evaluation.pdf")
def issue_evaluation_pdf(request: Request, form: FormDep, db: SessionDep, settings: SettingsDep,
                         user: WebUser) -> Response:
    """Issue the report as a PDF (a sealed, stored document), then back to the page, which links it."""
    first, to, unit = forms.text(form, "from"), forms.text(form, "to"), forms.text(form, "unit")
    p, unit_id = _chosen(db, settings, user, first, to, unit)
    doc = evaluation.issue(db, settings, p, unit_id, user.username)
    db.commit()
    _ = gettext_for(request)
    flash(request, "success", _("The evaluation report has been issued as document %(id)s.") % {"id": doc.id})
    back = {k: v for k, v in (("from", p.first.isoformat()), ("to", p.last.isoformat()), ("unit", unit)) if v}
    return RedirectResponse(f"/evaluation?{urlencode(back)}", status_code=303)

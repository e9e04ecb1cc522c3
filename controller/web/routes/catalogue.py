"""The helpdesk's catalogue as an admin page: divisions (*bidang*) and who works in them, and the
service items SOP 003 step 3 checks a ticket against. Every change goes through services.catalogue,
as the API's does."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import select
from starlette.responses import Response

from ...api.deps import Id
from ...domain.choices import Role
from ...domain.ticket_flow import Category
from ...models import User
from ...services import catalogue
from ...services.access import require_role
from .. import forms
from ..actions import act
from ..deps import FormDep, SessionDep, WebUser
from ..render import gettext_for, page
from ..route import web_router
from .tickets import ticket_words

router = web_router()
BACK = "/admin/catalogue"


def _admin(user: WebUser) -> User:
    require_role(user, (Role.admin,), "manage the service catalogue")
    return user


AdminUser = Annotated[User, Depends(_admin)]


def _done(request: Request, db: SessionDep, change: Any, data: dict[str, Any], message: str) -> Response:
    """Run one change; its refusal (an unknown division too) becomes a flash in the reader's language."""
    return act(request, db, lambda: change(db, data), BACK, message, passes=())


@router.get("/admin/catalogue")
def catalogue_page(request: Request, db: SessionDep, admin: AdminUser) -> Response:
    divisions = [catalogue.division_view(db, d) for d in catalogue.list_divisions(db)]
    services = [catalogue.service_view(db, s) for s in catalogue.list_services(db, active_only=False)]
    staff = list(db.scalars(select(User).where(User.role.in_(sorted(catalogue.MEMBER_ROLES)),
                                               User.is_active.is_(True)).order_by(User.full_name)))
    out = page(request, "admin/catalogue.html", divisions=divisions, services=services, staff=staff,
               categories=[c.value for c in Category], **ticket_words(request))
    db.commit()
    return out


@router.post("/admin/catalogue/divisions")
def create_division(request: Request, form: FormDep, db: SessionDep, admin: AdminUser) -> Response:
    _ = gettext_for(request)
    return _done(request, db, catalogue.create_division,
                 {"code": forms.text(form, "code") or "", "name": forms.text(form, "name") or ""},
                 _("The division has been created."))


@router.post("/admin/catalogue/divisions/{division_id}")
def update_division(division_id: Id, request: Request, form: FormDep, db: SessionDep, admin: AdminUser) -> Response:
    """Its name, whether it takes tickets, and its members (the ticked officers and division heads)."""
    _ = gettext_for(request)

    def change(session: Any, data: dict[str, Any]) -> None:
        catalogue.update_division(session, division_id, {k: v for k, v in data.items() if k != "usernames"})
        catalogue.set_members(session, division_id, {"usernames": data["usernames"]})

    data = {"name": forms.text(form, "name"), "is_active": form.get("is_active") == "1",
            "usernames": [str(v) for v in form.getlist("members")]}
    return _done(request, db, change, data, _("The division has been saved."))


def _service_data(form: Any) -> dict[str, Any]:
    data = {name: forms.text(form, name) for name in ("code", "name", "description", "category", "priority",
                                                       "division")}
    return {k: v for k, v in data.items() if v is not None}


@router.post("/admin/catalogue/services")
def create_service(request: Request, form: FormDep, db: SessionDep, admin: AdminUser) -> Response:
    _ = gettext_for(request)
    return _done(request, db, catalogue.create_service, _service_data(form), _("The service has been added."))


@router.post("/admin/catalogue/services/{service_id}")
def update_service(service_id: Id, request: Request, form: FormDep, db: SessionDep, admin: AdminUser) -> Response:
    _ = gettext_for(request)
    data = _service_data(form)
    data.pop("code", None)
    data["is_active"] = form.get("is_active") == "1"
    return _done(request, db, lambda session, d: catalogue.update_service(session, service_id, d), data,
                 _("The service has been saved."))


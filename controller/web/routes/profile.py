"""The reader's own profile: who they are to Titip, and how notices reach them by mail."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from ...errors import TitipError
from ...services import profile
from ..deps import FormDep, SessionDep, SettingsDep, WebUser
from ..labels import describe
from ..render import gettext_for, page
from ..route import web_router
from ..session import flash

router = web_router()


@router.get("/profile")
def show_profile(request: Request, user: WebUser, settings: SettingsDep) -> Response:
    return page(request, "profile.html", mail_on=settings.smtp_host is not None)


@router.post("/profile")
def save_profile(request: Request, form: FormDep, db: SessionDep, user: WebUser) -> Response:
    _ = gettext_for(request)
    choice = form.get("notice_mail")
    try:
        profile.set_notice_mail(db, user, choice if isinstance(choice, str) else "")
        db.commit()
    except TitipError as exc:
        db.rollback()
        message, detail = describe(exc, _)
        flash(request, "error", message, detail)
        return RedirectResponse("/profile", status_code=303)
    flash(request, "success", _("Saved: notices by mail %(how)s.")
          % {"how": _("as one daily digest") if choice == "digest" else _("as they come")})
    return RedirectResponse("/profile", status_code=303)


__all__ = ["router"]

"""The pages' route class: CSRF on every POST, and errors as pages instead of JSON.

The API's exception handlers answer in JSON for the whole app; a page's errors are caught
here, inside the route, so a browser gets a page in its language (or the login form).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..domain.workflow import RoleNotAllowed
from ..errors import Forbidden, Invalid, NotFound
from ..services.papers import MAX_LETTER_BYTES
from .render import gettext_for, page
from .session import CSRF_FIELD, CsrfFailed, LoginRequired, check_csrf, login_url

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
# A form's whole body: the largest letter the services accept plus the form's own fields.
MAX_BODY = MAX_LETTER_BYTES + 256 * 1024


def web_router() -> APIRouter:
    """A router for pages: WebRoute, no OpenAPI entries (the API documents itself), a body limit."""
    return APIRouter(route_class=WebRoute, include_in_schema=False, max_body_size=MAX_BODY)


class WebRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await guarded(request)
            finally:
                # An uploaded file is spooled to a temporary file: closed here even when the
                # route refused the request before reading it (a role's 403, a CSRF failure).
                form = getattr(request, "_form", None)
                if request.method == "POST" and form is not None:
                    await form.close()

        async def guarded(request: Request) -> Response:
            try:
                if request.method == "POST":
                    # Parsed once here and cached on the request for the route's own use.
                    form = await request.form()
                    check_csrf(request, form.get(CSRF_FIELD))
                return await handler(request)
            except LoginRequired:
                return RedirectResponse(login_url(request), status_code=303)
            except CsrfFailed:
                _ = gettext_for(request)
                return error_page(request, 403, _("The form has expired or did not come from Titip. "
                                                  "Please open the page again and retry."))
            except (NotFound, RequestValidationError):  # a malformed id or period names no page
                _ = gettext_for(request)
                return error_page(request, 404, _("This page does not exist, or it is not yours to see."))
            except Invalid as exc:  # a list's bad ?sort= or ?page=: say which parameter
                from .labels import field_label
                _ = gettext_for(request)
                return error_page(request, 400, _("Invalid value for %(field)s.")
                                  % {"field": field_label(exc.field, _) or "-"})
            except (Forbidden, RoleNotAllowed):
                _ = gettext_for(request)
                return error_page(request, 403, _("Your role may not open this page."))

        return route


def error_page(request: Request, status: int, message: str) -> Response:
    return page(request, "error.html", status_code=status, status=status, message=message)

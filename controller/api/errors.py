"""Every error becomes a JSON body that says what was wrong and which field: one place."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..domain.workflow import AlreadySigned, IllegalMove, InvalidData, MissingData, RoleNotAllowed
from ..errors import TitipError, TooManyRequests, Unauthorized


def _field(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


def install(app: FastAPI) -> None:
    @app.exception_handler(TitipError)
    async def _titip(_: Request, exc: TitipError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
        if isinstance(exc, TooManyRequests):
            headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse(exc.body(), status_code=exc.status, headers=headers)

    @app.exception_handler(IllegalMove)
    async def _illegal(_: Request, exc: IllegalMove) -> JSONResponse:
        return JSONResponse({"detail": f"'{exc.action}' is not possible in state '{exc.state}'",
                             "state": exc.state, "allowed_actions": sorted(exc.allowed)}, status_code=409)

    @app.exception_handler(RoleNotAllowed)
    async def _role(_: Request, exc: RoleNotAllowed) -> JSONResponse:
        return JSONResponse({"detail": f"role '{exc.role}' may not take '{exc.action}'",
                             "allowed_roles": sorted(exc.allowed), "allowed_actions": sorted(exc.actions)},
                            status_code=403)

    @app.exception_handler(AlreadySigned)
    async def _signed(_: Request, exc: AlreadySigned) -> JSONResponse:
        return JSONResponse({"detail": f"'{exc.role}' has already signed; waiting for {sorted(exc.pending)}",
                             "allowed_actions": []}, status_code=409)

    @app.exception_handler(MissingData)
    async def _missing(_: Request, exc: MissingData) -> JSONResponse:
        fields = list(exc.fields)
        return JSONResponse({"detail": f"'{exc.action}' needs {', '.join(fields)}", "field": fields[0],
                             "errors": [{"field": f, "message": "required"} for f in fields]}, status_code=422)

    @app.exception_handler(InvalidData)
    async def _bad(_: Request, exc: InvalidData) -> JSONResponse:
        return JSONResponse({"detail": f"{exc.field}: {exc.reason}", "field": exc.field}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid")}
                  for e in exc.errors()]
        first = errors[0] if errors else {"field": "", "message": "invalid request"}
        return JSONResponse(
            {"detail": f"{first['field']}: {first['message']}", "field": first["field"], "errors": errors},
            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        return JSONResponse({"detail": "the change conflicts with existing records"}, status_code=409)

    @app.exception_handler(OperationalError)
    async def _busy(_: Request, exc: OperationalError) -> JSONResponse:
        return JSONResponse({"detail": "the database is busy; try again"}, status_code=503,
                            headers={"Retry-After": "1"})

"""The office set-up in pages: units, users, rooms and racks, agents and targets, asset data,
the audit trail, the reconciliation and the import of an existing server room.

Every change goes through the services the API uses (setup, agents, targets, assets, importer),
with the API's role rules: the set-up and the import are the admin's; agents, targets and asset
data are the space managers' (admin, officer); the audit trail is the admin's and the heads'.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from ... import audit
from ...api.deps import Id
from ...api.routes.assets import ReconciliationReportIn
from ...api.schemas import RackIn, RoomIn, UnitIn, UserIn
from ...documents.reconciliation import render_xlsx
from ...domain.choices import REGISTER_KEEPERS, SPACE_MANAGERS, STAFF_ROLES, Role
from ...errors import Invalid, NotFound
from ...models import AuditEvent, Rack, Room, Server, Unit, User
from ...models.base import utcnow
from ...services import agents, assets, importer, reconciliation_report, setup, targets
from ...services.access import require_role
from ...services.inventory import period_of
from ...services.lifecycle import asset_record
from ...services.lifecycle_payloads import AssetFields
from ...settings import Settings
from .. import forms
from ..actions import REFUSALS, act
from ..deps import FormDep, SessionDep, SettingsDep, WebUser
from ..i18n import N_
from ..labels import Gettext, describe
from ..render import gettext_for, page
from ..route import web_router
from ..session import flash

router = web_router()


def _roles(*roles: str, what: str) -> Callable[[User], User]:
    def check(user: WebUser) -> User:
        require_role(user, roles, what)
        return user
    return check


AdminUser = Annotated[User, Depends(_roles(Role.admin, what="manage the office set-up"))]
SpaceManager = Annotated[User, Depends(_roles(*sorted(SPACE_MANAGERS), what="manage agents, targets and assets"))]
RegisterKeeper = Annotated[User, Depends(_roles(*sorted(REGISTER_KEEPERS), what="keep the asset register"))]
AuditReader = Annotated[User, Depends(_roles(Role.admin, Role.head, Role.division_head, what="read the audit trail"))]
StaffUser = Annotated[User, Depends(_roles(*sorted(STAFF_ROLES), what="see the server room"))]

# The password policy's reasons (security.password_problem), for people.
PASSWORD_PROBLEMS: dict[str, str] = {
    "at least": N_("The password is too short (at least 12 characters)."),
    "a commonly used password": N_("The password is a commonly used one; choose another."),
    "too repetitive": N_("The password is too repetitive; choose a longer phrase."),
    "must not contain the username": N_("The password must not contain the username."),
}


# The fields of these pages that the shared labels (web.labels.FIELDS) do not name.
FIELD_LABELS: dict[str, str] = {
    "community": N_("SNMP community"), "user": N_("SNMPv3 user"), "auth_key": N_("SNMPv3 authentication key"),
    "priv_key": N_("SNMPv3 privacy key"), "username": N_("SSH user"), "password": N_("Password"),
    "address": N_("Address"), "port": N_("Port"), "acquired_on": N_("Acquired on"),
    "acquisition_value": N_("Acquisition value (Rp)"), "asset_code": N_("Asset code"), "code": N_("Unit code"),
    "full_name": N_("Full name"), "power_capacity_w": N_("Power capacity (W)"),
}


def _describe(exc: Exception, _: Gettext) -> tuple[str, str | None]:
    """A refused change in the reader's language, with the service's detail: the admin forms'
    own words for a weak password and their field names, else the common ones."""
    if isinstance(exc, Invalid) and exc.field == "password":
        for start, text in PASSWORD_PROBLEMS.items():
            if start in exc.message:
                return _(text), None
    if isinstance(exc, Invalid) and exc.field in FIELD_LABELS:
        return _("Invalid value for %(field)s.") % {"field": _(FIELD_LABELS[exc.field])}, exc.message
    return describe(exc, _)


def _change(request: Request, db: Session, back: str, work: Callable[[], object], success: str) -> Response:
    """Run one change, commit it and say so; a refusal is rolled back and shown on `back`."""
    return act(request, db, work, back, gettext_for(request)(success), explain=_describe)


@router.get("/admin")
def index(request: Request, user: AdminUser) -> Response:
    return page(request, "admin/index.html", period=period_of(utcnow(), request.app.state.settings.timezone))


# --- units -----------------------------------------------------------------------------------

@router.get("/admin/units")
def units(request: Request, db: SessionDep, user: AdminUser) -> Response:
    return page(request, "admin/units.html", units=list(db.scalars(select(Unit).order_by(Unit.code))))


@router.post("/admin/units")
def create_unit(request: Request, form: FormDep, db: SessionDep, user: AdminUser) -> Response:
    def work() -> None:
        body = forms.validate(UnitIn, {"code": forms.text(form, "code"), "name": forms.text(form, "name")})
        setup.create_unit(db, body.code, body.name)
    return _change(request, db, "/admin/units", work, N_("The unit has been created."))


@router.post("/admin/units/{unit_id}")
def rename_unit(unit_id: Id, request: Request, form: FormDep, db: SessionDep, user: AdminUser) -> Response:
    def work() -> None:
        body = forms.validate(UnitIn, {"code": forms.text(form, "code"), "name": forms.text(form, "name")})
        setup.update_unit(db, unit_id, {"code": body.code, "name": body.name})
    return _change(request, db, "/admin/units", work, N_("The unit has been saved."))


# --- users -----------------------------------------------------------------------------------

@router.get("/admin/users")
def users(request: Request, db: SessionDep, user: AdminUser) -> Response:
    return page(request, "admin/users.html", users=list(db.scalars(select(User).order_by(User.username))),
                units=list(db.scalars(select(Unit).order_by(Unit.code))), roles=[r.value for r in Role])


@router.post("/admin/users")
def create_user(request: Request, form: FormDep, db: SessionDep, user: AdminUser) -> Response:
    def work() -> None:
        data = {k: forms.text(form, k) for k in ("username", "role", "full_name", "nip", "email", "unit_code")}
        password = form.get("password")   # as typed: spaces are part of a passphrase
        data["password"] = password if isinstance(password, str) else None
        setup.create_user(db, **forms.validate(UserIn, data).model_dump())
    return _change(request, db, "/admin/users", work, N_("The user has been created."))


@router.post("/admin/users/{user_id}/deactivate")
def deactivate_user(user_id: Id, request: Request, db: SessionDep, user: AdminUser) -> Response:
    def work() -> None:
        if user_id == user.id:
            raise Invalid("an admin cannot deactivate their own account", field="user")
        setup.deactivate_user(db, user_id)
    return _change(request, db, "/admin/users", work, N_("The user has been deactivated; their sessions ended."))


@router.post("/admin/users/{user_id}/password")
def reset_password(user_id: Id, request: Request, form: FormDep, db: SessionDep, user: AdminUser) -> Response:
    def work() -> None:
        password = form.get("password")
        if not isinstance(password, str) or not password:
            raise Invalid("password: required", field="password")
        setup.update_user(db, user_id, {"password": password})
    return _change(request, db, "/admin/users", work, N_("The password has been reset; the user's sessions ended."))


# --- rooms and racks -------------------------------------------------------------------------

@router.get("/admin/racks")
def racks(request: Request, db: SessionDep, user: AdminUser) -> Response:
    rooms = list(db.scalars(select(Room).order_by(Room.name)))
    by_room = {r.id: list(db.scalars(select(Rack).where(Rack.room_id == r.id).order_by(Rack.name))) for r in rooms}
    from ...services.space import rack_power_used
    used = {rack.id: rack_power_used(db, rack.id) for rs in by_room.values() for rack in rs}
    out = page(request, "admin/racks.html", rooms=rooms, by_room=by_room, used=used)
    db.commit()
    return out


@router.post("/admin/rooms")
def create_room(request: Request, form: FormDep, db: SessionDep, user: AdminUser) -> Response:
    def work() -> None:
        setup.create_room(db, forms.validate(RoomIn, {"name": forms.text(form, "name")}).name)
    return _change(request, db, "/admin/racks", work, N_("The room has been created."))


@router.post("/admin/rooms/{room_id}")
def rename_room(room_id: Id, request: Request, form: FormDep, db: SessionDep, user: AdminUser) -> Response:
    def work() -> None:
        setup.update_room(db, room_id, forms.validate(RoomIn, {"name": forms.text(form, "name")}).name)
    return _change(request, db, "/admin/racks", work, N_("The room has been saved."))


def _rack_form(form: FormData) -> dict[str, Any]:
    return {"name": forms.text(form, "name"), "height_u": forms.number(form, "height_u"),
            "power_capacity_w": forms.number(form, "power_capacity_w")}


@router.post("/admin/racks")
def create_rack(request: Request, form: FormDep, db: SessionDep, user: AdminUser) -> Response:
    def work() -> None:
        body = forms.validate(RackIn, {"room_id": forms.number(form, "room_id"), **_rack_form(form)})
        setup.create_rack(db, body.room_id, body.name, body.height_u, body.power_capacity_w)
    return _change(request, db, "/admin/racks", work, N_("The rack has been created."))


@router.post("/admin/racks/{rack_id}")
def edit_rack(rack_id: Id, request: Request, form: FormDep, db: SessionDep, user: AdminUser) -> Response:
    """Name, height and power capacity; an empty capacity means no limit."""
    def work() -> None:
        rack = db.get(Rack, rack_id)
        if rack is None:
            raise NotFound(f"rack {rack_id} not found")
        body = forms.validate(RackIn, {"room_id": rack.room_id, **_rack_form(form)})
        setup.update_rack(db, rack_id, {"name": body.name, "height_u": body.height_u})
        if body.power_capacity_w is None:
            rack.power_capacity_w = None
        else:
            setup.update_rack(db, rack_id, {"power_capacity_w": body.power_capacity_w})
    return _change(request, db, "/admin/racks", work, N_("The rack has been saved."))


# --- servers: agents, targets, asset data ----------------------------------------------------

@router.get("/admin/servers")
def servers(request: Request, db: SessionDep, user: RegisterKeeper) -> Response:
    rows = list(db.scalars(select(Server).order_by(Server.id).limit(5000)))
    return page(request, "admin/servers.html", servers=rows)


def _server_page(request: Request, db: Session, server_id: int, token: str | None = None,
                 status_code: int = 200) -> Response:
    server = db.get(Server, server_id)
    if server is None:
        raise NotFound(f"server {server_id} not found")
    from ...models import Agent
    enrolled = list(db.scalars(select(Agent).where(Agent.server_id == server_id).order_by(Agent.id)))
    base = str(request.base_url).rstrip("/")
    command = None
    if token:
        command = f"titip-agent enroll --controller {base} --token {token}"
        if base.startswith("http://") and not _loopback(request.url.hostname):
            command += " --allow-insecure-http"
    out = page(request, "admin/server.html", server=server, token=token, command=command, agents=enrolled,
               targets=targets.active(db, server_id), record=asset_record(db, server_id), status_code=status_code)
    db.commit()
    return out


def _loopback(host: str | None) -> bool:
    """As the agent decides (agent.client.is_loopback): plain HTTP needs no flag to a loopback host."""
    import ipaddress
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@router.get("/admin/servers/{server_id}")
def server(server_id: Id, request: Request, db: SessionDep, user: RegisterKeeper) -> Response:
    return _server_page(request, db, server_id)


@router.post("/admin/servers/{server_id}/enrollment-token")
def make_token(server_id: Id, request: Request, db: SessionDep, user: SpaceManager) -> Response:
    """The token is in this answer only (stored as a hash): shown once, never on a later page."""
    token, _row = agents.make_enrollment_token(db, user, server_id, 24)
    db.commit()
    return _server_page(request, db, server_id, token=token)


TARGET_FIELDS = ("kind", "role", "site", "address", "port", "version", "community", "user", "auth_protocol",
                 "auth_key", "priv_protocol", "priv_key", "username", "password", "private_key", "passphrase",
                 "device_type")


@router.post("/admin/servers/{server_id}/targets")
def add_target(server_id: Id, request: Request, form: FormDep, db: SessionDep, settings: SettingsDep,
               user: SpaceManager) -> Response:
    """The secrets go in sealed and never come back to any page."""
    def work() -> None:
        data: dict[str, Any] = {}
        for key in TARGET_FIELDS:
            value = form.get(key)
            if isinstance(value, str) and value.strip():
                data[key] = value if key in targets.SECRET_FIELDS else value.strip()
        if "port" in data:
            data["port"] = forms.number(form, "port")
        if data.get("kind") == "ssh":
            for key in ("version", "community", "user", "auth_protocol", "auth_key", "priv_protocol", "priv_key"):
                data.pop(key, None)
        elif data.get("kind") == "snmp":
            for key in ("username", "password", "private_key", "passphrase", "device_type"):
                data.pop(key, None)
            if data.get("version") != "3":
                for key in ("user", "auth_key", "priv_key", "auth_protocol", "priv_protocol"):
                    data.pop(key, None)
        _check_credentials(data)
        targets.create(db, settings, user, server_id, targets.parse(data))
    return _change(request, db, f"/admin/servers/{server_id}", work,
                   N_("The target has been added; its secrets are stored sealed and are not shown again."))


def _check_credentials(data: dict[str, Any]) -> None:
    """The target models' whole-body rules, named by the first field missing (for the page)."""
    if data.get("kind") == "snmp":
        needed = ("user", "auth_key", "priv_key") if data.get("version") == "3" else ("community",)
        for key in needed:
            if not data.get(key):
                raise Invalid(f"{key}: required for SNMP v{data.get('version') or '2c'}", field=key)
    elif data.get("kind") == "ssh" and not (data.get("password") or data.get("private_key")):
        raise Invalid("SSH needs a password or a private key", field="password")


@router.post("/admin/targets/{target_id}/retire")
def retire_target(target_id: Id, request: Request, db: SessionDep, user: SpaceManager) -> Response:
    from ...models import CollectionTarget
    t = db.get(CollectionTarget, target_id)
    if t is None:
        raise NotFound(f"target {target_id} not found")
    back = f"/admin/servers/{t.server_id}"
    return _change(request, db, back, lambda: targets.retire(db, target_id), N_("The target has been removed."))


@router.post("/admin/servers/{server_id}/asset")
def set_asset(server_id: Id, request: Request, form: FormDep, db: SessionDep, user: RegisterKeeper) -> Response:
    def work() -> None:
        data = {k: forms.text(form, k) for k in ("asset_code", "nup", "owner", "acquired_on", "acquisition_value")}
        if data["owner"] != "office" and (data["acquired_on"] or data["acquisition_value"]):
            raise Invalid("acquisition date and value are recorded for office-owned servers only",
                          field="acquired_on" if data["acquired_on"] else "acquisition_value")
        assets.set_asset(db, user, server_id, forms.validate(AssetFields, data))
    return _change(request, db, f"/admin/servers/{server_id}", work, N_("The asset data has been saved."))


# --- audit trail ------------------------------------------------------------------------------

@router.get("/admin/audit")
def audit_log(request: Request, db: SessionDep, settings: SettingsDep, user: AuditReader,
              entity: Annotated[str | None, Query(max_length=64)] = None,
              actor: Annotated[str | None, Query(max_length=64)] = None,
              day_from: Annotated[date | None, Query(alias="from")] = None,
              day_to: Annotated[date | None, Query(alias="to")] = None,
              offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> Response:
    return _audit_page(request, db, settings, entity, actor, day_from, day_to, offset)


def _audit_page(request: Request, db: Session, settings: Settings, entity: str | None, actor: str | None,
                day_from: date | None, day_to: date | None, offset: int,
                verified: dict[str, Any] | None = None) -> Response:
    tz = ZoneInfo(settings.timezone)
    stmt = select(AuditEvent).order_by(AuditEvent.seq.desc())
    if entity:
        stmt = stmt.where(AuditEvent.entity == entity.strip())
    if actor:
        stmt = stmt.where(AuditEvent.actor == actor.strip())
    if day_from:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(day_from, time(), tz))
    if day_to:
        stmt = stmt.where(AuditEvent.at < datetime.combine(day_to + timedelta(days=1), time(), tz))
    from ...services.common import page as paged
    limit = 100
    events, total = paged(db, stmt, offset, limit)
    entities = sorted(db.scalars(select(AuditEvent.entity).distinct()))
    out = page(request, "admin/audit.html", events=events, total=total, offset=offset, limit=limit,
               entities=entities, filters={"entity": entity or "", "actor": actor or "",
                                           "from": day_from.isoformat() if day_from else "",
                                           "to": day_to.isoformat() if day_to else ""},
               verified=verified)
    db.commit()
    return out


@router.post("/admin/audit/verify")
def audit_verify(request: Request, db: SessionDep, settings: SettingsDep, user: AuditReader) -> Response:
    """The keyed chain and every stored document, as `GET /api/v1/audit/verify` checks them."""
    result = audit.verify(db)
    checked_docs, problems = audit.verify_documents(db)
    verified = {"ok": result.ok and not problems, "checked": result.checked, "first_bad_seq": result.first_bad_seq,
                "reason": result.reason, "documents_checked": checked_docs, "documents_altered": problems}
    return _audit_page(request, db, settings, None, None, None, None, 0, verified=verified)


# --- reconciliation --------------------------------------------------------------------------

@router.get("/admin/reconciliation")
def reconciliation_page(request: Request, db: SessionDep, settings: SettingsDep, user: StaffUser,
                        period: Annotated[str | None, Query(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")] = None
                        ) -> Response:
    """The unsigned XLSX of a month, the monthly reports issued to the Asisten (each a download),
    and, for the property manager and the admin, the form that issues one."""
    return page(request, "admin/reconciliation.html", reports=reconciliation_report.issued(db),
                period=period or period_of(utcnow(), settings.timezone),
                can_issue=user.role in reconciliation_report.ISSUERS, addressee=settings.reconciliation_addressee)


@router.post("/admin/reconciliation/reports")
def issue_reconciliation_report(request: Request, form: FormDep, db: SessionDep, settings: SettingsDep,
                                user: StaffUser) -> Response:
    """Issue the month's report, as `POST /api/v1/reconciliation-reports` (its rules, its refusals)."""
    require_role(user, reconciliation_report.ISSUERS, "issue the reconciliation report")
    _ = gettext_for(request)

    def work() -> None:
        body = forms.validate(ReconciliationReportIn, {k: forms.text(form, k)
                                                       for k in ("period", "name", "nip", "position")})
        reconciliation_report.issue(db, settings, user, body.period, body.name, body.nip, body.position)

    return act(request, db, work, "/admin/reconciliation", _("The reconciliation report has been issued."))


@router.get("/admin/reconciliation.xlsx")
def reconciliation(db: SessionDep, settings: SettingsDep, user: StaffUser,
                   period: Annotated[str, Query(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]) -> Response:
    """The register against the latest inventory run up to `period`, as the API's download."""
    rep = assets.reconciliation(db, settings, period)
    db.commit()
    return Response(render_xlsx(rep), media_type=importer.XLSX_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="rekonsiliasi_{period}.xlsx"',
                             "Cache-Control": "private, no-store"})


# --- import ----------------------------------------------------------------------------------

@router.get("/admin/import")
def import_form(request: Request, user: AdminUser) -> Response:
    return page(request, "admin/import.html", plan=None, outcome=None)


@router.get("/admin/import/template.xlsx")
def import_template(user: AdminUser) -> Response:
    return Response(importer.template_xlsx(), media_type=importer.XLSX_TYPE,
                    headers={"Content-Disposition": 'attachment; filename="templat_impor_titip.xlsx"',
                             "Cache-Control": "private, no-store"})


@router.post("/admin/import")
def import_check(request: Request, form: FormDep, db: SessionDep, user: AdminUser) -> Response:
    """The dry run: every row's errors, nothing written. The file rides along in the form for the apply."""
    upload = form.get("file")
    _ = gettext_for(request)
    if not isinstance(upload, UploadFile) or not upload.filename:
        flash(request, "error", _("Choose a spreadsheet file (.xlsx or .csv)."))
        return RedirectResponse("/admin/import", status_code=303)
    try:
        content = upload.file.read(importer.MAX_FILE_BYTES + 1)
    finally:
        upload.file.close()   # the form's spooled file: closed here, not left to the collector
    return _import(request, db, user, content, upload.filename, apply_it=False, accept_valid=False)


@router.post("/admin/import/apply")
def import_apply(request: Request, form: FormDep, db: SessionDep, user: AdminUser) -> Response:
    """Checked again from the bytes themselves, then written (all rows, or the valid ones if accepted)."""
    try:
        content = base64.b64decode(forms.text(form, "content") or "", validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("content: not the file of the dry run", field="file") from None
    filename = forms.text(form, "filename") or "impor.xlsx"
    return _import(request, db, user, content, filename, apply_it=True, accept_valid=form.get("accept_valid") == "1")


def _import(request: Request, db: Session, user: User, content: bytes, filename: str, apply_it: bool,
            accept_valid: bool) -> Response:
    _ = gettext_for(request)
    try:
        today = utcnow().astimezone(ZoneInfo(request.app.state.settings.timezone)).date()
        result, outcome = importer.run(db, user, content, filename, apply_it, accept_valid, today)
    except importer.FileUnreadable as exc:
        db.rollback()
        return page(request, "admin/import.html", status_code=422, plan=None, outcome=None,
                    unreadable=f"{filename}: {exc}")
    except REFUSALS as exc:   # a race with another writer since the dry run
        db.rollback()
        flash(request, "error", *_describe(exc, _))
        return RedirectResponse("/admin/import", status_code=303)
    if outcome is not None:
        db.commit()
        flash(request, "success", _("Import done: %(n)s servers written.") % {"n": outcome.servers})
    else:
        db.rollback()
    return page(request, "admin/import.html", status_code=200 if not result.errors or outcome else 422,
                plan=result, outcome=outcome, filename=filename, applied=apply_it,
                content=base64.b64encode(content).decode() if outcome is None else None)


__all__ = ["router"]

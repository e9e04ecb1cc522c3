"""The asset register for office staff, open lifecycle cases, and the asset card as a download.

Reads go through `services.assets` and `services.lifecycle` with the API's checks: the register
is for staff; the card is for staff and the server's own unit (another unit's server is a 404).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from ... import validation
from ...api.deps import Id
from ...api.schemas import ServerIn
from ...documents.asset_card import render_card_pdf
from ...domain.asset_kinds import KIND_LABELS as KIND_LABELS_ASSET, AssetKind, takes_rack_space
from ...domain.choices import CONDITION_LABELS, REGISTER_KEEPERS, Condition
from ...domain.lifecycle_flow import FLOWS, KIND_LABELS, LABELS
from ...models import Server, Unit, User
from ...models.assets import AssetRecord
from ...models.base import utcnow
from ...services import assets, lifecycle, servers
from ...settings import Settings
from .. import asset_forms, views
from ..actions import Refusal, change
from ..deps import FormDep, SessionDep, SettingsDep, StaffUser, WebUser, _roles
from ..i18n import N_, label
from ..listing import ListQuery, ListSpec, export, pager
from ..render import gettext_for, page
from ..route import web_router
from ..session import flash, lang_of

router = web_router()
Keeper = Annotated[User, Depends(_roles(*sorted(REGISTER_KEEPERS), what="register assets"))]

OWNERS: dict[str, str] = {"office": N_("Office"), "unit": N_("Unit")}


def open_cases(db: Session, settings: Settings, user: User, lang: str) -> list[dict[str, Any]]:
    """Maintenance, transfer and disposal cases still under way, with their state and due time:
    overdue first, then by due time, then the longest waiting."""
    rows: list[dict[str, Any]] = []
    now = utcnow()
    for kind, flow in FLOWS.items():
        model: Any = lifecycle.KINDS[kind].model
        stmt = lifecycle.list_stmt(user, kind).where(model.state.not_in(sorted(flow.terminal_states)))
        for case in db.scalars(stmt.limit(500)):
            state = LABELS[kind].get(case.state)
            rows.append({"kind": kind, "kind_label": label(KIND_LABELS[kind], lang), "id": case.id,
                         "server": case.server, "state": case.state, "state_since": case.state_since,
                         "state_label": {"text": label(state, lang) if state else case.state,
                                         "colour": state.colour if state else "grey"},
                         "created_by": case.created_by, **lifecycle.timing(settings, kind, case, now),
                         "allowed_actions": lifecycle.allowed_actions(user, kind, case)})
    far = datetime.max.replace(tzinfo=UTC)
    rows.sort(key=lambda r: (not r["overdue"], r["due_at"] or far, r["state_since"]))
    return rows


ASSETS = ListSpec(
    sorts={"id": Server.id, "serial": Server.serial_number, "asset_code": AssetRecord.asset_code,
           "nup": AssetRecord.nup, "unit": Unit.code, "condition": Server.condition},
    default_sort="id",
    text=(Server.serial_number, Server.brand, Server.model, Server.hostname, AssetRecord.asset_code, AssetRecord.nup),
    state=Server.condition, states=[c.value for c in Condition], unit=Server.unit_id,
    joins=(lambda st: st.join(Unit, Unit.id == Server.unit_id),))
EXPORT_HEADER = ("No", "Unit", "Merek / model", "Nomor seri", "Kode barang", "NUP", "Pemilik", "Lokasi", "Kondisi",
                 "Dihapus")


@router.get("/assets")
def register(request: Request, db: SessionDep, settings: SettingsDep, user: StaffUser,
             include_disposed: Annotated[bool, Query()] = False, kind: Annotated[AssetKind | None, Query()] = None
             ) -> Response:
    """The register (`GET /api/v1/assets` for people), with each server's card and the open cases;
    filtered, sorted and paged in SQL (web.listing), exported with ?format=csv|xlsx."""
    _ = gettext_for(request)
    lang = lang_of(request)
    lq = ListQuery.parse(request, ASSETS, keep=("include_disposed", "kind"))
    stmt = lq.apply(assets.register_stmt(user, include_disposed), ASSETS)
    if kind is not None:
        stmt = stmt.where(Server.kind == kind)
    owner_label = lambda o: _(OWNERS[o]) if o in OWNERS else (o or "-")  # noqa: E731
    if lq.format:
        rows = lq.all_of(db, stmt)
        where = views.placements(db, [s.id for s, _rec in rows])
        out = export("register_aset", EXPORT_HEADER, [
            (s.id, s.unit.code, f"{s.brand} {s.model}", s.serial_number, rec.asset_code if rec else None,
             rec.nup if rec else None, owner_label(rec.owner if rec else "unit"),
             f"{where[s.id].rack.name} U{where[s.id].u_bottom}-U{where[s.id].u_top}" if s.id in where else None,
             label(CONDITION_LABELS[Condition(s.condition)], lang) if s.condition in set(Condition) else s.condition,
             rec.disposed_at if rec else None) for s, rec in rows], lq.format)
        db.commit()
        return out
    rows, total = lq.page_of(db, stmt)
    where = views.placements(db, [s.id for s, _rec in rows])
    cases = open_cases(db, settings, user, lang)
    units = list(db.scalars(select(Unit).order_by(Unit.code)))
    reqs = views.requests_by_server(db, [s.id for s, _rec in rows])
    out = page(request, "assets.html", rows=rows, placements=where, cases=cases, include_disposed=include_disposed,
               reqs=reqs,
               owner_label=owner_label, lq=lq, pager=pager(lq, "/assets", total), units=units, states=ASSETS.states,
               kind=kind, kinds=list(AssetKind), may_register=user.role in REGISTER_KEEPERS,
               state_text=lambda c: label(CONDITION_LABELS[Condition(c)], lang))
    db.commit()
    return out


@router.get("/assets/new")
def new_asset(request: Request, db: SessionDep, user: Keeper,
              kind: Annotated[AssetKind, Query()] = AssetKind.network_device) -> Response:
    """Register an asset that does not come in through custody: a switch, a UPS, a laptop, a licence."""
    units = list(db.scalars(select(Unit).order_by(Unit.code)))
    out = page(request, "asset_new.html", kind=kind, kinds=list(AssetKind), units=units,
               fields=asset_forms.kind_fields(kind), choice=lambda v: asset_forms.CHOICES.get(v, v),
               rack=takes_rack_space(kind))
    db.commit()
    return out


@router.post("/assets/new")
def create_asset(request: Request, form: FormDep, db: SessionDep, settings: SettingsDep, user: Keeper,
                 kind: Annotated[AssetKind, Query()]) -> Response:
    _ = gettext_for(request)

    def work() -> tuple[int, ServerIn]:
        body = validation.parse(ServerIn, asset_forms.asset_data(kind, form))
        return servers.create_server(db, user, body.model_dump(), settings).id, body

    outcome = change(request, db, work, passes=())   # every refusal is said on the form, an unknown unit too
    if isinstance(outcome, Refusal):
        flash(request, "error", outcome.message, outcome.detail)
        return RedirectResponse(f"/assets/new?kind={kind}", status_code=303)
    asset_id, body = outcome
    flash(request, "success", _("%(kind)s %(serial)s has been registered.")
          % {"kind": label(KIND_LABELS_ASSET[kind], lang_of(request)), "serial": body.serial_number})
    return RedirectResponse(f"/servers/{asset_id}", status_code=303)


@router.get("/servers/{server_id}/asset-card.pdf")
def asset_card(server_id: Id, db: SessionDep, settings: SettingsDep, user: WebUser) -> Response:
    """The printable kartu inventaris, as the API's download (services.assets.card checks the unit)."""
    card = assets.card(db, settings, user, server_id)
    db.commit()
    return Response(render_card_pdf(card), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="kartu_inventaris_{server_id}.pdf"',
                             "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


__all__ = ["router"]

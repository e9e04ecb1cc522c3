"""The asset lifecycle over HTTP: asset fields and card, maintenance, transfer, disposal, reconciliation.

Every rule lives in services.lifecycle and services.assets; the three case types share one shape
(``POST`` opens, ``GET`` reads, ``POST .../actions/{action}`` moves), as custody requests do.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Path, Query, Response, UploadFile
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from ...documents.asset_card import render_card_pdf
from ...documents.reconciliation import render_xlsx
from ...domain.choices import Role
from ...domain.lifecycle_flow import LABELS
from ...models import User
from ...models.assets import LifecycleStep, MaintenancePart
from ...services import assets, case_letters, lifecycle
from ...services.access import require_role
from ...services.common import page
from ...services.lifecycle_payloads import AssetFields, validate
from ...settings import Settings
from ..deps import CurrentUser, Id, PagingDep, SessionDep, SettingsDep, StaffUser

router = APIRouter(tags=["assets"])


def _officer(user: CurrentUser) -> User:
    require_role(user, (Role.officer, Role.property_manager), "record asset data")
    return user


OfficerUser = Annotated[User, Depends(_officer)]
Period = Annotated[str, Path(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", examples=["2026-11"])]
Payload = Annotated[dict[str, Any] | None, Body()]


def case_view(db: Session, settings: Settings, user: User, kind: str, case) -> dict[str, Any]:
    label = LABELS[kind][case.state]
    out: dict[str, Any] = {c.key: getattr(case, c.key) for c in inspect(type(case)).column_attrs}
    server = case.server
    out.update(kind=kind, state_label={"id": label.id, "en": label.en, "colour": label.colour},
               server={"serial_number": server.serial_number, "brand": server.brand, "model": server.model,
                       "unit_code": server.unit.code, "condition": server.condition},
               allowed_actions=lifecycle.allowed_actions(user, kind, case), **lifecycle.timing(settings, kind, case))
    out["history"] = [{"action": s.action, "actor": s.actor, "role": s.role, "from": s.from_state,
                       "to": s.to_state, "time": s.at, "note": s.note}
                      for s in db.scalars(select(LifecycleStep).where(
                          LifecycleStep.kind == kind, LifecycleStep.case_id == case.id).order_by(LifecycleStep.id))]
    if kind == "maintenance":
        out["parts"] = [{"name": p.name, "quantity": p.quantity, "serial_removed": p.serial_removed,
                         "serial_installed": p.serial_installed}
                        for p in db.scalars(select(MaintenancePart).where(MaintenancePart.case_id == case.id))]
    out["documents"] = [{"id": d.id, "kind": d.kind, "number": d.number, "filename": d.filename,
                         "sha256": d.sha256, "url": f"/api/v1/documents/{d.id}"}
                        for d in case_letters.documents_of(db, kind, case)]
    return out


# --- the three case types ------------------------------------------------------------------

def _open(kind: str, db, settings, user, body) -> dict:
    out = case_view(db, settings, user, kind, lifecycle.open_case(db, settings, user, kind, body))
    db.commit()
    return out


def _list(kind: str, db, settings, user, paging, state, server_id) -> dict:
    items, total = page(db, lifecycle.list_stmt(user, kind, state, server_id), paging.offset, paging.limit)
    out = [case_view(db, settings, user, kind, c) for c in items]
    db.commit()
    return {"items": out, "total": total, "offset": paging.offset, "limit": paging.limit}


def _get(kind: str, db, settings, user, case_id) -> dict:
    out = case_view(db, settings, user, kind, lifecycle.get_case(db, user, kind, case_id))
    db.commit()
    return out


def _act(kind: str, db, settings, user, case_id, action, body) -> dict:
    case, _ = lifecycle.apply(db, settings, user, kind, case_id, action, body)
    out = case_view(db, settings, user, kind, case)
    db.commit()
    return out


State = Annotated[str | None, Query(max_length=32)]
ServerFilter = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


@router.post("/maintenance-cases", status_code=201)
def open_maintenance(db: SessionDep, settings: SettingsDep, user: CurrentUser, body: Payload) -> dict:
    """Analysis of a maintenance or repair need (officer): `{server_id, kind, analysis}`."""
    return _open("maintenance", db, settings, user, body)


@router.get("/maintenance-cases")
def list_maintenance(db: SessionDep, settings: SettingsDep, user: CurrentUser, paging: PagingDep, state: State = None,
                     server_id: ServerFilter = None) -> dict:
    return _list("maintenance", db, settings, user, paging, state, server_id)


@router.get("/maintenance-cases/{maintenance_id}")
def get_maintenance(maintenance_id: Id, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> dict:
    return _get("maintenance", db, settings, user, maintenance_id)


@router.post("/maintenance-cases/{maintenance_id}/actions/{action}")
def act_maintenance(maintenance_id: Id, action: str, db: SessionDep, settings: SettingsDep, user: CurrentUser,
                    body: Payload = None) -> dict:
    """approve, reject, assign, record_work, report; 409 (or 403) lists what the caller may do."""
    return _act("maintenance", db, settings, user, maintenance_id, action, body)


@router.post("/transfers", status_code=201)
def open_transfer(db: SessionDep, settings: SettingsDep, user: CurrentUser, body: Payload) -> dict:
    """Transfer plan (officer, or the owning unit's contact): `{server_id, to_unit, reason}`."""
    return _open("transfer", db, settings, user, body)


@router.get("/transfers")
def list_transfers(db: SessionDep, settings: SettingsDep, user: CurrentUser, paging: PagingDep, state: State = None,
                   server_id: ServerFilter = None) -> dict:
    return _list("transfer", db, settings, user, paging, state, server_id)


@router.get("/transfers/{transfer_id}")
def get_transfer(transfer_id: Id, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> dict:
    return _get("transfer", db, settings, user, transfer_id)


@router.post("/transfers/{transfer_id}/actions/{action}")
def act_transfer(transfer_id: Id, action: str, db: SessionDep, settings: SettingsDep, user: CurrentUser,
                 body: Payload = None) -> dict:
    """approve (division head, then head), reject, record_transfer."""
    return _act("transfer", db, settings, user, transfer_id, action, body)


@router.post("/disposals", status_code=201)
def open_disposal(db: SessionDep, settings: SettingsDep, user: CurrentUser, body: Payload) -> dict:
    """Disposal request: `{server_id, method: penghapusan|pemusnahan, reason}`."""
    return _open("disposal", db, settings, user, body)


@router.get("/disposals")
def list_disposals(db: SessionDep, settings: SettingsDep, user: CurrentUser, paging: PagingDep, state: State = None,
                   server_id: ServerFilter = None) -> dict:
    return _list("disposal", db, settings, user, paging, state, server_id)


@router.get("/disposals/{disposal_id}")
def get_disposal(disposal_id: Id, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> dict:
    return _get("disposal", db, settings, user, disposal_id)


@router.post("/disposals/{disposal_id}/actions/{action}")
def act_disposal(disposal_id: Id, action: str, db: SessionDep, settings: SettingsDep, user: CurrentUser,
                 body: Payload = None) -> dict:
    """review, approve, record_regent_approval, reject, record_wipe, hand_over, dispose."""
    return _act("disposal", db, settings, user, disposal_id, action, body)


@router.post("/disposals/{disposal_id}/wipe-report", status_code=201)
async def upload_wipe_report(disposal_id: Id, db: SessionDep, user: CurrentUser,
                             report_file: Annotated[UploadFile, File()]) -> dict:
    """Upload the wipe report; `record_wipe` names it as `report_document_id` (its SHA-256 is kept)."""
    content = await report_file.read(lifecycle.MAX_WIPE_REPORT_BYTES + 1)
    doc = lifecycle.store_wipe_report(db, user, disposal_id, report_file.filename or "wipe_report", content)
    out = {"id": doc.id, "kind": doc.kind, "sha256": doc.sha256, "size": doc.size, "filename": doc.filename}
    db.commit()
    return out


# --- asset register, card, reconciliation --------------------------------------------------

@router.get("/assets")
def list_assets(db: SessionDep, user: CurrentUser, paging: PagingDep,
                include_disposed: Annotated[bool, Query()] = False) -> dict:
    """The active register (disposed servers only when asked for)."""
    stmt = assets.register_stmt(user, include_disposed)
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = [{"server_id": s.id, "unit_code": s.unit.code, "brand": s.brand, "model": s.model,
              "serial_number": s.serial_number, "condition": s.condition,
              "asset_code": r.asset_code if r else None, "nup": r.nup if r else None,
              "owner": r.owner if r else "unit", "disposed_at": r.disposed_at if r else None}
             for s, r in db.execute(stmt.offset(paging.offset).limit(paging.limit))]
    db.commit()
    return {"items": items, "total": total, "offset": paging.offset, "limit": paging.limit}


@router.get("/servers/{server_id}/asset")
def get_asset(server_id: Id, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> dict:
    """The asset card as data: register fields, location, condition history and every event."""
    card = assets.card(db, settings, user, server_id)
    db.commit()
    return card.__dict__


@router.put("/servers/{server_id}/asset")
def put_asset(server_id: Id, db: SessionDep, user: OfficerUser,
              body: Annotated[dict[str, Any], Body(examples=[{
                  "asset_code": "1.3.2.10.01.02.001", "nup": "0001", "owner": "office",
                  "acquired_on": "2024-03-01", "acquisition_value": "125000000.00"}])]) -> dict:
    """Set kode barang, NUP, owner and (office-owned only) acquisition date and value."""
    rec = assets.set_asset(db, user, server_id, validate(AssetFields, body))
    out = {c.key: getattr(rec, c.key) for c in inspect(type(rec)).column_attrs}
    db.commit()
    return out


@router.get("/servers/{server_id}/asset-card.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def asset_card_pdf(server_id: Id, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> Response:
    """The printable kartu inventaris (staff, or the server's own unit)."""
    card = assets.card(db, settings, user, server_id)
    db.commit()
    return Response(render_card_pdf(card), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="kartu_inventaris_{server_id}.pdf"'})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/reconciliation/{period}.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def reconciliation_xlsx(period: Period, db: SessionDep, settings: SettingsDep, user: StaffUser) -> Response:
    """The register against the latest inventory run up to `period` (laporan rekonsiliasi)."""
    rep = assets.reconciliation(db, settings, period)
    db.commit()
    return Response(render_xlsx(rep), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="rekonsiliasi_{period}.xlsx"'})

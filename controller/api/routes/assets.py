"""The asset lifecycle over HTTP: asset fields and card, maintenance, transfer, disposal, reconciliation
(the unsigned XLSX, and the monthly report to the Asisten, issued once as a sealed PDF).

Every rule lives in services.lifecycle and services.assets; the three case types share one shape
(``POST`` opens, ``GET`` reads, ``POST .../actions/{action}`` moves), as custody requests do.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Path, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...documents.asset_card import AssetCard, render_card_pdf
from ...documents.reconciliation import render_xlsx
from ...domain.choices import Role
from ...domain.lifecycle_flow import LABELS
from ...models import User
from ...models.assets import AssetRecord, LifecycleStep, MaintenancePart
from ...services import assets, case_letters, lifecycle, reconciliation_report
from ...services.access import require_role
from ...services.common import page
from ...services.lifecycle_payloads import AssetFields, DisposalRequest, MaintenanceRequest, TransferRequest, validate
from ...settings import Settings
from ..answers.assets import AssetCardOut, AssetRecordOut, AssetRow
from ..answers.common import UploadedOut
from ..answers.lifecycle import DisposalOut, MaintenanceOut, TransferOut
from ..answers.reconciliation import ReconciliationReportList, ReconciliationReportOut
from ..bodies import declared
from ..deps import CurrentUser, Id, Paging, PagingDep, SessionDep, SettingsDep, StaffUser
from ..downloads import PDF, XLSX, document_response, file_answer
from ..schemas import Page
from ..unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, tags=["assets"])


def _officer(user: CurrentUser) -> User:
    require_role(user, (Role.officer, Role.property_manager), "record asset data")
    return user


OfficerUser = Annotated[User, Depends(_officer)]
Period = Annotated[str, Path(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", examples=["2026-11"])]
Payload = Annotated[dict[str, Any] | None, Body()]


def case_view(db: Session, settings: Settings, user: User, kind: str, case: lifecycle.Case) -> dict[str, Any]:
    label = LABELS[kind][case.state]
    out: dict[str, Any] = {c.key: getattr(case, c.key) for c in case.__mapper__.column_attrs}
    server = case.server
    out.update(kind=kind, state_label={"id": label.id, "en": label.en, "colour": label.colour},
               server={"serial_number": server.serial_number, "brand": server.brand, "model": server.model,
                       "unit_code": server.unit.code, "condition": server.condition},
               allowed_actions=lifecycle.allowed_actions(user, kind, case), **lifecycle.timing(settings, kind, case))
    out["history"] = [{"action": s.action, "actor": s.actor, "role": s.role, "from": s.from_state,
                       "to": s.to_state, "time": s.at, "note": s.note,
                       **({"on_behalf_of": s.on_behalf_of, "letter_number": s.letter_number} if s.on_behalf_of else {})}
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

# The answers keep exclude_unset: they have exactly the view's keys (a document's `number` only
# where the view gives one), none added as null.
View = dict[str, Any]
State = Annotated[str | None, Query(max_length=32)]
ServerFilter = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


def _open(kind: str, db: Session, settings: Settings, user: User, body: dict[str, Any] | None) -> View:
    return case_view(db, settings, user, kind, lifecycle.open_case(db, settings, user, kind, body))


def _list(kind: str, db: Session, settings: Settings, user: User, paging: Paging, state: str | None,
          server_id: int | None) -> View:
    items, total = page(db, lifecycle.list_stmt(user, kind, state, server_id), paging.offset, paging.limit)
    return {"items": [case_view(db, settings, user, kind, c) for c in items], "total": total,
            "offset": paging.offset, "limit": paging.limit}


def _get(kind: str, db: Session, settings: Settings, user: User, case_id: int) -> View:
    return case_view(db, settings, user, kind, lifecycle.get_case(db, user, kind, case_id))


def _act(kind: str, db: Session, settings: Settings, user: User, case_id: int, action: str,
         body: dict[str, Any] | None) -> View:
    case, _ = lifecycle.apply(db, settings, user, kind, case_id, action, body)
    return case_view(db, settings, user, kind, case)


@router.post("/maintenance-cases", status_code=201, response_model=MaintenanceOut,
             openapi_extra=declared(MaintenanceRequest), response_model_exclude_unset=True)
def open_maintenance(db: SessionDep, settings: SettingsDep, user: CurrentUser, body: Payload) -> View:
    """Analysis of a maintenance or repair need (officer): `{server_id, kind, analysis}`."""
    return _open("maintenance", db, settings, user, body)


@router.get("/maintenance-cases", response_model=Page[MaintenanceOut], response_model_exclude_unset=True)
def list_maintenance(db: SessionDep, settings: SettingsDep, user: CurrentUser, paging: PagingDep, state: State = None,
                     server_id: ServerFilter = None) -> View:
    return _list("maintenance", db, settings, user, paging, state, server_id)


@router.get("/maintenance-cases/{maintenance_id}", response_model=MaintenanceOut, response_model_exclude_unset=True)
def get_maintenance(maintenance_id: Id, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> View:
    return _get("maintenance", db, settings, user, maintenance_id)


@router.post("/maintenance-cases/{maintenance_id}/actions/{action}", response_model=MaintenanceOut,
             response_model_exclude_unset=True)
def act_maintenance(maintenance_id: Id, action: str, db: SessionDep, settings: SettingsDep, user: CurrentUser,
                    body: Payload = None) -> View:
    """approve, reject, assign, record_work, report; 409 (or 403) lists what the caller may do."""
    return _act("maintenance", db, settings, user, maintenance_id, action, body)


@router.post("/transfers", status_code=201, response_model=TransferOut, openapi_extra=declared(TransferRequest),
             response_model_exclude_unset=True)
def open_transfer(db: SessionDep, settings: SettingsDep, user: CurrentUser, body: Payload) -> View:
    """Transfer plan (officer, or the owning unit's contact): `{server_id, to_unit, reason}`."""
    return _open("transfer", db, settings, user, body)


@router.get("/transfers", response_model=Page[TransferOut], response_model_exclude_unset=True)
def list_transfers(db: SessionDep, settings: SettingsDep, user: CurrentUser, paging: PagingDep, state: State = None,
                   server_id: ServerFilter = None) -> View:
    return _list("transfer", db, settings, user, paging, state, server_id)


@router.get("/transfers/{transfer_id}", response_model=TransferOut, response_model_exclude_unset=True)
def get_transfer(transfer_id: Id, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> View:
    return _get("transfer", db, settings, user, transfer_id)


@router.post("/transfers/{transfer_id}/actions/{action}", response_model=TransferOut, response_model_exclude_unset=True)
def act_transfer(transfer_id: Id, action: str, db: SessionDep, settings: SettingsDep, user: CurrentUser,
                 body: Payload = None) -> View:
    """approve (division head, then head), reject, record_transfer."""
    return _act("transfer", db, settings, user, transfer_id, action, body)


@router.post("/disposals", status_code=201, response_model=DisposalOut, openapi_extra=declared(DisposalRequest),
             response_model_exclude_unset=True)
def open_disposal(db: SessionDep, settings: SettingsDep, user: CurrentUser, body: Payload) -> View:
    """Disposal request: `{server_id, method: penghapusan|pemusnahan, reason}`."""
    return _open("disposal", db, settings, user, body)


@router.get("/disposals", response_model=Page[DisposalOut], response_model_exclude_unset=True)
def list_disposals(db: SessionDep, settings: SettingsDep, user: CurrentUser, paging: PagingDep, state: State = None,
                   server_id: ServerFilter = None) -> View:
    return _list("disposal", db, settings, user, paging, state, server_id)


@router.get("/disposals/{disposal_id}", response_model=DisposalOut, response_model_exclude_unset=True)
def get_disposal(disposal_id: Id, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> View:
    return _get("disposal", db, settings, user, disposal_id)


@router.post("/disposals/{disposal_id}/actions/{action}", response_model=DisposalOut, response_model_exclude_unset=True)
def act_disposal(disposal_id: Id, action: str, db: SessionDep, settings: SettingsDep, user: CurrentUser,
                 body: Payload = None) -> View:
    """review, approve, record_regent_approval, reject, record_wipe, hand_over, dispose."""
    return _act("disposal", db, settings, user, disposal_id, action, body)


@router.post("/disposals/{disposal_id}/wipe-report", status_code=201, response_model=UploadedOut)
async def upload_wipe_report(disposal_id: Id, db: SessionDep, user: CurrentUser,
                             report_file: Annotated[UploadFile, File()]) -> UploadedOut:
    """Upload the wipe report; `record_wipe` names it as `report_document_id` (its SHA-256 is kept)."""
    content = await report_file.read(lifecycle.MAX_WIPE_REPORT_BYTES + 1)
    doc = lifecycle.store_wipe_report(db, user, disposal_id, report_file.filename or "wipe_report", content)
    return UploadedOut.model_validate(doc)


# --- asset register, card, reconciliation --------------------------------------------------

@router.get("/assets", response_model=Page[AssetRow])
def list_assets(db: SessionDep, user: CurrentUser, paging: PagingDep,
                include_disposed: Annotated[bool, Query()] = False) -> View:
    """The active register (disposed servers only when asked for)."""
    stmt = assets.register_stmt(user, include_disposed)
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = [{"server_id": s.id, "unit_code": s.unit.code, "brand": s.brand, "model": s.model,
              "serial_number": s.serial_number, "condition": s.condition,
              "asset_code": r.asset_code if r else None, "nup": r.nup if r else None,
              "owner": r.owner if r else "unit", "disposed_at": r.disposed_at if r else None}
             for s, r in db.execute(stmt.offset(paging.offset).limit(paging.limit))]
    return {"items": items, "total": total, "offset": paging.offset, "limit": paging.limit}


@router.get("/servers/{server_id}/asset", response_model=AssetCardOut)
def get_asset(server_id: Id, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> AssetCard:
    """The asset card as data: register fields, location, condition history and every event."""
    return assets.card(db, settings, user, server_id)


@router.put("/servers/{server_id}/asset", response_model=AssetRecordOut, openapi_extra=declared(AssetFields))
def put_asset(server_id: Id, db: SessionDep, user: OfficerUser,
              body: Annotated[dict[str, Any], Body(examples=[{
                  "asset_code": "1.3.2.10.01.02.001", "nup": "0001", "owner": "office",
                  "acquired_on": "2024-03-01", "acquisition_value": "125000000.00"}])]) -> AssetRecord:
    """Set kode barang, NUP, owner and (office-owned only) acquisition date and value."""
    return assets.set_asset(db, user, server_id, validate(AssetFields, body))


@router.get("/servers/{server_id}/asset-card.pdf", response_class=Response, responses=file_answer(PDF))
def asset_card_pdf(server_id: Id, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> Response:
    """The printable kartu inventaris (staff, or the server's own unit)."""
    card = assets.card(db, settings, user, server_id)
    return Response(render_card_pdf(card), media_type=PDF,
                    headers={"Content-Disposition": f'inline; filename="kartu_inventaris_{server_id}.pdf"'})


@router.get("/reconciliation/{period}.xlsx", response_class=Response, responses=file_answer(XLSX))
def reconciliation_xlsx(period: Period, db: SessionDep, settings: SettingsDep, user: StaffUser) -> Response:
    """The register against the latest inventory run up to `period` (laporan rekonsiliasi)."""
    rep = assets.reconciliation(db, settings, period)
    return Response(render_xlsx(rep), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="rekonsiliasi_{period}.xlsx"'})


# --- the monthly reconciliation report to the Asisten -----------------------------------------

def _issuer(user: CurrentUser) -> User:
    require_role(user, reconciliation_report.ISSUERS, "issue the reconciliation report")
    return user


ReportIssuer = Annotated[User, Depends(_issuer)]


class ReconciliationReportIn(BaseModel):
    """The month, and the Pengelola Barang who signs the report (as the inventory's signer)."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    period: str = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", examples=["2026-11"])
    name: str = Field(min_length=1, max_length=200)
    nip: str | None = Field(default=None, pattern=r"^[0-9]{18}$")
    position: str = Field(min_length=1, max_length=200)


def report_view(db: Session, report: Any) -> dict[str, Any]:
    from ...models import Document

    doc = db.get_one(Document, report.document_id)
    return {"period": report.period, "number": doc.number, "document_id": doc.id, "sha256": doc.sha256,
            "size": doc.size, "signed_name": report.signed_name, "signed_nip": report.signed_nip,
            "signed_position": report.signed_position, "issued_by": report.issued_by, "issued_at": report.issued_at,
            "download_url": f"/api/v1/reconciliation-reports/{report.period}.pdf"}


@router.get("/reconciliation-reports", response_model=ReconciliationReportList)
def list_reconciliation_reports(db: SessionDep, user: StaffUser) -> dict[str, Any]:
    """Every monthly report issued to the Asisten, the latest month first, each with its download."""
    items = [report_view(db, r) for r, _ in reconciliation_report.issued(db)]
    return {"items": items, "total": len(items)}


@router.post("/reconciliation-reports", status_code=201, response_model=ReconciliationReportOut)
def issue_reconciliation_report(body: ReconciliationReportIn, response: Response, db: SessionDep,
                                settings: SettingsDep, user: ReportIssuer) -> dict[str, Any]:
    """Issue the month's *Laporan Rekonsiliasi Aset TIK* (property manager or admin): numbered,
    signed by the given Pengelola Barang, sealed and stored once; a second one for the month is a 409."""
    report = reconciliation_report.issue(db, settings, user, body.period, body.name, body.nip, body.position)
    response.headers["Location"] = f"/api/v1/reconciliation-reports/{report.period}.pdf"
    return report_view(db, report)


@router.get("/reconciliation-reports/{period}.pdf", response_class=Response, responses=file_answer(
    PDF, what="the issued report, exactly as stored"))
def reconciliation_report_pdf(period: Period, db: SessionDep, user: StaffUser) -> Response:
    """The month's issued report as stored (404 when none was issued); reading issues nothing."""
    return document_response(db, user, reconciliation_report.document_for(db, period).id)

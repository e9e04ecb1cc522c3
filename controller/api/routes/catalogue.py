"""The helpdesk's reference data over HTTP: divisions (*bidang*) and the service catalogue.

Everyone signed in reads the catalogue (a reporter may see what the office offers); staff read
the divisions and their members; only the admin changes either.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from ...services import catalogue
from ..deps import AdminUser, CurrentUser, Id, SessionDep, StaffUser
from ..ticket_schemas import DivisionOut, ServiceOut
from ..unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, tags=["helpdesk catalogue"])


@router.get("/divisions", response_model=list[DivisionOut])
def list_divisions(db: SessionDep, user: StaffUser) -> list[dict]:
    out = [catalogue.division_view(db, d) for d in catalogue.list_divisions(db)]
    return out


@router.post("/divisions", status_code=201, response_model=DivisionOut)
def create_division(db: SessionDep, admin: AdminUser,
                    body: Annotated[dict[str, Any], Body(examples=[{"code": "APTIKA", "name": "Bidang Aptika"}])],
                    ) -> dict:
    out = catalogue.division_view(db, catalogue.create_division(db, body))
    return out


@router.patch("/divisions/{division_id}", response_model=DivisionOut)
def update_division(division_id: Id, db: SessionDep, admin: AdminUser,
                    body: Annotated[dict[str, Any], Body(examples=[{"is_active": False}])]) -> dict:
    out = catalogue.division_view(db, catalogue.update_division(db, division_id, body))
    return out


@router.put("/divisions/{division_id}/members", response_model=DivisionOut)
def set_members(division_id: Id, db: SessionDep, admin: AdminUser,
                body: Annotated[dict[str, Any], Body(examples=[{"usernames": ["kabid", "petugas"]}])]) -> dict:
    """The division's officers and division heads, replaced whole."""
    catalogue.set_members(db, division_id, body)
    out = catalogue.division_view(db, catalogue.get_division(db, division_id))
    return out


@router.get("/service-catalogue", response_model=list[ServiceOut])
def list_services(db: SessionDep, user: CurrentUser,
                  all_: Annotated[bool, Query(alias="all", description="with retired items (admin)")] = False,
                  ) -> list[dict]:
    out = [catalogue.service_view(db, s)
           for s in catalogue.list_services(db, active_only=not (all_ and user.role == "admin"))]
    return out


@router.post("/service-catalogue", status_code=201, response_model=ServiceOut)
def create_service(db: SessionDep, admin: AdminUser,
                   body: Annotated[dict[str, Any], Body(examples=[{
                       "code": "SRV-ACCESS", "name": "Gangguan akses server", "category": "incident",
                       "priority": "high", "division": "APTIKA"}])]) -> dict:
    out = catalogue.service_view(db, catalogue.create_service(db, body))
    return out


@router.patch("/service-catalogue/{service_id}", response_model=ServiceOut)
def update_service(service_id: Id, db: SessionDep, admin: AdminUser,
                   body: Annotated[dict[str, Any], Body(examples=[{"priority": "urgent"}])]) -> dict:
    out = catalogue.service_view(db, catalogue.update_service(db, service_id, body))
    return out

"""The helpdesk's reference data, managed by the admin: divisions (*bidang*) with their members,
and the service catalogue SOP 003 step 3 checks a ticket against."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .. import validation
from ..domain.choices import Role
from ..domain.ticket_flow import Category, Priority
from ..errors import Conflict, Invalid, NotFound
from ..models import Division, DivisionMember, ServiceItem, User
from .common import flush_or_conflict

CODE = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
# Who may work in a division: the ones its tickets' steps belong to.
MEMBER_ROLES = frozenset({Role.officer, Role.division_head})


class DivisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: str = Field(min_length=1, max_length=32, pattern=CODE)
    name: str = Field(min_length=1, max_length=200)


class DivisionChange(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    is_active: bool | None = None


class MembersIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    usernames: list[str] = Field(max_length=200)


class ServiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: str = Field(min_length=1, max_length=32, pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    category: Category
    priority: Priority = Priority.normal
    division: str = Field(min_length=1, max_length=32, description="the division's code")


class ServiceChange(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    category: Category | None = None
    priority: Priority | None = None
    division: str | None = Field(default=None, min_length=1, max_length=32)
    is_active: bool | None = None


def division_by_code(session: Session, code: str, field: str = "division") -> Division:
    division = session.scalar(select(Division).where(Division.code == code))
    if division is None:
        raise Invalid(f"unknown division '{code}'", field=field)
    return division


def get_division(session: Session, division_id: int) -> Division:
    division = session.get(Division, division_id)
    if division is None:
        raise NotFound(f"division {division_id} not found")
    return division


def get_service(session: Session, service_id: int) -> ServiceItem:
    item = session.get(ServiceItem, service_id)
    if item is None:
        raise NotFound(f"service {service_id} not found")
    return item


def create_division(session: Session, data: Any) -> Division:
    body = validation.parse(DivisionIn, data)
    if session.scalar(select(Division.id).where(Division.code == body.code)):
        raise Conflict(f"division code '{body.code}' already exists", field="code")
    division = Division(code=body.code, name=body.name, is_active=True)
    session.add(division)
    flush_or_conflict(session, f"division code '{body.code}' already exists", "code")
    return division


def update_division(session: Session, division_id: int, data: Any) -> Division:
    division = get_division(session, division_id)
    body = validation.parse(DivisionChange, data)
    for key, value in body.model_dump(exclude_none=True).items():
        setattr(division, key, value)
    session.flush()
    return division


def set_members(session: Session, division_id: int, data: Any) -> list[User]:
    """The division's members, replaced whole: officers and division heads, active ones."""
    division = get_division(session, division_id)
    body = validation.parse(MembersIn, data)
    names = list(dict.fromkeys(body.usernames))
    users = list(session.scalars(select(User).where(User.username.in_(names)))) if names else []
    found = {u.username: u for u in users}
    for i, name in enumerate(names):
        user = found.get(name)
        if user is None or not user.is_active or user.role not in MEMBER_ROLES:
            raise Invalid(f"'{name}' is not an active officer or division head", field=f"usernames.{i}")
    session.execute(delete(DivisionMember).where(DivisionMember.division_id == division.id))
    for name in names:
        session.add(DivisionMember(division_id=division.id, user_id=found[name].id))
    session.flush()
    return members(session, division.id)


def members(session: Session, division_id: int) -> list[User]:
    return list(session.scalars(select(User).join(DivisionMember, DivisionMember.user_id == User.id)
                                .where(DivisionMember.division_id == division_id).order_by(User.username)))


def is_member(session: Session, user: User, division_id: int | None) -> bool:
    return division_id is not None and session.scalar(select(DivisionMember.id).where(
        DivisionMember.division_id == division_id, DivisionMember.user_id == user.id)) is not None


def divisions_of(session: Session, user: User) -> list[int]:
    return list(session.scalars(select(DivisionMember.division_id).where(DivisionMember.user_id == user.id)))


def create_service(session: Session, data: Any) -> ServiceItem:
    body = validation.parse(ServiceIn, data)
    division = division_by_code(session, body.division)
    if session.scalar(select(ServiceItem.id).where(ServiceItem.code == body.code)):
        raise Conflict(f"service code '{body.code}' already exists", field="code")
    item = ServiceItem(code=body.code, name=body.name, description=body.description, category=body.category,
                       priority=body.priority, division_id=division.id, is_active=True)
    session.add(item)
    flush_or_conflict(session, f"service code '{body.code}' already exists", "code")
    return item


def update_service(session: Session, service_id: int, data: Any) -> ServiceItem:
    item = get_service(session, service_id)
    body = validation.parse(ServiceChange, data)
    changes = body.model_dump(exclude_none=True)
    if "division" in changes:
        item.division_id = division_by_code(session, changes.pop("division")).id
    for key, value in changes.items():
        setattr(item, key, value)
    session.flush()
    return item


def list_divisions(session: Session) -> list[Division]:
    return list(session.scalars(select(Division).order_by(Division.code)))


def list_services(session: Session, active_only: bool = True) -> list[ServiceItem]:
    stmt = select(ServiceItem).order_by(ServiceItem.code)
    if active_only:
        stmt = stmt.join(Division, Division.id == ServiceItem.division_id).where(
            ServiceItem.is_active.is_(True), Division.is_active.is_(True))
    return list(session.scalars(stmt))


def division_view(session: Session, division: Division) -> dict[str, Any]:
    return {"id": division.id, "code": division.code, "name": division.name, "is_active": division.is_active,
            "members": [{"username": u.username, "full_name": u.full_name, "role": u.role}
                        for u in members(session, division.id)]}


def service_view(session: Session, item: ServiceItem) -> dict[str, Any]:
    division = session.get_one(Division, item.division_id)
    return {"id": item.id, "code": item.code, "name": item.name, "description": item.description,
            "category": item.category, "priority": item.priority, "division": division.code,
            "division_name": division.name, "is_active": item.is_active}

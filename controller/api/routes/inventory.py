"""Collection targets and the monthly inventory runs, with the inventory form."""

from __future__ import annotations

import re
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...crypto import SealError
from ...domain.choices import Condition
from ...errors import Conflict, Invalid, NotFound
from ...models import CollectionTarget, InventoryRun
from ...models.base import utcnow
from ...services import inventory, sealing, targets
from ...services.common import page
from ...settings import Settings
from ...validation import period_problem
from ..answers.inventory import CollectedOut, RunItem, RunOut, RunRow, RunStarted, TargetList, TargetOut
from ..bodies import declared
from ..deps import Id, PagingDep, RegisterKeeper, SessionDep, SettingsDep, SpaceManager, StaffUser
from ..downloads import content_disposition, file_answer
from ..schemas import Page
from ..unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, tags=["inventory"])
Period = Annotated[str, Path(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", examples=["2026-11"])]


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200)
    nip: str | None = Field(default=None, pattern=r"^[0-9]{18}$")
    position: str = Field(min_length=1, max_length=200)


class ConditionIn(BaseModel):
    """The officer's condition for one server; a reason when it differs from the proposal."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    condition: Condition
    reason: str | None = Field(default=None, max_length=500)


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: str | None = Field(default=None, pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")


@router.post("/servers/{server_id}/targets", status_code=201, response_model=TargetOut,
             openapi_extra=declared(TypeAdapter(targets.TargetIn)))
def add_target(server_id: Id, db: SessionDep, settings: SettingsDep, user: SpaceManager,
               body: Annotated[dict[str, Any], Body(examples=[{"kind": "snmp", "address": "10.20.1.11",
                                                               "version": "2c", "community": "rahasia"}])],
               ) -> dict[str, Any]:
    """Attach an SNMP or SSH target; its secrets are sealed and never shown again."""
    return targets.out(targets.create(db, settings, user, server_id, targets.parse(body)))


@router.get("/servers/{server_id}/targets", response_model=TargetList)
def list_targets(server_id: Id, db: SessionDep, user: StaffUser) -> dict[str, Any]:
    items = [targets.out(t) for t in targets.active(db, server_id)]
    return {"items": items, "total": len(items)}


@router.post("/targets/{target_id}/collect", response_model=CollectedOut)
def collect_now(target_id: Id, db: SessionDep, settings: SettingsDep, user: SpaceManager) -> dict[str, Any]:
    """Collect from one target now; on first SSH contact the host key is pinned and shown."""
    t = db.get(CollectionTarget, target_id)
    if t is None or t.retired_at is not None:
        raise NotFound(f"target {target_id} not found")
    try:
        plan = targets.load(settings, t)
    except SealError as exc:
        raise Conflict(f"target {t.id} ({t.kind} {t.address}:{t.port}): {exc}. "
                       f"Put that key back, or give the target new secrets (PUT /api/v1/targets/{t.id}/secrets)",
                       target_id=t.id) from exc
    db.rollback()  # no transaction held while talking to the device
    outcome = targets.collect(plan)
    db.info["actor"] = user.username
    t = targets.record(db, outcome)
    return {**targets.out(t), "ok": outcome.ok, "error": outcome.error, "inventory": outcome.inventory,
            "host_key_changed": outcome.changed is not None}


@router.put("/targets/{target_id}/secrets", response_model=TargetOut, openapi_extra=declared(sealing.SecretsIn))
def replace_secrets(target_id: Id, db: SessionDep, settings: SettingsDep, user: SpaceManager,
                    body: Annotated[dict[str, Any], Body(examples=[{"community": "rahasia-baru"}])],
                    ) -> dict[str, Any]:
    """Replace a target's secrets (all of them), sealed under the newest key; write-only: the
    answer says which target, never the values."""
    db.info["actor"] = user.username
    return targets.out(sealing.replace(db, settings, target_id, body))


@router.delete("/targets/{target_id}", response_model=TargetOut)
def retire_target(target_id: Id, db: SessionDep, user: SpaceManager) -> dict[str, Any]:
    return targets.out(targets.retire(db, target_id))


@router.get("/inventory-runs", response_model=Page[RunRow])
def list_runs(db: SessionDep, user: StaffUser, paging: PagingDep) -> dict[str, Any]:
    items, total = page(db, select(InventoryRun).order_by(InventoryRun.period.desc()), paging.offset, paging.limit)
    return {"items": items, "total": total, "offset": paging.offset, "limit": paging.limit}


@router.post("/inventory-runs", status_code=202, response_model=RunStarted)
def start_run(request: Request, db: SessionDep, settings: SettingsDep, user: RegisterKeeper,
              body: RunIn | None = None) -> RunStarted:
    """Start (or resume) a period's run in the background; GET the period to follow it."""
    period = (body.period if body else None) or inventory.period_of(utcnow(), settings.timezone)
    if (problem := period_problem(period, utcnow().date())) is not None:
        raise Invalid(f"period: {problem}", field="period")
    existing = db.scalar(select(InventoryRun.status).where(InventoryRun.period == period))
    db.commit()  # the run's own thread writes next: this request holds no transaction while it starts
    if existing in ("completed", "signed"):
        raise Conflict(f"the inventory for {period} is already {existing}", field="period")
    sessions = request.app.state.sessions

    def work() -> None:
        try:
            inventory.run(sessions, settings, period, user.username)
        except inventory.RunTaken:
            pass

    threading.Thread(target=work, name=f"inventory-{period}", daemon=True).start()
    return RunStarted(period=period, status="started")


@router.get("/inventory-runs/{period}", response_model=RunOut)
def get_run(period: Period, db: SessionDep, settings: SettingsDep, user: StaffUser) -> dict[str, Any]:
    return inventory.run_view(db, settings, period)


@router.post("/inventory-runs/{period}/sign", response_model=RunOut)
def sign_run(period: Period, body: SignIn, db: SessionDep, settings: SettingsDep,
             user: RegisterKeeper) -> dict[str, Any]:
    """The officer reviewed the month's inventory and signs it (SOP: the officer fills it in)."""
    inventory.sign(db, settings, user, period, body.name, body.nip, body.position)
    return inventory.run_view(db, settings, period)


@router.put("/inventory-runs/{period}/items/{server_id}/condition", response_model=RunItem)
def decide_condition(period: Period, server_id: Id, body: ConditionIn, db: SessionDep, settings: SettingsDep,
                     user: RegisterKeeper) -> dict[str, Any]:
    """Before signing, the officer sets a server's condition (the machine only proposes it)."""
    inventory.decide(db, user, period, server_id, body.condition, body.reason)
    return next(i for i in inventory.run_view(db, settings, period)["items"] if i["server_id"] == server_id)


def _form_name(period: str, ext: str) -> str:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}", period):
        raise Invalid("bad period", field="period")
    return f"inventarisasi-server-{period}.{ext}"


def form_response(db: Session, settings: Settings, period: str, fmt: str) -> Response:
    """The signed form's stored bytes (X-Content-SHA256 as on the audit trail), or a draft
    rendered from the run before signing; the API and the web page serve the same."""
    data, sha = inventory.form_file(db, settings, period, fmt)
    headers = {"Content-Disposition": content_disposition(_form_name(period, fmt),
                                                          "inline" if fmt == "pdf" else "attachment"),
               "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    if sha:
        headers["X-Content-SHA256"] = sha
    return Response(data, media_type=inventory.FORMATS[fmt], headers=headers)


@router.get("/inventory-runs/{period}/form.xlsx", response_class=Response,
            responses=file_answer(inventory.FORMATS["xlsx"]))
def form_xlsx(period: Period, db: SessionDep, settings: SettingsDep, user: StaffUser) -> Response:
    return form_response(db, settings, period, "xlsx")


@router.get("/inventory-runs/{period}/form.pdf", response_class=Response,
            responses=file_answer(inventory.FORMATS["pdf"]))
def form_pdf(period: Period, db: SessionDep, settings: SettingsDep, user: StaffUser) -> Response:
    return form_response(db, settings, period, "pdf")

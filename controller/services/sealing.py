"""Sealed target secrets over time: replacing a target's secrets, and re-sealing every target
under the newest key (`titip secrets rotate`). Secret values are never returned nor logged."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from .. import validation
from ..crypto import SealError, SecretBox, key_id_of
from ..db import unit_of_work
from ..errors import Invalid, NotFound
from ..models import CollectionTarget, Server
from ..settings import Settings

SNMP_FIELDS = ("community", "auth_key", "priv_key")
SSH_FIELDS = ("password", "private_key", "passphrase")


class SecretsIn(BaseModel):
    """New secrets for a target, replacing all of its old ones (they may be unreadable)."""
    model_config = ConfigDict(extra="forbid")
    community: str | None = Field(default=None, min_length=1, max_length=100)
    auth_key: str | None = Field(default=None, min_length=8, max_length=200)
    priv_key: str | None = Field(default=None, min_length=8, max_length=200)
    password: str | None = Field(default=None, min_length=1, max_length=200)
    private_key: str | None = Field(default=None, min_length=20, max_length=20000)
    passphrase: str | None = Field(default=None, max_length=200)


def replace(session: Session, settings: Settings, target_id: int, data: Any) -> CollectionTarget:
    """Seal new secrets for a target under the newest key; the fields must fit its kind."""
    t = session.get(CollectionTarget, target_id)
    if t is None or t.retired_at is not None:
        raise NotFound(f"target {target_id} not found")
    body = validation.parse(SecretsIn, data)
    given = {k: v for k, v in body.model_dump().items() if v}
    allowed = SNMP_FIELDS if t.kind == "snmp" else SSH_FIELDS
    for name in given:
        if name not in allowed:
            raise Invalid(f"{name}: not a secret of an {t.kind.upper()} target (these are: {', '.join(allowed)})",
                          field=name)
    if t.kind == "snmp" and (t.snmp_version or "2c") == "2c" and not given.get("community"):
        raise Invalid("community: an SNMP v2c target needs a community", field="community")
    if t.kind == "snmp" and t.snmp_version == "3":
        for name in ("auth_key", "priv_key"):
            if not given.get(name):
                raise Invalid(f"{name}: an SNMPv3 target needs auth_key and priv_key (authPriv)", field=name)
    if t.kind == "ssh" and not (given.get("password") or given.get("private_key")):
        raise Invalid("password: an SSH target needs a password or a private_key", field="password")
    t.secrets = SecretBox(settings).seal(given)
    session.flush()
    return t


@dataclass
class Rotation:
    newest: str
    resealed: list[int] = field(default_factory=list)
    current: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    # Register rows with a sealed secret of their kind (a licence key), rotated the same way.
    assets_resealed: list[int] = field(default_factory=list)
    assets_current: list[int] = field(default_factory=list)
    assets_failed: list[tuple[int, str]] = field(default_factory=list)


def rotate(sessions: sessionmaker[Session], settings: Settings, actor: str = "cli") -> Rotation:
    """Re-seal every target's secrets (retired ones too: they stay in the database) under the
    newest key, one transaction per target; a target no key opens is reported, not skipped silently."""
    box = SecretBox(settings)
    result = Rotation(box.newest)
    with sessions() as s:
        ids = list(s.scalars(select(CollectionTarget.id).where(CollectionTarget.secrets.is_not(None))
                             .order_by(CollectionTarget.id)))
    for target_id in ids:
        with unit_of_work(sessions, actor=actor) as s:
            t = s.get_one(CollectionTarget, target_id)
            if box.current(t.secrets):
                result.current.append(target_id)
                continue
            try:
                t.secrets = box.seal(box.open(t.secrets))
            except SealError as exc:
                result.failed.append((target_id, f"{t.kind} {t.address}:{t.port}: {exc}"))
                continue
            result.resealed.append(target_id)
    _rotate_assets(sessions, box, result, actor)
    return result


def _rotate_assets(sessions: sessionmaker[Session], box: SecretBox, result: Rotation, actor: str) -> None:
    """The register's sealed secrets (licence keys) under the newest key, one transaction each."""
    with sessions() as s:
        ids = list(s.scalars(select(Server.id).where(Server.secrets.is_not(None)).order_by(Server.id)))
    for asset_id in ids:
        with unit_of_work(sessions, actor=actor) as s:
            asset = s.get_one(Server, asset_id)
            if box.current(asset.secrets):
                result.assets_current.append(asset_id)
                continue
            try:
                asset.secrets = box.seal(box.open(asset.secrets))
            except SealError as exc:
                result.assets_failed.append((asset_id, f"{asset.kind} {asset.serial_number}: {exc}"))
                continue
            result.assets_resealed.append(asset_id)


def key_ids_in_use(session: Session) -> dict[str, int]:
    """How many targets are sealed under each key id."""
    counts: dict[str, int] = {}
    for (sealed,) in session.execute(select(CollectionTarget.secrets).where(CollectionTarget.secrets.is_not(None))):
        kid = key_id_of(cast(str, sealed))  # the WHERE leaves out NULL
        counts[kid] = counts.get(kid, 0) + 1
    return counts


def asset_key_ids_in_use(session: Session) -> dict[str, int]:
    """How many register rows (licence keys) are sealed under each key id."""
    counts: dict[str, int] = {}
    for sealed in session.scalars(select(Server.secrets).where(Server.secrets.is_not(None))):
        kid = key_id_of(cast(str, sealed))
        counts[kid] = counts.get(kid, 0) + 1
    return counts

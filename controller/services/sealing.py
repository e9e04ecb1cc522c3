"""Sealed target secrets over time: replacing a target's secrets, and re-sealing every target
under the newest key (`titip secrets rotate`). Secret values are never returned nor logged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

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
    """Re-seal every target's secrets (retired ones too: they stay in the database) and every
    register row's (a licence key) under the newest key, one transaction per row; a row no key
    opens is reported, not skipped silently."""
    box = SecretBox(settings)
    result = Rotation(box.newest)
    _reseal(sessions, box, CollectionTarget, lambda t: f"{t.kind} {t.address}:{t.port}", actor,
            result.current, result.resealed, result.failed)
    _reseal(sessions, box, Server, lambda a: f"{a.kind} {a.serial_number}", actor,
            result.assets_current, result.assets_resealed, result.assets_failed)
    return result


Sealed = TypeVar("Sealed", CollectionTarget, Server)   # the tables with a sealed `secrets` column


def _reseal(sessions: sessionmaker[Session], box: SecretBox, model: type[Sealed],
            describe: Callable[[Sealed], str], actor: str, current: list[int], resealed: list[int],
            failed: list[tuple[int, str]]) -> None:
    """One table's sealed `secrets` column under the newest key, one transaction per row."""
    with sessions() as s:
        ids = list(s.scalars(select(model.id).where(model.secrets.is_not(None)).order_by(model.id)))
    for row_id in ids:
        with unit_of_work(sessions, actor=actor) as s:
            row = s.get_one(model, row_id)
            if box.current(row.secrets):
                current.append(row_id)
                continue
            try:
                row.secrets = box.seal(box.open(row.secrets))
            except SealError as exc:
                failed.append((row_id, f"{describe(row)}: {exc}"))
                continue
            resealed.append(row_id)


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

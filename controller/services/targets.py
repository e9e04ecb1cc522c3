"""Collection targets: how to reach a server without an agent, with secrets sealed at rest.

Collecting talks to the network, so it runs outside any database transaction: read what is
needed (`load`), collect (`collect`), then write the outcome (`record`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import validation
from ..crypto import SecretBox
from ..errors import NotFound
from ..models import CollectionTarget, Finding, Server, User
from ..models.base import utcnow
from ..settings import Settings

if TYPE_CHECKING:
    from collectors.snmp import SnmpTarget
    from collectors.ssh import SshTarget

log = logging.getLogger(__name__)

Address = Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.:_-]+$")]
Role = Literal["server", "switch", "pdu", "bmc", "ups"]
# The network a target sits in: collected by `titip worker --site SITE`; empty: the office's own.
Site = Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9._-]*$")]


class SnmpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["snmp"]
    role: Role = "server"
    site: Site = ""
    address: Address
    port: int = Field(default=161, ge=1, le=65535)
    version: Literal["2c", "3"] = "2c"
    community: str | None = Field(default=None, min_length=1, max_length=100)
    user: str | None = Field(default=None, min_length=1, max_length=64)
    auth_protocol: Literal["SHA", "SHA-256", "SHA-384", "SHA-512"] = "SHA"
    auth_key: str | None = Field(default=None, min_length=8, max_length=200)
    priv_protocol: Literal["AES", "AES-192", "AES-256"] = "AES"
    priv_key: str | None = Field(default=None, min_length=8, max_length=200)

    @model_validator(mode="after")
    def _credentials(self) -> SnmpIn:
        if self.version == "2c" and not self.community:
            raise ValueError("SNMP v2c needs a community")
        if self.version == "3" and not (self.user and self.auth_key and self.priv_key):
            raise ValueError("SNMPv3 needs user, auth_key and priv_key (authPriv)")
        return self


class SshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["ssh"]
    role: Role = "server"
    site: Site = ""
    address: Address
    port: int = Field(default=22, ge=1, le=65535)
    username: str = Field(min_length=1, max_length=64)
    password: str | None = Field(default=None, min_length=1, max_length=200)
    private_key: str | None = Field(default=None, min_length=20, max_length=20000)
    passphrase: str | None = Field(default=None, max_length=200)
    device_type: str | None = Field(default=None, max_length=64, pattern=r"^[a-z0-9_]+$")

    @model_validator(mode="after")
    def _credentials(self) -> SshIn:
        if not (self.password or self.private_key):
            raise ValueError("SSH needs a password or a private_key")
        return self


TargetIn = Annotated[SnmpIn | SshIn, Field(discriminator="kind")]
SECRET_FIELDS = ("community", "auth_key", "priv_key", "password", "private_key", "passphrase")


_TARGET = TypeAdapter(TargetIn)


def parse(data: Any) -> SnmpIn | SshIn:
    # skip=1: the first location part only names the union branch (snmp or ssh)
    return validation.parse(_TARGET, data, skip=1)


def create(session: Session, settings: Settings, user: User, server_id: int, body: SnmpIn | SshIn) -> CollectionTarget:
    if session.get(Server, server_id) is None:
        raise NotFound(f"server {server_id} not found")
    secrets = {k: getattr(body, k) for k in SECRET_FIELDS if getattr(body, k, None)}
    t = CollectionTarget(
        server_id=server_id, kind=body.kind, role=body.role, address=body.address, port=body.port,
        snmp_version=getattr(body, "version", None), snmp_user=getattr(body, "user", None),
        auth_protocol=getattr(body, "auth_protocol", None) if body.kind == "snmp" and body.version == "3" else None,
        priv_protocol=getattr(body, "priv_protocol", None) if body.kind == "snmp" and body.version == "3" else None,
        ssh_username=getattr(body, "username", None), device_type=getattr(body, "device_type", None),
        secrets=SecretBox(settings).seal(secrets), created_by=user.username, site=body.site)
    session.add(t)
    session.flush()
    return t


def out(t: CollectionTarget) -> dict[str, Any]:
    """A target as the API shows it: which secrets are set, never their values."""
    return {"id": t.id, "server_id": t.server_id, "kind": t.kind, "role": t.role, "address": t.address,
            "port": t.port, "snmp_version": t.snmp_version, "snmp_user": t.snmp_user,
            "auth_protocol": t.auth_protocol, "priv_protocol": t.priv_protocol, "username": t.ssh_username,
            "device_type": t.device_type, "host_key_fingerprint": t.host_key_fingerprint,
            "host_key_pinned_at": t.host_key_pinned_at, "last_ok": t.last_ok, "last_error": t.last_error,
            "last_collected_at": t.last_collected_at, "retired_at": t.retired_at, "site": t.site or ""}


def active(session: Session, server_id: int) -> list[CollectionTarget]:
    return list(session.scalars(select(CollectionTarget).where(
        CollectionTarget.server_id == server_id, CollectionTarget.retired_at.is_(None))
        .order_by(CollectionTarget.id)))


@dataclass
class Plan:
    """A target ready to collect, with its secrets opened (kept in memory only)."""

    target_id: int
    kind: str
    collector_target: Any
    pinned: str | None = None


@dataclass
class Outcome:
    target_id: int
    kind: str
    ok: bool
    error: str | None = None
    inventory: dict[str, Any] | None = None
    condition: dict[str, Any] | None = None
    pin: tuple[str, str] | None = None          # (key line, fingerprint) on first contact
    changed: tuple[str, str] | None = None      # (presented key line, fingerprint) when refused
    extra: dict[str, Any] = field(default_factory=dict)
    device_kind: str | None = None              # the asset kind the device says it is (SNMP)
    device_fields: dict[str, Any] = field(default_factory=dict)   # that kind's fields it tells (VA, ports)


def load(settings: Settings, t: CollectionTarget) -> Plan:
    secrets = SecretBox(settings).open(t.secrets)
    ct: SnmpTarget | SshTarget
    if t.kind == "snmp":
        from collectors.snmp import SnmpTarget
        version = cast(Literal["2c", "3"], t.snmp_version or "2c")  # stored from SnmpIn.version
        ct = SnmpTarget(address=t.address, port=t.port, version=version,
                        community=secrets.get("community"), user=t.snmp_user,
                        auth_protocol=t.auth_protocol or "SHA", auth_key=secrets.get("auth_key"),
                        priv_protocol=t.priv_protocol or "AES", priv_key=secrets.get("priv_key"), id=t.id)
    else:
        from collectors.ssh import SshTarget
        ct = SshTarget(address=t.address, port=t.port, username=t.ssh_username or "root",
                       password=secrets.get("password"), private_key=secrets.get("private_key"),
                       passphrase=secrets.get("passphrase"), device_type=t.device_type, id=t.id)
    return Plan(t.id, t.kind, ct, t.host_key)


def collect(plan: Plan) -> Outcome:
    """Talk to the device: no database here. Whatever the device does is this target's error."""
    try:
        return _collect(plan)
    except Exception as exc:  # noqa: BLE001 - a hostile device must not be a 500 or stop a run
        log.warning("collection from %s target %s raised %r", plan.kind, plan.target_id, exc)
        return Outcome(plan.target_id, plan.kind, False, f"collection failed: {type(exc).__name__}: {exc}"[:500])


def _collect(plan: Plan) -> Outcome:
    if plan.kind == "snmp":
        from collectors.snmp import collect_many_sync
        [snmp] = collect_many_sync([plan.collector_target])
        return Outcome(plan.target_id, "snmp", snmp.ok, snmp.error,
                       snmp.inventory.to_dict() if snmp.inventory else None,
                       snmp.condition.to_dict() if snmp.condition else None,
                       device_kind=snmp.device.kind if snmp.device else None,
                       device_fields=snmp.device.kind_fields if snmp.device else {})
    from collectors.ssh import collect as ssh_collect
    res = ssh_collect(plan.collector_target, plan.pinned)
    out_ = Outcome(plan.target_id, "ssh", res.ok, res.error,
                   res.inventory.to_dict() if res.inventory else None,
                   res.condition.to_dict() if res.condition else None, extra={"outputs": res.outputs})
    if res.first_contact and res.host_key is not None and res.ok:
        out_.pin = (res.host_key.public_key, res.host_key.fingerprint)
    if res.host_key_changed is not None:
        seen = res.host_key_changed.presented
        out_.changed = (seen.public_key, seen.fingerprint) if seen else ("(no key of the pinned type)", "-")
    return out_


def record(session: Session, outcome: Outcome, now: datetime | None = None) -> CollectionTarget:
    """Write what a collection found: pin a first host key, raise a finding for a changed one."""
    now = now or utcnow()
    t = session.get_one(CollectionTarget, outcome.target_id)
    t.last_ok, t.last_error, t.last_collected_at = outcome.ok, (outcome.error or "")[:500] or None, now
    if outcome.pin and not t.host_key:
        t.host_key, t.host_key_fingerprint, t.host_key_pinned_at = outcome.pin[0], outcome.pin[1], now
    if outcome.ok and outcome.device_kind and t.role == "server":
        server = session.get_one(Server, t.server_id)
        learn_kind(server, outcome.device_kind, outcome.inventory or {}, t.address, outcome.device_fields)
    if outcome.changed:
        exists = session.scalar(select(Finding.id).where(
            Finding.server_id == t.server_id, Finding.kind == "hostkey_changed",
            Finding.field == f"host_key:{t.id}", Finding.observed == outcome.changed[0], Finding.status == "open"))
        if not exists:
            session.add(Finding(server_id=t.server_id, kind="hostkey_changed", field=f"host_key:{t.id}",
                                recorded=t.host_key, observed=outcome.changed[0], source="ssh",
                                note=f"pinned {t.host_key_fingerprint}, presented {outcome.changed[1]}"))
    session.flush()
    return t


# Kinds nobody chose: a row registered without a kind is a server by default, "other" says "not
# sure". A kind an officer set otherwise is theirs; the device does not overrule it.
UNDECIDED = frozenset({"server", "other"})


def learn_kind(server: Server, kind: str, inventory: dict[str, Any], address: str,
               told: dict[str, Any] | None = None) -> None:
    """The register row of a device the collector inventoried becomes its kind (a switch, a UPS),
    with the fields the inventory tells; an officer's own choice of kind stands."""
    told = told or {}
    from ..domain.asset_kinds import AssetKind, validate_fields

    if kind == server.kind or server.kind not in UNDECIDED or kind not in AssetKind.__members__:
        return
    if kind == AssetKind.server and server.kind == AssetKind.other:
        return
    fields: dict[str, Any] = {}
    ip = address if all(p.isdigit() for p in address.split(".")) and address.count(".") == 3 else None
    if kind == AssetKind.network_device:
        ports = [n for n in inventory.get("nics") or [] if isinstance(n, dict)]
        fields = {"device_type": "switch", "ports": told.get("ports") or len(ports) or None, "management_ip": ip}
    elif kind == AssetKind.ups_pdu:
        fields = {"device_type": "ups", "management_ip": ip, "va_rating": told.get("va_rating")}
    server.kind = kind
    attributes = validate_fields(kind, {k: v for k, v in fields.items() if v is not None})
    server.attributes = json.dumps(attributes, sort_keys=True) if attributes else None
    server.management_ip = server.management_ip or ip


def repin(session: Session, finding: Finding) -> None:
    """An officer accepted a changed host key (the server was reinstalled): pin the new one."""
    from collectors.hostkeys import parse_pinned

    target_id = int(finding.field.split(":", 1)[1])
    t = session.get_one(CollectionTarget, target_id)
    assert finding.observed is not None  # a hostkey_changed finding always holds the presented key
    t.host_key = finding.observed
    t.host_key_fingerprint = parse_pinned(finding.observed).fingerprint
    t.host_key_pinned_at = utcnow()


def retire(session: Session, target_id: int) -> CollectionTarget:
    t = session.get(CollectionTarget, target_id)
    if t is None:
        raise NotFound(f"target {target_id} not found")
    t.retired_at = t.retired_at or utcnow()
    session.flush()
    return t




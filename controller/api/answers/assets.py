"""The asset register, a server's asset record and its card (services.assets)."""

from __future__ import annotations

from datetime import date

from .common import Answer, Json, Money, Timestamp


class AssetRow(Answer):
    server_id: int
    unit_code: str
    brand: str
    model: str
    serial_number: str
    condition: str | None
    asset_code: str | None
    nup: str | None
    owner: str
    disposed_at: Timestamp | None


class AssetRecordOut(Answer):
    """The register fields of one server (kode barang, NUP, owner, acquisition)."""

    id: int
    server_id: int
    asset_code: str | None
    nup: str | None
    owner: str
    acquired_on: date | None
    acquisition_value: Money | None
    disposed_at: Timestamp | None
    updated_by: str
    updated_at: Timestamp


class ConditionChangeOut(Answer):
    at: Timestamp
    before: str
    after: str
    actor: str


class LocationSpanOut(Answer):
    where: str
    status: str
    since: Timestamp
    until: Timestamp | None


class CardEventOut(Answer):
    at: Timestamp
    kind: str
    text: str
    actor: str | None
    note: str | None


class AssetCardOut(Answer):
    """The kartu inventaris as data: what the PDF prints."""

    office_name: str
    place: str
    generated: Timestamp
    server_id: int
    brand: str
    model: str
    serial_number: str
    hostname: str | None
    height_u: int | None
    unit_code: str
    unit_name: str
    condition: str
    location: str | None
    asset_code: str | None
    nup: str | None
    owner: str
    acquired_on: date | None
    acquisition_value: Money | None
    disposed_at: Timestamp | None
    conditions: list[ConditionChangeOut]
    locations: list[LocationSpanOut]
    events: list[CardEventOut]
    details: dict[str, list[dict[str, Json]]]
    timezone: str

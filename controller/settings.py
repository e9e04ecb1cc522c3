"""The one settings object: `TITIP_*` environment variables, optionally a config file.

Nothing else in the controller reads the environment; the object is built once at the
edge (CLI, app factory, tests) and passed in.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


def _default_db_url() -> str:
    return f"sqlite:///{Path('var') / 'titip.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TITIP_", extra="ignore")

    database_url: str = Field(default_factory=_default_db_url)
    # Signs login tokens. The default is for local demos only; production sets its own.
    secret_key: str = "titip-insecure-dev-key-change-me"
    # A demo run (`make demo`, `titip serve --demo`): `titip serve` accepts the development key.
    demo: bool = False
    # Encrypts collector secrets at rest; defaults to a key derived from secret_key.
    secrets_key: str | None = None
    timezone: str = "Asia/Jakarta"
    token_minutes: int = 12 * 60
    # Send the web session cookie over HTTPS only; set true behind TLS (the default serves the
    # loopback demo over plain HTTP).
    cookie_secure: bool = False
    office_name: str = "Dinas Komunikasi dan Informatika"
    # Printed at the top of forms, one line per line.
    office_letterhead: str = "PEMERINTAH KABUPATEN CONTOH\nDINAS KOMUNIKASI DAN INFORMATIKA"
    office_city: str = "Kota Contoh"
    # Working hours for service times (SOP: 1 working day per step).
    office_opens: str = "08:00"
    office_closes: str = "16:00"
    reservation_hold_days: int = 14
    # A server is "up" while its agent's last heartbeat is younger than this.
    heartbeat_stale_seconds: int = 300
    # When set, GET /metrics wants `Authorization: Bearer <token>` (Prometheus: authorization.credentials).
    metrics_token: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "titip@localhost"
    # Background jobs (mail outbox, lapsed reservations) inside `titip serve`.
    scheduler_enabled: bool = True
    mail_interval_seconds: int = 30
    # Monthly inventory (SOP: every month): cron day and time in `timezone`.
    inventory_day: int = 1
    inventory_hour: int = 2
    inventory_minute: int = 0
    # An agent inventory younger than this is used as is; older ones are collected afresh.
    inventory_agent_fresh_hours: int = 48
    # A run whose worker stopped renewing its lease for this long is taken over and resumed.
    inventory_lease_seconds: int = 300
    # Access probes of every active server.
    probe_interval_minutes: int = 15
    # Measurements older than this many days are pruned every night; 0 keeps them forever.
    # Agent inventories are evidence and always kept, as is each server's latest probe round.
    retention_heartbeat_days: int = Field(default=90, ge=0)
    retention_access_check_days: int = Field(default=90, ge=0)
    config_file: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo

        ZoneInfo(v)  # raises for an unknown zone, so a typo fails at start, not at midnight
        return v

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _FileSource(settings_cls))


class _FileSource(PydanticBaseSettingsSource):
    """Optional TOML file named by TITIP_CONFIG_FILE; environment variables win over it."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = os.environ.get("TITIP_CONFIG_FILE")
        if not path:
            return {}
        import tomllib

        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        return {k: v for k, v in data.get("titip", data).items()}

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


# The development audit key: for `make demo` and the tests only (`titip serve` refuses it unless
# the run is a demo).
DEV_AUDIT_KEY = "titip-insecure-dev-audit-key-change-me-0123456789"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TITIP_", extra="ignore")

    database_url: str = Field(default_factory=_default_db_url)
    # Signs login tokens. The default is for local demos only; production sets its own.
    secret_key: str = "titip-insecure-dev-key-change-me"
    # A demo run (`make demo`, `titip serve --demo`): `titip serve` accepts the development key.
    demo: bool = False
    # Encrypts collector secrets at rest; defaults to a key derived from secret_key.
    # Superseded by sealing_keys; still read so secrets sealed under it open.
    secrets_key: str | None = None
    # Keys for collector secrets at rest, newest first: "id:secret,id:secret" (each secret at
    # least 32 characters). New secrets are sealed under the first; all are accepted.
    sealing_keys: str | None = None
    # Keys the audit chain (HMAC-SHA256 of each event and of the head). Kept outside the
    # database, so write access to the database alone cannot extend the chain. The default is
    # for demos and tests only.
    audit_key: str = DEV_AUDIT_KEY
    # Local state of this controller: audit anchors, backups.
    data_dir: str = "var"
    # Where `titip audit anchor` and the nightly anchor append the chain head (default
    # DATA_DIR/audit-anchors.jsonl); keep a copy off this machine.
    anchor_file: str | None = None
    # Nightly backups (DATA_DIR/backups by default); the newest `backup_keep` are kept.
    backup_dir: str | None = None
    backup_keep: int = Field(default=7, ge=1)
    backup_enabled: bool = True
    timezone: str = "Asia/Jakarta"
    token_minutes: int = 12 * 60
    # Login throttling (per account; an address gets three times as much): delays from the 3rd
    # wrong password, growing to login_max_delay_seconds; a lock of login_lock_seconds at the
    # login_lock_after-th. The lock ends by itself.
    login_lock_after: int = Field(default=10, ge=1)
    login_lock_seconds: int = Field(default=15 * 60, ge=1)
    login_max_delay_seconds: int = Field(default=60, ge=1)
    # Send the web session cookie over HTTPS only; set true behind TLS (the default serves the
    # loopback demo over plain HTTP).
    cookie_secure: bool = False
    office_name: str = "Dinas Komunikasi dan Informatika"
    # Printed at the top of forms, one line per line.
    office_letterhead: str = "PEMERINTAH KABUPATEN CONTOH\nDINAS KOMUNIKASI DAN INFORMATIKA"
    office_city: str = "Kota Contoh"
    # The rest of the letterhead (kop surat): the office's address, phone, web site and e-mail, and
    # its logo (a PNG, JPEG or SVG file; printed left of the letterhead). paper_size: A4, or F4
    # (215 x 330 mm, the folio many offices print on).
    office_address: str | None = None
    office_phone: str | None = None
    office_website: str | None = None
    office_email: str | None = None
    office_logo: str | None = None
    paper_size: str = Field(default="A4", pattern="^(A4|F4)$")
    # How forms name the superiors who sign "Mengetahui" and dispositions.
    head_title: str = "Kepala Dinas Komunikasi dan Informatika"
    division_head_title: str = "Kepala Bidang Aplikasi Informatika"
    # To whom the monthly reconciliation report goes (SOP 000 Penggunaan 4: "melaporkan ke asisten"):
    # the regional secretariat's assistant over the region's assets.
    reconciliation_addressee: str = Field(default="Asisten Perekonomian dan Pembangunan Sekretariat Daerah",
                                          min_length=1, max_length=200)
    # The office's electronic seal on every issued PDF (PAdES): a PKCS#12 file with the office's
    # certificate and key (production: from BSrE; `titip pki init-demo` makes a demo one) and its
    # passphrase. Unset: forms are issued unsealed. seal_tsa_url: an RFC 3161 timestamp server (B-T).
    seal_p12: str | None = None
    seal_passphrase: str | None = Field(default=None, repr=False)
    seal_tsa_url: str | None = None
    # Personal certified signatures through BSrE's signing service (esign-client): its base URL
    # (e.g. http://esign.internal), the office's account on it, and a private CA for its TLS
    # certificate. Unset: nobody signs through it and nothing ever calls out.
    bsre_url: str | None = None
    bsre_username: str | None = None
    bsre_password: str | None = Field(default=None, repr=False)
    bsre_ca_file: str | None = None
    bsre_timeout_seconds: float = Field(default=30, gt=0, le=300)
    # Document numbers (Tata Naskah Dinas): a pattern per document kind, from {klasifikasi} (the
    # kind's classification code below), {nomor} (the office-wide sequence of the kind and year,
    # gapless, at least 3 digits), {kode_opd} (office_code), {kode_unit} (the unit's code) and
    # {tahun}; e.g. {"handover": "{klasifikasi}/{nomor}/{kode_opd}/{tahun}"}. Kinds not named keep
    # the defaults (BAST/{nomor}/{kode_unit}/{tahun}, BAST-K/... for the return form).
    document_number_patterns: dict[str, str] = Field(default_factory=dict)
    document_classifications: dict[str, str] = Field(default_factory=dict)
    office_code: str = ""
    # Where the public reaches this controller: printed under each form's QR code (/verify/...).
    public_url: str = "http://127.0.0.1:8000"
    # Working hours for service times (SOP: 1 working day per step).
    office_opens: str = "08:00"
    office_closes: str = "16:00"
    reservation_hold_days: int = 14
    # A server is "up" while its agent's last heartbeat is younger than this.
    heartbeat_stale_seconds: int = 300
    # GET /metrics wants `Authorization: Bearer <token>` (Prometheus: authorization.credentials).
    # Without a token it is closed, unless metrics_open says it may be read by anyone who
    # reaches the port (it maps the room: serials, units, hostnames).
    metrics_token: str | None = None
    metrics_open: bool = False
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "titip@localhost"
    # Government mail servers want STARTTLS (port 587) or TLS from the start (465) and a login.
    smtp_security: str = Field(default="none", pattern="^(none|starttls|tls)$")
    smtp_username: str | None = None
    smtp_password: str | None = Field(default=None, repr=False)
    smtp_ca_file: str | None = None        # a private CA for the mail server's certificate
    # Background jobs (mail outbox, lapsed reservations) inside `titip serve`.
    scheduler_enabled: bool = True
    mail_interval_seconds: int = 30
    # The daily digest, for people who chose one instead of a mail per notice: hour in `timezone`.
    digest_hour: int = Field(default=7, ge=0, le=23)
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
    # PostgreSQL: jobs run on the database's task queue (controller.jobqueue). `titip serve` runs
    # a queue worker too unless this is false (then run `titip worker` somewhere).
    serve_worker: bool = True
    # Jobs one queue worker holds at once (mail beside a long monthly inventory; probe batches,
    # which wait on the network rather than work).
    worker_concurrency: int = Field(default=32, ge=1, le=256)
    # Probes in flight at once in one worker process (TITIP_PROBE_CONCURRENCY), and servers per
    # queued probe batch (small: a silent host holds back only its own batch).
    probe_concurrency: int = Field(default=64, ge=1, le=1024)
    probe_batch_size: int = Field(default=20, ge=1, le=10_000)
    # Monthly inventory on PostgreSQL: SNMP/SSH collections at once per worker process.
    collect_concurrency: int = Field(default=8, ge=1, le=256)
    # A worker silent this long is taken for dead: its running jobs are failed (a job's next tick
    # runs elsewhere) or, for probe batches, run again by another worker.
    worker_heartbeat_seconds: float = Field(default=10, gt=0)
    worker_stalled_seconds: float = Field(default=60, gt=0)
    # Overrides of a queued job's schedule, as UTC cron with an optional 6th field of seconds,
    # e.g. {"probe_access": "* * * * * */5"} (tests, or an unusual office).
    job_schedule: dict[str, str] = Field(default_factory=dict)
    config_file: str | None = None
    # Asset kinds the office takes into custody (SOP 002), comma-separated; rack-mountable kinds only.
    depositable_kinds: str = "server"

    @field_validator("audit_key")
    @classmethod
    def _long_audit_key(cls, v: str) -> str:
        if len(v.encode()) < 32:
            raise ValueError("TITIP_AUDIT_KEY must be at least 32 bytes (openssl rand -hex 32)")
        return v

    @field_validator("document_number_patterns")
    @classmethod
    def _number_patterns(cls, v: dict[str, str]) -> dict[str, str]:
        from .services.numbering import check_pattern

        for kind, pattern in v.items():
            check_pattern(kind, pattern)  # a bad pattern fails at start, not at the first handover
        return v

    @field_validator("depositable_kinds")
    @classmethod
    def _depositable(cls, v: str) -> str:
        from .domain.asset_kinds import parse_depositable

        parse_depositable(v)  # an unknown or rackless kind fails at start, not at the first letter
        return v

    def depositable(self) -> frozenset[str]:
        from .domain.asset_kinds import parse_depositable

        return parse_depositable(self.depositable_kinds)

    @field_validator("office_logo")
    @classmethod
    def _printable_logo(cls, v: str | None) -> str | None:
        from .documents.letterhead import logo_uri

        logo_uri(v)  # a missing or unreadable logo fails at start, not at the first issued form
        return v

    @field_validator("sealing_keys")
    @classmethod
    def _sealing_keys(cls, v: str | None) -> str | None:
        if v is not None and v.strip():
            parse_sealing_keys(v)  # raises for a malformed list at start, not at the first collection
        return v

    def anchor_path(self) -> Path:
        return Path(self.anchor_file) if self.anchor_file else Path(self.data_dir) / "audit-anchors.jsonl"

    def backup_path(self) -> Path:
        return Path(self.backup_dir) if self.backup_dir else Path(self.data_dir) / "backups"

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


def parse_sealing_keys(value: str) -> list[tuple[str, str]]:
    """`id:secret,id:secret` -> [(id, secret)], newest first; ids are short names, secrets long."""
    import re

    out: list[tuple[str, str]] = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        kid, sep, secret = part.partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z0-9_.-]{1,32}", kid):
            raise ValueError("TITIP_SEALING_KEYS: each entry is ID:SECRET, ID of letters, digits, . _ -")
        if len(secret.encode()) < 32:
            raise ValueError(f"TITIP_SEALING_KEYS: the secret of key {kid!r} must be at least 32 bytes")
        if kid == "derived":
            raise ValueError("TITIP_SEALING_KEYS: the key id 'derived' is reserved (secrets sealed before key ids)")
        if kid in (k for k, _ in out):
            raise ValueError(f"TITIP_SEALING_KEYS: key id {kid!r} given twice")
        out.append((kid, secret))
    return out


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

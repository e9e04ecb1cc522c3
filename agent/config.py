"""Agent settings and the state directory that holds them.

Layout of the state directory (default /var/lib/titip-agent, mode 0700)::

    config.json   AgentConfig without the credential (safe to read and edit)
    credential    the bearer credential from enrollment, mode 0600, nothing else
    spool/        reports waiting to be sent, one file each

The credential lives apart from config.json so the config can be shown, copied
or attached to a ticket without leaking the secret.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_STATE_DIR = Path("/var/lib/titip-agent")
CONFIG_FILE = "config.json"
CREDENTIAL_FILE = "credential"
SPOOL_DIR = "spool"


class NotEnrolled(RuntimeError):
    """The state directory has no config or credential yet."""


@dataclass
class AgentConfig:
    """Everything the run loop needs; knobs are editable in config.json."""

    controller_url: str
    state_dir: Path = DEFAULT_STATE_DIR
    agent_id: str | None = None
    ca_file: str | None = None
    allow_insecure_http: bool = False
    interval_seconds: float = 60.0
    inventory_interval_seconds: float = 86400.0
    spool_max_bytes: int = 64 * 1024 * 1024
    timeout_seconds: float = 10.0
    backoff_base_seconds: float = 2.0
    backoff_max_seconds: float = 300.0

    @property
    def config_path(self) -> Path:
        return self.state_dir / CONFIG_FILE

    @property
    def credential_path(self) -> Path:
        return self.state_dir / CREDENTIAL_FILE

    @property
    def spool_dir(self) -> Path:
        return self.state_dir / SPOOL_DIR

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data.pop("state_dir")  # implied by where the file is
        return data


def ensure_state_dir(state_dir: Path) -> None:
    """Create the state directory private to the agent's user."""
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    (state_dir / SPOOL_DIR).mkdir(mode=0o700, exist_ok=True)


def write_private(path: Path, text: str) -> None:
    """Write atomically (temp + rename) with mode 0600 from the first byte."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.chmod(tmp, 0o600)  # a leftover temp file would keep its old mode: O_CREAT sets it only on new files
    os.replace(tmp, path)


def save_config(config: AgentConfig) -> None:
    ensure_state_dir(config.state_dir)
    write_private(config.config_path, json.dumps(config.to_json(), indent=2) + "\n")


def load_config(state_dir: Path) -> AgentConfig:
    path = state_dir / CONFIG_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotEnrolled(f"no {path}; run 'titip-agent enroll' first") from None
    known = {f.name for f in dataclasses.fields(AgentConfig)} - {"state_dir"}
    return AgentConfig(state_dir=state_dir, **{k: v for k, v in data.items() if k in known})


def save_credential(state_dir: Path, credential: str) -> None:
    ensure_state_dir(state_dir)
    write_private(state_dir / CREDENTIAL_FILE, credential + "\n")


def load_credential(state_dir: Path) -> str:
    """Read on every send so a re-enrollment takes effect without a restart."""
    path = state_dir / CREDENTIAL_FILE
    try:
        credential = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise NotEnrolled(f"no credential in {state_dir}; run 'titip-agent enroll' first") from None
    if not credential:
        raise NotEnrolled(f"empty credential in {state_dir}; run 'titip-agent enroll' again")
    return credential

"""Agent settings and the state directory that holds them.

Layout of the state directory (default /var/lib/titip-agent, mode 0700)::

    config.json   AgentConfig without the credential (safe to read and edit)
    credential    the bearer credential from enrollment, mode 0600, nothing else
    spool/        reports waiting to be sent, one file each

The credential lives apart from config.json so the config can be shown, copied
or attached to a ticket without leaking the secret.
"""

from __future__ import annotations

import json
import os

DEFAULT_STATE_DIR = "/var/lib/titip-agent"
CONFIG_FILE = "config.json"
CREDENTIAL_FILE = "credential"
SPOOL_DIR = "spool"


class NotEnrolled(RuntimeError):
    """The state directory has no config or credential yet."""


class AgentConfig:
    """Everything the run loop needs; knobs are editable in config.json.

    A plain class, not a dataclass: `dataclasses` pulls in `inspect` and friends, ~1 MB of RSS
    in the resident agent. Paths are strings (os.path) for the same reason (pathlib ~0.5 MB).
    """

    KNOBS = ("controller_url", "agent_id", "ca_file", "allow_insecure_http", "interval_seconds",
             "inventory_interval_seconds", "spool_max_bytes", "timeout_seconds",
             "backoff_base_seconds", "backoff_max_seconds")  # what config.json holds, in order

    def __init__(self, controller_url: str, state_dir: str | os.PathLike[str] = DEFAULT_STATE_DIR,
                 agent_id: str | None = None, ca_file: str | None = None,
                 allow_insecure_http: bool = False, interval_seconds: float = 60.0,
                 inventory_interval_seconds: float = 86400.0,
                 spool_max_bytes: int = 64 * 1024 * 1024, timeout_seconds: float = 10.0,
                 backoff_base_seconds: float = 2.0, backoff_max_seconds: float = 300.0) -> None:
        self.controller_url = controller_url
        self.state_dir = os.fspath(state_dir)
        self.agent_id = agent_id
        self.ca_file = ca_file
        self.allow_insecure_http = allow_insecure_http
        self.interval_seconds = interval_seconds
        self.inventory_interval_seconds = inventory_interval_seconds
        self.spool_max_bytes = spool_max_bytes
        self.timeout_seconds = timeout_seconds
        self.backoff_base_seconds = backoff_base_seconds
        self.backoff_max_seconds = backoff_max_seconds

    def __repr__(self) -> str:
        return f"AgentConfig({self.controller_url!r}, state_dir={self.state_dir!r})"

    @property
    def config_path(self) -> str:
        return os.path.join(self.state_dir, CONFIG_FILE)

    @property
    def credential_path(self) -> str:
        return os.path.join(self.state_dir, CREDENTIAL_FILE)

    @property
    def spool_dir(self) -> str:
        return os.path.join(self.state_dir, SPOOL_DIR)

    def to_json(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.KNOBS}  # state_dir: where the file is


def ensure_state_dir(state_dir: str | os.PathLike[str]) -> None:
    """Create the state directory private to the agent's user."""
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    try:
        os.mkdir(os.path.join(state_dir, SPOOL_DIR), mode=0o700)
    except FileExistsError:
        pass


def write_private(path: str | os.PathLike[str], text: str) -> None:
    """Write atomically (temp + rename) with mode 0600 from the first byte."""
    head, name = os.path.split(os.fspath(path))
    tmp = os.path.join(head, f".{name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    os.chmod(tmp, 0o600)  # a leftover temp file would keep its old mode: O_CREAT sets it only on new files
    os.replace(tmp, path)


def save_config(config: AgentConfig) -> None:
    ensure_state_dir(config.state_dir)
    write_private(config.config_path, json.dumps(config.to_json(), indent=2) + "\n")


def load_config(state_dir: str | os.PathLike[str]) -> AgentConfig:
    path = os.path.join(state_dir, CONFIG_FILE)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise NotEnrolled(f"no {path}; run 'titip-agent enroll' first") from None
    return AgentConfig(state_dir=state_dir, **{k: v for k, v in data.items()
                                               if k in AgentConfig.KNOBS})


def save_credential(state_dir: str | os.PathLike[str], credential: str) -> None:
    ensure_state_dir(state_dir)
    write_private(os.path.join(state_dir, CREDENTIAL_FILE), credential + "\n")


def load_credential(state_dir: str | os.PathLike[str]) -> str:
    """Read on every send so a re-enrollment takes effect without a restart."""
    try:
        with open(os.path.join(state_dir, CREDENTIAL_FILE), encoding="utf-8") as fh:
            credential = fh.read().strip()
    except FileNotFoundError:
        raise NotEnrolled(f"no credential in {os.fspath(state_dir)}; run 'titip-agent enroll' first") from None
    if not credential:
        raise NotEnrolled(f"empty credential in {os.fspath(state_dir)}; run 'titip-agent enroll' again")
    return credential

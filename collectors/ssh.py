"""SSH inventory collector: paramiko for Linux servers, netmiko for network devices.

Host keys are pinned. `collect(target, known_host_key)`:
- no pinned key (first contact): the key the server presents is returned in
  `host_key` with `first_contact=True`, for the caller to store and show to the
  officer (trust on first use, recorded);
- a pinned key that the server does not present: nothing is authenticated or run,
  and `host_key_changed` holds the finding. There is no AutoAddPolicy anywhere.

Credentials (password, private key) never appear in repr(), results or logs.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import paramiko

from collectors import ssh_facts
from collectors.hostkeys import (
    HostKeyChanged,
    HostKeyInfo,
    algorithms_for,
    info_of,
    known_hosts_line,
    matches,
    parse_pinned,
)
from collectors.record import ConditionRecord, InventoryRecord
from collectors.ssh_network import collect_network

log = logging.getLogger(__name__)
_SECRETS = ("password", "private_key", "passphrase")
LINUX_TYPES = (None, "")   # read with paramiko; netmiko's "linux" still goes through netmiko


@dataclass
class SshTarget:
    """Where and how to log in.

    `device_type` None is a Linux server read with paramiko and the inventory
    script; any netmiko device type (including "linux") is read with netmiko.
    """

    address: str
    port: int = 22
    username: str = "root"
    password: str | None = None
    private_key: str | None = None     # the key's text (OpenSSH or PEM), never a path to a shared file
    passphrase: str | None = None
    device_type: str | None = None     # netmiko's, e.g. "cisco_ios", "juniper_junos", "linux"
    timeout: float = 10.0
    id: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {k: ("***" if k in _SECRETS and v else v) for k, v in self.__dict__.items()}

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items() if v is not None)
        return f"SshTarget({shown})"

    __str__ = __repr__


@dataclass
class SshResult:
    target: SshTarget
    ok: bool
    error: str | None = None
    host_key: HostKeyInfo | None = None          # what the server presented
    first_contact: bool = False                  # True: store `host_key` as the pin (TOFU)
    host_key_changed: HostKeyChanged | None = None
    inventory: InventoryRecord | None = None
    condition: ConditionRecord | None = None
    outputs: dict[str, str] = field(default_factory=dict)   # network devices: command -> output
    elapsed_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target.to_dict(), "ok": self.ok, "error": self.error,
                "host_key": self.host_key.to_dict() if self.host_key else None,
                "first_contact": self.first_contact,
                "host_key_changed": self.host_key_changed.to_dict() if self.host_key_changed else None,
                "inventory": self.inventory.to_dict() if self.inventory else None,
                "condition": self.condition.to_dict() if self.condition else None,
                "outputs": self.outputs, "elapsed_ms": self.elapsed_ms}


def load_private_key(text: str, passphrase: str | None = None) -> paramiko.PKey:
    """A private key from its text, whatever its type."""
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return cls.from_private_key(io.StringIO(text), passphrase)
        except paramiko.PasswordRequiredException:
            raise
        except (paramiko.SSHException, ValueError):
            continue
    raise paramiko.SSHException("the private key is not an Ed25519, ECDSA or RSA key")


def _handshake(target: SshTarget, pinned: HostKeyInfo | None) -> paramiko.Transport:
    sock = socket.create_connection((target.address, target.port), timeout=target.timeout)
    transport = paramiko.Transport(sock)
    transport.banner_timeout = transport.handshake_timeout = target.timeout
    if pinned is not None:
        offered = [a for a in algorithms_for(pinned) if a in transport.preferred_keys]
        transport.get_security_options().key_types = offered or algorithms_for(pinned)
    try:
        transport.start_client(timeout=target.timeout)
    except BaseException:
        _close(transport)
        raise
    return transport


def _close(transport: paramiko.Transport) -> None:
    """Close the transport and its socket: after a failed handshake paramiko's close() skips the socket."""
    transport.close()
    transport.sock.close()


def _authenticate(transport: paramiko.Transport, target: SshTarget) -> None:
    if target.private_key:
        transport.auth_publickey(target.username, load_private_key(target.private_key, target.passphrase))
    elif target.password is not None:
        transport.auth_password(target.username, target.password)
    else:
        raise paramiko.AuthenticationException("no password or key configured for this target")


def _run(transport: paramiko.Transport, command: str, timeout: float) -> str:
    channel = transport.open_session(timeout=timeout)
    channel.settimeout(timeout)
    channel.exec_command(command)
    chunks = []
    while True:
        chunk = channel.recv(65536)
        if not chunk:
            break
        chunks.append(chunk)
    channel.close()
    return b"".join(chunks).decode("utf-8", "replace")


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, paramiko.AuthenticationException):
        return f"authentication failed: {exc}"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (nothing listening)"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def collect(target: SshTarget, known_host_key: str | None = None) -> SshResult:
    """Read one server or device; every failure is the result's `error`, nothing is raised."""
    start = time.perf_counter()
    result = SshResult(target, ok=False, first_contact=known_host_key is None)
    try:
        pinned = parse_pinned(known_host_key) if known_host_key else None
    except ValueError as exc:
        result.error = f"pinned host key unreadable: {exc}"
        return result
    transport = None
    try:
        transport = _handshake(target, pinned)
        presented = transport.get_remote_server_key()
        result.host_key = info_of(presented)
        if pinned is not None and not matches(pinned, presented):
            result.host_key_changed = HostKeyChanged(target.address, target.port, pinned, result.host_key)
            result.error = result.host_key_changed.message
            log.warning("%s", result.error)
            return result
        if target.device_type not in LINUX_TYPES:
            _close(transport)  # netmiko logs in on its own connection, pinned to the same key
            transport = None
            result.outputs, result.inventory = collect_network(target, pinned or result.host_key)
        else:
            _authenticate(transport, target)
            output = _run(transport, ssh_facts.SCRIPT, target.timeout)
            result.inventory, result.condition = ssh_facts.build(output, target.address)
        result.ok = True
    except paramiko.SSHException as exc:
        if pinned is not None and result.host_key is None and "host key" in str(exc).lower():
            result.host_key_changed = HostKeyChanged(target.address, target.port, pinned, None)
            result.error = result.host_key_changed.message
        else:
            result.error = _error_text(exc)
    except (OSError, EOFError, ValueError) as exc:
        result.error = _error_text(exc)
    except Exception as exc:  # netmiko's own errors, or a device's odd output: never stop the run
        result.error = _error_text(exc)
    finally:
        if transport is not None:
            _close(transport)
        result.elapsed_ms = round((time.perf_counter() - start) * 1000, 1)
    if result.error and not result.host_key_changed:
        log.info("ssh %s:%s failed: %s", target.address, target.port, result.error)
    return result


def collect_many(targets: list[tuple[SshTarget, str | None]], workers: int = 16) -> list[SshResult]:
    """Collect (target, pinned key) pairs on a thread pool; results in the same order."""
    if not targets:
        return []
    with ThreadPoolExecutor(max_workers=min(workers, len(targets))) as pool:
        return list(pool.map(lambda pair: collect(*pair), targets))


def pinned_known_hosts(target: SshTarget, key: HostKeyInfo) -> str:
    """A private known_hosts file holding only the pinned key (for netmiko's RejectPolicy)."""
    handle, path = tempfile.mkstemp(prefix="titip-known-hosts-")
    with os.fdopen(handle, "w") as out:
        out.write(known_hosts_line(target.address, target.port, key))
    return path

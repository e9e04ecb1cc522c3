"""SSH host keys: what the officer is shown on first contact, and what a pinned key must match.

A key is pinned as its OpenSSH public line (``ssh-ed25519 AAAA...``); the
fingerprint is the ``SHA256:...`` form `ssh-keygen -l` prints, which is what an
officer compares with the server's console. Connections offer only the pinned
key's algorithm, so a server with several host keys cannot look "changed" just
because another algorithm won the negotiation.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import asdict, dataclass
from typing import Any

import paramiko

# Host-key algorithms that a pinned key of each type may be presented with.
_ALGORITHMS = {
    "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256"],
}


@dataclass(frozen=True)
class HostKeyInfo:
    """A server's host key as stored with the target and shown to the officer."""

    key_type: str       # "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"
    public_key: str     # the OpenSSH line to pin: "<type> <base64>"
    fingerprint: str    # "SHA256:<base64, unpadded>"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class HostKeyChanged:
    """Finding: the server is not the one we pinned. Nothing was sent to it but the handshake."""

    address: str
    port: int
    pinned: HostKeyInfo
    presented: HostKeyInfo | None   # None when it no longer offers a key of the pinned type

    @property
    def message(self) -> str:
        seen = self.presented.fingerprint if self.presented else f"no {self.pinned.key_type} key"
        return (f"host key of {self.address}:{self.port} changed: pinned {self.pinned.fingerprint}, "
                f"server presented {seen}; collection refused until an officer re-pins it")

    def to_dict(self) -> dict[str, Any]:
        return {"address": self.address, "port": self.port, "pinned": self.pinned.to_dict(),
                "presented": self.presented.to_dict() if self.presented else None,
                "message": self.message}


def fingerprint(blob: bytes) -> str:
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def info_of(key: paramiko.PKey) -> HostKeyInfo:
    return HostKeyInfo(key.get_name(), f"{key.get_name()} {key.get_base64()}", fingerprint(key.asbytes()))


def parse_pinned(line: str) -> HostKeyInfo:
    """A pinned key from an OpenSSH public line (a known_hosts line's host field is ignored)."""
    fields = line.split()
    for i, field in enumerate(fields[:-1]):
        if field.startswith(("ssh-", "ecdsa-", "sk-")):
            blob = base64.b64decode(fields[i + 1])
            return HostKeyInfo(field, f"{field} {fields[i + 1]}", fingerprint(blob))
    raise ValueError("not an OpenSSH public key line")


def matches(pinned: HostKeyInfo, presented: paramiko.PKey) -> bool:
    return pinned.fingerprint == fingerprint(presented.asbytes())


def algorithms_for(pinned: HostKeyInfo) -> list[str]:
    """The host-key algorithms to offer so the server presents the pinned key."""
    return _ALGORITHMS.get(pinned.key_type, [pinned.key_type])


def known_hosts_line(address: str, port: int, pinned: HostKeyInfo) -> str:
    host = address if port == 22 else f"[{address}]:{port}"
    return f"{host} {pinned.public_key}\n"

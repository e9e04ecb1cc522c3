"""Secrets at rest (SNMP communities and keys, SSH passwords and keys): Fernet, keys from settings.

Keys for sealing are apart from the login-token key: `TITIP_SEALING_KEYS` lists them newest
first, each with an id (`id:secret,id:secret`). A sealed value carries the id of its key
(`id:token`); new values are sealed under the newest key, and every listed key opens what it
sealed (cryptography's MultiFernet), so a rotation is: put a new key first, run
`titip secrets rotate`, then drop the old key. Values sealed before key ids have no prefix: they
are under the key derived from `TITIP_SECRETS_KEY`, else `TITIP_SECRET_KEY` (key id "derived"),
which stays accepted so existing deployments keep collecting.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from .settings import Settings, parse_sealing_keys

DERIVED = "derived"


class SealError(ValueError):
    """A sealed value no configured key opens; the message names the key id it was sealed under."""


def _fernet(label: bytes, material: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(label + material.encode()).digest()))


def key_id_of(sealed: str) -> str:
    """The id of the key a sealed value was written under: `id:token`, or "derived" for values
    sealed before key ids (under the key derived from TITIP_SECRETS_KEY / TITIP_SECRET_KEY)."""
    kid, sep, _ = sealed.partition(":")
    return kid if sep else DERIVED


class SecretBox:
    def __init__(self, settings: Settings) -> None:
        self._keys: dict[str, Fernet] = {
            kid: _fernet(b"titip-sealing-v2:", secret)
            for kid, secret in parse_sealing_keys(settings.sealing_keys or "")
        }
        self.newest = next(iter(self._keys), DERIVED)
        # The derived key stays accepted, last: secrets sealed before key ids still open.
        self._keys[DERIVED] = _fernet(b"titip-secrets-v1:", settings.secrets_key or settings.secret_key)
        self._any = MultiFernet(list(self._keys.values()))

    @property
    def key_ids(self) -> list[str]:
        return list(self._keys)

    def seal(self, values: dict[str, Any]) -> str:
        token = self._keys[self.newest].encrypt(json.dumps(values, sort_keys=True).encode()).decode()
        return token if self.newest == DERIVED else f"{self.newest}:{token}"

    def open(self, sealed: str | None) -> dict[str, Any]:
        if not sealed:
            return {}
        kid = key_id_of(sealed)
        token = sealed.partition(":")[2] if kid != DERIVED else sealed
        try:
            if kid in self._keys:
                try:
                    return json.loads(self._keys[kid].decrypt(token.encode()))
                except InvalidToken:
                    pass  # an id reused for another secret: any other key may still open it
            return json.loads(self._any.decrypt(token.encode()))
        except InvalidToken as exc:
            if kid == DERIVED:
                raise SealError("secrets cannot be unsealed: sealed under the key derived from TITIP_SECRETS_KEY / "
                                "TITIP_SECRET_KEY, which has changed since: set the old value back (as "
                                "TITIP_SECRETS_KEY)") from exc
            where = ("is listed in TITIP_SEALING_KEYS with another secret" if kid in self._keys
                     else "is not in TITIP_SEALING_KEYS")
            raise SealError(f"secrets cannot be unsealed: sealed under key id {kid!r}, which {where}") from exc

    def current(self, sealed: str | None) -> bool:
        """Whether a sealed value is already under the newest key (nothing to re-seal)."""
        return not sealed or key_id_of(sealed) == self.newest

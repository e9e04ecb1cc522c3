"""Secrets at rest (SNMP communities and keys, SSH passwords and keys): Fernet, key from settings.

The key is `TITIP_SECRETS_KEY` when set (so it can be rotated apart from login tokens), else
derived from `TITIP_SECRET_KEY`. Values are sealed as one JSON object per target.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from .settings import Settings


class SecretBox:
    def __init__(self, settings: Settings) -> None:
        material = settings.secrets_key or settings.secret_key
        key = hashlib.sha256(b"titip-secrets-v1:" + material.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, values: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(values, sort_keys=True).encode()).decode()

    def open(self, token: str | None) -> dict[str, Any]:
        if not token:
            return {}
        try:
            return json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as exc:
            raise ValueError("stored secrets cannot be decrypted with the configured key") from exc


def key_id_of(sealed: str) -> str:
    """The id of the key a sealed value was written under: `id:token`, or "derived" for values
    sealed before key ids (under the key derived from TITIP_SECRETS_KEY / TITIP_SECRET_KEY)."""
    kid, sep, _ = sealed.partition(":")
    return kid if sep else "derived"

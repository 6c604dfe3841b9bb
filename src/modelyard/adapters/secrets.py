"""Subscription secrets at rest: encrypted with the server key (``MODELYARD_SECRET_KEY``).

Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``) so a stolen database yields no
signing secret. The setting may list several keys, comma-separated: the first encrypts,
every one decrypts, so an operator rotates the server key by putting the new one first
and re-encrypting at leisure. A key is either a Fernet key or any passphrase of 32+
characters (stretched with SHA-256; a passphrase is what people put in environment files).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from modelyard.errors import InvalidArgument, Unavailable

MIN_PASSPHRASE = 32


def _fernet(key: str) -> Fernet:
    raw = key.strip()
    try:
        return Fernet(raw.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        pass
    if len(raw) < MIN_PASSPHRASE:
        raise InvalidArgument(
            f"MODELYARD_SECRET_KEY must be a Fernet key or at least {MIN_PASSPHRASE} characters"
        )
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(raw.encode("utf-8")).digest()))


class FernetSecretBox:
    """Encrypts and decrypts subscription secrets; the port is ``service.ports.SecretBox``."""

    def __init__(self, keys: str) -> None:
        parts = [k for k in keys.split(",") if k.strip()]
        if not parts:
            raise InvalidArgument("MODELYARD_SECRET_KEY is empty")
        self._box = MultiFernet([_fernet(k) for k in parts])

    def seal(self, secret: str) -> str:
        return self._box.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._box.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            # the message names no secret: the sealed text is only "unreadable with this key"
            raise Unavailable(
                "a webhook secret cannot be decrypted with MODELYARD_SECRET_KEY"
            ) from exc

    def reseal(self, sealed: str) -> str:
        """The same secret under the first (newest) key."""
        return self._box.rotate(sealed.encode("ascii")).decode("ascii")

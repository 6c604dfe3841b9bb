"""API token format, parsing and hashing, and the ``90d`` duration grammar for expiry.

A token is ``mdy_<id>_<secret>``: the prefix lets secret scanners find leaked tokens, the
id (32 hex) finds the row without touching the secret, and the secret is 32 random bytes in
URL-safe base64. Only the SHA-256 of the whole token is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from modelyard.errors import InvalidArgument, Unauthenticated

PREFIX = "mdy_"
SECRET_CHARS = 43  # 32 bytes in unpadded URL-safe base64
TOKEN_RE = re.compile(rf"mdy_([0-9a-f]{{32}})_([A-Za-z0-9_-]{{{SECRET_CHARS}}})")
# The bootstrap admin token is chosen by the operator (MODELYARD_ADMIN_TOKEN), so it has
# no id part; its row has this fixed id.
BOOTSTRAP_ID = "0" * 32
MIN_ADMIN_TOKEN = 32
MAX_ADMIN_TOKEN = 256
ADMIN_TOKEN_RE = re.compile(rf"[\x21-\x7e]{{{MIN_ADMIN_TOKEN},{MAX_ADMIN_TOKEN}}}")
# One message for every failure, so a caller learns nothing about why a token failed.
REJECTED = "invalid, expired or revoked credentials"
MAX_TOKEN_NAME = 64
TOKEN_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._ -]{0,63}")
_DURATION_RE = re.compile(r"([1-9][0-9]{0,4})([mhdw])")
_UNIT = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
_UNIT["w"] = timedelta(weeks=1)
MAX_EXPIRY = timedelta(days=5 * 366)


@dataclass(frozen=True)
class ApiToken:
    id: str
    user_id: str
    name: str
    hash: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


def format_token(token_id: str, secret: str) -> str:
    token = f"{PREFIX}{token_id}_{secret}"
    if not TOKEN_RE.fullmatch(token):
        raise ValueError("token id or secret has the wrong shape")
    return token


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_id(token: object) -> str:
    """The row id a presented token claims; anything malformed raises Unauthenticated."""
    if not isinstance(token, str):
        raise Unauthenticated(REJECTED)
    if m := TOKEN_RE.fullmatch(token):
        return m.group(1)
    if ADMIN_TOKEN_RE.fullmatch(token) and not token.startswith(PREFIX):
        return BOOTSTRAP_ID
    raise Unauthenticated(REJECTED)


def matches(token: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented token with a stored hash."""
    return hmac.compare_digest(token_hash(token), stored_hash)


def admin_token(value: object) -> str:
    """Validate an operator-chosen bootstrap token."""
    if not isinstance(value, str) or not ADMIN_TOKEN_RE.fullmatch(value):
        raise InvalidArgument(
            f"MODELYARD_ADMIN_TOKEN must be {MIN_ADMIN_TOKEN}-{MAX_ADMIN_TOKEN} printable "
            "characters without spaces; generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )
    if value.startswith(PREFIX) and not TOKEN_RE.fullmatch(value):
        raise InvalidArgument(f"MODELYARD_ADMIN_TOKEN starts with {PREFIX!r} but is not a token")
    return value


def token_name(value: object) -> str:
    if not isinstance(value, str) or not TOKEN_NAME_RE.fullmatch(value) or value != value.strip():
        raise InvalidArgument(
            f"invalid token name {str(value)[:60]!r}: use 1-{MAX_TOKEN_NAME} characters from "
            "A-Z a-z 0-9 . _ - and inner spaces"
        )
    return value


def parse_duration(value: object) -> timedelta | None:
    """``30m``, ``12h``, ``90d`` or ``52w``; ``never`` means no expiry (None)."""
    if value == "never":
        return None
    m = _DURATION_RE.fullmatch(value) if isinstance(value, str) else None
    if m is None:
        raise InvalidArgument(
            f"invalid duration {str(value)[:40]!r}: expected a number and a unit m, h, d or w "
            "(e.g. 90d), or 'never'"
        )
    duration = int(m.group(1)) * _UNIT[m.group(2)]
    if duration > MAX_EXPIRY:
        raise InvalidArgument(f"duration {value!r} is longer than {MAX_EXPIRY.days} days")
    return duration

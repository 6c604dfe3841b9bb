"""The one name grammar: model names, aliases, tag keys and values, version numbers."""

from __future__ import annotations

import re
import unicodedata

from modelyard.errors import InvalidArgument

MODEL_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
ALIAS_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")
TAG_KEY_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:/ -]{0,249}")
MAX_TAG_VALUE = 5000
MAX_DESCRIPTION = 65536
MAX_VERSION = 2**31 - 1
RESERVED_ALIASES = frozenset({"latest", "none", "staging", "production", "archived"})
_VERSION_LIKE = re.compile(r"v?[0-9]+", re.IGNORECASE)
# C0/C1 controls except tab and newline, plus bidi overrides and zero-width characters.
FORBIDDEN_TEXT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def _show(value: str, limit: int = 60) -> str:
    shown = value if len(value) <= limit else value[:limit] + "…"
    return repr(shown)


def model_name(value: object) -> str:
    """Validate a registered model name and return it in NFC form."""
    if not isinstance(value, str):
        raise InvalidArgument("model name must be a string")
    name = unicodedata.normalize("NFC", value)
    if not MODEL_NAME_RE.fullmatch(name):
        raise InvalidArgument(
            f"invalid model name {_show(value)}: use 1-128 characters from A-Z a-z 0-9 . _ -, "
            "starting with a letter or digit"
        )
    return name


def name_key(name: str) -> str:
    """The uniqueness key of a model name: names differing only in case collide."""
    return name.casefold()


def alias_name(value: object) -> str:
    """Validate an alias: not a version number, not a stage name, not ``latest``."""
    if not isinstance(value, str):
        raise InvalidArgument("alias must be a string")
    if _VERSION_LIKE.fullmatch(value):
        raise InvalidArgument(f"alias {_show(value)} looks like a version number")
    if value.casefold() in RESERVED_ALIASES:
        raise InvalidArgument(f"alias {_show(value)} is reserved (a stage name or 'latest')")
    if not ALIAS_RE.fullmatch(value):
        raise InvalidArgument(
            f"invalid alias {_show(value)}: use 1-64 characters from A-Z a-z 0-9 _ -, "
            "starting with a letter or underscore"
        )
    return value


def tag_key(value: object) -> str:
    """Validate a tag key (1-250 characters, no leading space, no controls)."""
    if not isinstance(value, str):
        raise InvalidArgument("tag key must be a string")
    if not TAG_KEY_RE.fullmatch(value) or value != value.strip():
        raise InvalidArgument(
            f"invalid tag key {_show(value)}: use 1-250 characters from A-Z a-z 0-9 _ . : / - "
            "and inner spaces"
        )
    return value


def text(value: object, what: str, limit: int) -> str:
    """Validate free text (tag values, descriptions, comments)."""
    if not isinstance(value, str):
        raise InvalidArgument(f"{what} must be a string")
    if len(value) > limit:
        raise InvalidArgument(f"{what} is longer than {limit} characters")
    if FORBIDDEN_TEXT.search(value):
        raise InvalidArgument(f"{what} contains control or invisible formatting characters")
    return value


def line(value: object, what: str, limit: int) -> str:
    """Validate single-line text: free text without newlines or tabs."""
    checked = text(value, what, limit)
    if "\n" in checked or "\t" in checked:
        raise InvalidArgument(f"{what} must be a single line")
    return checked


def tag_value(value: object) -> str:
    return text(value, "tag value", MAX_TAG_VALUE)


def description(value: object) -> str:
    return text(value, "description", MAX_DESCRIPTION)


def version_number(value: object) -> int:
    """Parse a version number: a positive integer written without sign or leading zeros."""
    if isinstance(value, bool):
        raise InvalidArgument("version must be a positive integer")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"[1-9][0-9]{0,9}", value):
        number = int(value)
    else:
        raise InvalidArgument(f"invalid version {_show(str(value))}: expected 1, 2, 3 …")
    if not 1 <= number <= MAX_VERSION:
        raise InvalidArgument(f"version {number} is out of range")
    return number

"""MLflow search arguments (filter strings, order_by, max_results) in modelyard's terms."""

from __future__ import annotations

import re

from modelyard.domain.filters import MODEL_FIELDS, VERSION_FIELDS, parse_filter
from modelyard.domain.paging import MAX_PAGE
from modelyard.errors import InvalidArgument

# MLflow field names that mean the same as one of the shared filter grammar's fields
_FIELDS = {"version_number": "version", "current_stage": "stage"}
_QUOTED = re.compile(r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]*`)""")
_WORD = re.compile(r"\b(version_number|current_stage)\b")
_TAG = re.compile(r"\btag\.")
# the 3.x client appends this to every search; modelyard has no prompts, so it is always true
_NOT_PROMPT = re.compile(
    r"(?:^|\s+AND\s+)tags?\.`mlflow\.prompt\.is_prompt`\s*!=\s*'true'\s*$", re.IGNORECASE
)
_ORDER = re.compile(r"\s*([A-Za-z_]+)(?:\s+(ASC|DESC))?\s*", re.IGNORECASE)


def translate_filter(text: str | None, versions: bool) -> str | None:
    """Rename MLflow fields outside quoted values; the domain grammar refuses the rest."""
    text = _NOT_PROMPT.sub("", text or "")
    if not text.strip():
        return None
    parts = _QUOTED.split(text)
    for i in range(0, len(parts), 2):  # even parts are outside quotes
        parts[i] = _TAG.sub("tags.", parts[i])
        if versions:
            parts[i] = _WORD.sub(lambda m: _FIELDS[m.group(1)], parts[i])
    translated = "".join(parts)
    parse_filter(translated, VERSION_FIELDS if versions else MODEL_FIELDS)
    return translated


# MLflow's order_by fields in the domain's order grammar; `timestamp` is MLflow's older
# spelling for registered models, which its own SQL store sorts as last_updated_timestamp
_MODEL_ORDER = {
    "name": "name",
    "creation_timestamp": "created_at",
    "last_updated_timestamp": "updated_at",
    "timestamp": "updated_at",
}
_VERSION_ORDER = {
    "name": "name",
    "version_number": "version",
    "creation_timestamp": "created_at",
    "last_updated_timestamp": "updated_at",
}


def translate_order(order_by: list[str], versions: bool) -> list[str]:
    """Rename MLflow's order_by fields; unknown ones are refused, the domain checks the rest."""
    fields = _VERSION_ORDER if versions else _MODEL_ORDER
    out = []
    for item in order_by:
        m = _ORDER.fullmatch(item)
        field = m.group(1).lower() if m else None
        if m is None or field not in fields:
            raise InvalidArgument(
                f"invalid order_by clause {item[:60]!r}: use one of "
                f"{', '.join(sorted(fields))}, optionally with ASC or DESC"
            )
        out.append(f"{fields[field]} {(m.group(2) or 'ASC').upper()}")
    return out


def page_limit(value: int | None, default: int) -> int:
    """MLflow's defaults go up to 10,000; modelyard pages hold at most 1,000 (with a token)."""
    if value is None:
        return min(default, MAX_PAGE)
    if value > MAX_PAGE:
        return MAX_PAGE
    return value

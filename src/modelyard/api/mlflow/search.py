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
_ORDER = re.compile(r"\s*([A-Za-z_]+)(?:\s+(ASC|DESC))?\s*", re.IGNORECASE)


def translate_filter(text: str | None, versions: bool) -> str | None:
    """Rename MLflow fields outside quoted values; the domain grammar refuses the rest."""
    if not text:
        return None
    parts = _QUOTED.split(text)
    for i in range(0, len(parts), 2):  # even parts are outside quotes
        parts[i] = _WORD.sub(lambda m: _FIELDS[m.group(1)], parts[i]) if versions else parts[i]
    translated = "".join(parts)
    parse_filter(translated, VERSION_FIELDS if versions else MODEL_FIELDS)
    return translated


def _clauses(order_by: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in order_by:
        m = _ORDER.fullmatch(item)
        if not m:
            raise InvalidArgument(f"invalid order_by clause {item[:60]!r}")
        field = _FIELDS.get(m.group(1).lower(), m.group(1).lower())
        out.append((field, (m.group(2) or "ASC").upper()))
    return out


def check_order(order_by: list[str], versions: bool, filter: str | None) -> None:
    """Accept only orderings equal to the one modelyard returns; refuse the others.

    Models come by name; versions by model name, then newest version first.
    """
    clauses = _clauses(order_by)
    if not clauses or clauses == [("name", "ASC")]:
        return
    if versions and clauses[0] == ("name", "ASC") and clauses[1:] == [("version", "DESC")]:
        return
    single = versions and filter is not None and _pins_name(filter)
    if single and clauses in ([("version", "DESC")], [("creation_timestamp", "DESC")]):
        return
    raise InvalidArgument(
        f"order_by {order_by!r} is not supported: results are ordered by name"
        + (", then version descending" if versions else "")
    )


def _pins_name(filter: str) -> bool:
    flt = parse_filter(filter, VERSION_FIELDS)
    return any(c.field == "name" and c.op == "=" for c in flt.clauses)


def page_limit(value: int | None, default: int) -> int:
    """MLflow's defaults go up to 10,000; modelyard pages hold at most 1,000 (with a token)."""
    if value is None:
        return min(default, MAX_PAGE)
    if value > MAX_PAGE:
        return MAX_PAGE
    return value

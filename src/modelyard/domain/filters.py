"""The one filter grammar, shared by SDK, CLI, REST and the MLflow adapter.

filter  := clause ( AND clause )*
clause  := field op value
field   := name | version | stage | run_id | alias | tags.<key> | tags.`<key>`
op      := = | != | LIKE | ILIKE
value   := 'text' | "text" | integer
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from modelyard.domain import names
from modelyard.domain.stages import parse_stage
from modelyard.errors import InvalidArgument

Op = Literal["=", "!=", "LIKE", "ILIKE"]
MAX_FILTER = 4096
MAX_CLAUSES = 32
MODEL_FIELDS = frozenset({"name", "tags"})
VERSION_FIELDS = frozenset({"name", "version", "stage", "run_id", "alias", "tags"})

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<field>tags\.`[^`]+`|tags\.[A-Za-z0-9_.:/-]+|[A-Za-z_]+)\s*
      (?P<op>!=|=|(?i:ILIKE|LIKE))\s*
      (?P<value>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?[0-9]+)
    )\s*""",
    re.VERBOSE,
)
_AND = re.compile(r"\s+(?i:AND)\s+")


@dataclass(frozen=True)
class Clause:
    field: str  # name, version, stage, run_id, alias, tag
    op: Op
    value: str | int
    key: str | None = None  # the tag key for field == "tag"


@dataclass(frozen=True)
class Filter:
    clauses: tuple[Clause, ...] = ()


def parse_filter(text: str | None, allowed: frozenset[str] = VERSION_FIELDS) -> Filter:
    """Parse a filter string; an empty or missing filter matches everything."""
    if text is None or not text.strip():
        return Filter()
    if len(text) > MAX_FILTER:
        raise InvalidArgument(f"filter is longer than {MAX_FILTER} characters")
    clauses: list[Clause] = []
    pos = 0
    while True:
        m = _TOKEN.match(text, pos)
        if not m:
            raise InvalidArgument(f"invalid filter at position {pos}: {text[pos : pos + 40]!r}")
        clauses.append(_clause(m.group("field"), m.group("op").upper(), m.group("value"), allowed))
        pos = m.end()
        if pos == len(text):
            break
        sep = _AND.match(text, pos - 1 if text[pos - 1].isspace() else pos)
        if not sep:
            raise InvalidArgument(f"invalid filter at position {pos}: expected AND")
        pos = sep.end()
    if len(clauses) > MAX_CLAUSES:
        raise InvalidArgument(f"a filter has at most {MAX_CLAUSES} clauses")
    return Filter(tuple(clauses))


def quote_value(value: str) -> str:
    """A single-quoted filter literal that parses back to exactly ``value``."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def name_equals(name: str) -> str:
    """The filter selecting one model's versions by name."""
    return f"name = {quote_value(name)}"


def _unquote(raw: str) -> str | int:
    if raw[0] in "'\"":
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    return int(raw)


def _clause(field: str, op: str, raw: str, allowed: frozenset[str]) -> Clause:
    value = _unquote(raw)
    key = None
    if field.startswith("tags."):
        key = names.tag_key(field[5:].strip("`"))
        field = "tags"
    elif field.lower() == "tags":
        raise InvalidArgument("filter on a tag with tags.<key>")
    field = field.lower()
    if field not in allowed:
        raise InvalidArgument(
            f"cannot filter on {field!r}: use one of {', '.join(sorted(allowed))}"
        )
    if field == "version":
        if op not in ("=", "!="):
            raise InvalidArgument("version supports only = and !=")
        value = names.version_number(value if isinstance(value, int) else str(value))
    elif isinstance(value, int):
        raise InvalidArgument(f"{field} takes a quoted string")
    elif field == "stage" and op in ("=", "!="):
        value = parse_stage(value).value
    return Clause("tag" if field == "tags" else field, op, value, key)  # type: ignore[arg-type]


def like_regex(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """Translate SQL LIKE (``%`` and ``_``) to an anchored regex."""
    body = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def match_value(op: Op, actual: str | int | None, expected: str | int) -> bool:
    """Evaluate one comparison the way the SQL repository does."""
    if actual is None:
        return False  # like SQL: a missing value matches no comparison
    if op == "=":
        return actual == expected
    if op == "!=":
        return actual != expected
    return bool(like_regex(str(expected), op == "ILIKE").match(str(actual)))

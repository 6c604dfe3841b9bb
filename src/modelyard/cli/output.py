"""Output for people (rich) and for scripts (JSON).

Everything shown comes from the registry, and over HTTP from a server we do not control,
so untrusted text never reaches the terminal raw: :func:`clean` turns control and
invisible formatting characters into visible escapes, and values are rendered as rich
``Text`` objects (never interpolated into markup), so ``[bold]`` in a tag value is shown
as typed.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from modelyard.domain.names import FORBIDDEN_TEXT

# The characters names may not hold are the ones a terminal must not receive raw either
# (ESC starts every terminal escape; bidi overrides and zero-width marks hide text).
_UNSAFE = FORBIDDEN_TEXT
NONE = "—"


def clean(value: object) -> str:
    """``str(value)`` with every control or invisible character shown as an escape."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", str(value))


def one_line(value: object) -> str:
    """:func:`clean` text folded onto a single line (for error messages)."""
    return clean(" ".join(str(value).split()))


def text(value: object, style: str = "") -> Text:
    """A rich ``Text`` of untrusted ``value``: no markup, no escapes."""
    if value is None or value == "":
        return Text(NONE, style="dim")
    return Text(clean(value), style=style)


def when(value: datetime | None) -> Text:
    """A UTC timestamp for people, to the second: ``2024-05-01 12:00:00Z``."""
    return text(value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ") if value else None)


def size(n: int) -> str:
    """A byte count for people: ``512 B``, ``1.5 KiB``, ``3.0 GiB``."""
    amount = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if amount < 1024 or unit == "TiB":
            return f"{n} B" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    raise AssertionError("unreachable")


def compact(value: object) -> str:
    """A short one-line JSON rendering of a small structure (tags, before/after)."""
    if value is None:
        return NONE
    return json.dumps(to_jsonable(value), sort_keys=True, ensure_ascii=False)


def pairs(mapping: Mapping[str, object]) -> Text:
    """``k=v`` pairs, one per line."""
    if not mapping:
        return text(None)
    return text("\n".join(f"{k}={v}" for k, v in sorted(mapping.items())))


# JSON ---------------------------------------------------------------------------------
def to_jsonable(value: object) -> Any:
    """Entities as plain JSON values: dataclasses → dicts, datetimes ISO 8601, enums → values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    return value


def emit_json(value: object) -> None:
    """Print ``value`` as JSON on stdout; non-ASCII is escaped, so no control byte gets out."""
    typer.echo(json.dumps(to_jsonable(value), indent=2, ensure_ascii=True))


def emit_list(items: list[Any], next_page_token: str | None = None) -> None:
    """Print a list the way every list command does: items plus the next page token."""
    emit_json({"items": items, "next_page_token": next_page_token})


# rich ---------------------------------------------------------------------------------
def console(*, stderr: bool = False) -> Console:
    # Built per call, so it writes to whatever sys.stdout is now (CliRunner swaps it).
    return Console(stderr=stderr, highlight=False, markup=False, emoji=False)


def show(*renderables: RenderableType) -> None:
    out = console()
    for renderable in renderables:
        out.print(renderable)


def say(message: str, *values: object) -> None:
    """Print a confirmation: ``message`` is ours, ``values`` are untrusted and cleaned."""
    line = Text(message)
    for value in values:
        line.append(" ")
        line.append(text(value, style="bold"))
    show(line)


def next_page(token: str | None) -> None:
    if token:
        show(Text.assemble("more results: --page-token ", text(token)))


def table(*columns: str, title: str | None = None, nowrap: tuple[str, ...] = ()) -> Table:
    """A table whose headers are ours; add rows of :func:`text` values only.

    Cells fold rather than truncate, so a long digest is shown whole; ``nowrap`` columns
    (timestamps, numbers) keep to one line.
    """
    grid = Table(title=title, title_justify="left", header_style="bold")
    for name in columns:
        grid.add_column(name, overflow="fold", no_wrap=name in nowrap)
    return grid


def fields(rows: list[tuple[str, RenderableType]]) -> Table:
    """A two-column ``key  value`` grid for one object's scalar fields."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for key, value in rows:
        grid.add_row(key, value)
    return grid


def error(code: str, message: str) -> None:
    """The one error line: ``error: <CODE>: <message>`` on stderr."""
    sys.stderr.write(f"error: {one_line(code)}: {one_line(message)}\n")
    sys.stderr.flush()

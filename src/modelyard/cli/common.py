"""What every command shares: the client session, common options, and input parsing."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from modelyard.errors import InvalidArgument

if TYPE_CHECKING:
    from modelyard.client.client import Client


@dataclass(frozen=True)
class Options:
    """Global options, kept on the root Typer context by the app callback."""

    uri: str | None = None


@contextmanager
def connect(ctx: typer.Context) -> Iterator[Client]:
    """Open a client for one command (lazily: nothing is built at import time) and close it."""
    from modelyard.client.client import Client

    options = ctx.find_object(Options) or Options()
    client = Client(options.uri)
    try:
        yield client
    finally:
        client.close()


JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
YesFlag = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
MaxResults = Annotated[
    int, typer.Option("--max-results", "-n", help="At most this many results (1-1000).")
]
PageToken = Annotated[
    str | None, typer.Option("--page-token", help="Continue from a previous page.")
]
Comment = Annotated[str, typer.Option("--comment", "-m", help="Why; kept in the history.")]
ModelName = Annotated[str, typer.Argument(help="Registered model name.", show_default=False)]
VersionRef = Annotated[
    str,
    typer.Argument(
        help="A version number, 'latest', a stage name, or '@alias'.", show_default=False
    ),
]


def interactive() -> bool:
    """Whether a person can answer a prompt: stdin is a terminal."""
    stdin = sys.stdin
    return stdin is not None and not stdin.closed and stdin.isatty()


def confirm(action: str, yes: bool) -> None:
    """Ask before a destructive ``action``; refuse outright when nobody can answer."""
    if yes:
        return
    if not interactive():
        raise InvalidArgument(
            f"refusing to {action} without confirmation: stdin is not a terminal; pass --yes"
        )
    if not typer.confirm(f"Really {action}?", default=False):
        raise typer.Abort()


def parse_tags(values: list[str] | None) -> dict[str, str]:
    """``KEY=VALUE`` options as a dict; the registry validates keys and values."""
    tags: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--tag")
        tags[key] = value
    return tags


def parse_since(value: str | None) -> datetime | None:
    """An ISO 8601 instant; one without a UTC offset is taken as UTC."""
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"expected an ISO 8601 time such as 2024-05-01T12:00:00Z, got {value!r}",
            param_hint="--since",
        ) from None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)

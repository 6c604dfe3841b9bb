"""``modelyard db``: the database schema, migrated as a step of its own (before starting
servers with ``--no-migrate``), and where it stands against this modelyard."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from modelyard.cli import output
from modelyard.cli.common import JsonFlag, Options
from modelyard.cli.server import Db, Home
from modelyard.errors import InvalidArgument

if TYPE_CHECKING:
    from modelyard.adapters.sql.migrate import SchemaStatus
    from modelyard.config import Settings

app = typer.Typer(no_args_is_help=True, help="The metadata database's schema.")


def _settings(ctx: typer.Context, db: str | None, home: str | None) -> Settings:
    """MODELYARD_* settings, with --db/--home, or a folder given as the global --uri."""
    from modelyard.config import Settings

    uri = (ctx.find_object(Options) or Options()).uri
    if uri and uri.startswith(("http://", "https://")):
        raise InvalidArgument(
            "`modelyard db` opens the database itself, not a server: "
            "pass --db or --home (or MODELYARD_DB) instead of an http(s) --uri"
        )
    home = home or (uri.removeprefix("file://") if uri else None)
    update: dict[str, object] = {}
    if db:
        update["db"] = db
    if home:
        update["home"] = Path(home)
    return Settings().model_copy(update=update)


def _report(status: SchemaStatus, as_json: bool) -> None:
    if as_json:
        output.emit_json(
            {"database": status.database, "head": status.head, "current": status.current}
        )
        return
    verdict = "current" if status.current else "newer" if not status.known else "outdated"
    output.say("database schema:", status.database or "none")
    output.say("modelyard schema:", status.head)
    output.say("status:", verdict)


@app.command("upgrade")
def upgrade(
    ctx: typer.Context, db: Db = None, home: Home = None, as_json: JsonFlag = False
) -> None:
    """Bring the database schema to this modelyard's version (a no-op when it is there).

    Safe to run from several places at once: the upgrade takes a database lock. Refuses a
    database migrated by a newer modelyard.
    """
    from modelyard.bootstrap import prepare_store

    _report(prepare_store(_settings(ctx, db, home), migrate=True), as_json)


@app.command("current")
def current(
    ctx: typer.Context, db: Db = None, home: Home = None, as_json: JsonFlag = False
) -> None:
    """Print the database's schema revision and this modelyard's; migrates nothing.

    Exits 0 when they match, 1 when the database needs `modelyard db upgrade` (or was
    migrated by a newer modelyard).
    """
    from modelyard.bootstrap import store_schema

    status = store_schema(_settings(ctx, db, home))
    _report(status, as_json)
    if not status.current:
        raise typer.Exit(1)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="db")

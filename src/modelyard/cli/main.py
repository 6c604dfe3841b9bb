"""The ``modelyard`` command line: every command goes through ``modelyard.Client``.

Errors are the registry's: a :class:`~modelyard.errors.ModelyardError` becomes one line
``error: <CODE>: <message>`` on stderr and exit code 1; a usage error is Typer's exit
code 2. A file-system error (``--dest`` not writable, disk full) is reported the same
way with the code ``IO_ERROR``. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
from typing import Annotated, Any

import typer

# Typer vendors Click as typer._click; TyperGroup.invoke takes that Context class.
from typer import _click
from typer.core import TyperGroup

from modelyard.cli import (
    approvals,
    audit,
    db,
    events,
    fsck,
    grants,
    labels,
    models,
    output,
    queries,
    runs,
    server,
    stages,
    tokens,
    users,
    versions,
    webhooks,
)
from modelyard.cli.common import Options
from modelyard.cli.import_mlflow import import_mlflow
from modelyard.errors import ModelyardError


class _ErrorReportingGroup(TyperGroup):
    """The root group: every command runs inside its ``invoke``, so errors are caught here
    whether the CLI runs from ``main()`` or from a test's ``CliRunner``."""

    def invoke(self, ctx: _click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ModelyardError as exc:
            output.error(exc.code, exc.message)
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise  # Typer quiets a closed pipe (`modelyard … | head`) itself
            detail = exc.strerror or str(exc)
            where = f": {exc.filename}" if exc.filename else ""
            output.error("IO_ERROR", f"{detail}{where}")
        raise typer.Exit(1)


app = typer.Typer(
    name="modelyard",
    cls=_ErrorReportingGroup,
    help="modelyard: a self-hosted ML model registry.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(models.app, name="models")
app.add_typer(versions.app, name="versions")
app.add_typer(labels.aliases, name="alias", no_args_is_help=True)
app.add_typer(labels.tags, name="tag", no_args_is_help=True)
app.add_typer(runs.app, name="runs")
app.add_typer(users.app, name="users")
app.add_typer(tokens.app, name="tokens")
app.add_typer(grants.app, name="grants")
app.add_typer(audit.app, name="audit")
app.add_typer(events.app, name="events", no_args_is_help=True)
app.add_typer(webhooks.app, name="webhooks")
stages.register(app)
server.register(app)
db.register(app)
fsck.register(app)
approvals.register(app)
queries.register(app)
app.command("download")(runs.download)
app.command("import-mlflow")(import_mlflow)


@app.callback()
def configure(
    ctx: typer.Context,
    uri: Annotated[
        str | None,
        typer.Option(
            "--uri",
            envvar="MODELYARD_URI",
            help="Registry: http(s)://host:port, or a folder for the embedded store "
            "(default: ./modelyard, or MODELYARD_HOME).",
        ),
    ] = None,
) -> None:
    """modelyard: a self-hosted ML model registry."""
    ctx.obj = Options(uri=uri or None)


def main() -> None:
    """Entry point of the ``modelyard`` console script."""
    app(prog_name="modelyard")

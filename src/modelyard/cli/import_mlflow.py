"""``modelyard import-mlflow --from URL``: copy an MLflow registry into modelyard.

The use case is ``service.importer.import_registry``; this command only composes it from
an MLflow source and the client's transport, and prints the summary.
"""

from __future__ import annotations

from typing import Annotated

import typer

from modelyard.cli import output
from modelyard.cli.common import JsonFlag, connect
from modelyard.errors import InvalidArgument


def import_mlflow(
    ctx: typer.Context,
    source: Annotated[str, typer.Option("--from", help="The MLflow server, http(s)://host:port.")],
    as_json: JsonFlag = False,
) -> None:
    """Copy an MLflow registry (models, versions with their files, stages, aliases, tags,
    descriptions, run params and metrics) into modelyard. Running it again adds nothing.

    Credentials in the URL (http://user:password@host) are sent to MLflow but never stored.
    """
    from modelyard.adapters.mlflow_source import MlflowHttpSource
    from modelyard.service.importer import import_registry

    src = MlflowHttpSource(source)
    try:
        with connect(ctx) as client:
            summary = import_registry(client.transport, src)
    finally:
        src.close()
    if as_json:
        output.emit_json(summary)
    else:
        for key, value in vars(summary).items():
            if key != "skipped":
                output.say(f"{key.replace('_', ' ')}:", value)
        for line in summary.skipped:
            output.say("skipped", line)
    if summary.skipped:
        raise InvalidArgument(f"{len(summary.skipped)} model(s) could not be imported")

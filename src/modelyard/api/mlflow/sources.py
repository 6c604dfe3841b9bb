"""A model version's files from an MLflow ``source``, resolved against our own records.

A source is never dereferenced as a path or URI on the server.
"""

from __future__ import annotations

from modelyard.domain.digests import Manifest
from modelyard.domain.entities import NewVersion
from modelyard.service import runs
from modelyard.service.context import Context


def new_version(
    ctx: Context,
    *,
    source: str,
    run_id: str | None,
    model_id: str | None,
    description: str,
    tags: dict[str, str],
) -> NewVersion:
    """The version to create: files from our artifact records, or none for a foreign source."""
    if run_id is not None:
        runs.run_id(run_id)
    return NewVersion(
        manifest=Manifest.build([]),
        flavor="mlflow",
        run_id=run_id,
        source=source,
        description=description,
        tags=tags,
    )

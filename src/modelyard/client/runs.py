"""Runs from the SDK: ``with modelyard.start_run(...) as run: run.log_model(...)``."""

from __future__ import annotations

import functools
import os
import platform
import subprocess
import tempfile
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from modelyard.client.artifacts import build_manifest, push
from modelyard.client.client import Client
from modelyard.client.progress import transfer_progress
from modelyard.domain.digests import Manifest
from modelyard.domain.entities import Dataset, Metric, ModelVersion, NewVersion, Run
from modelyard.domain.lineage import RunSpec

if TYPE_CHECKING:
    from modelyard.flavors import SavedModel


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def code_version() -> tuple[str | None, bool | None]:
    """The git commit of the working directory and whether it has uncommitted changes.

    Asked once per process and working directory: a process that starts many runs records
    the state its code had when it first asked, not one ``git`` pair per run.
    """
    return _code_version_in(os.getcwd())


@functools.cache
def _code_version_in(cwd: str) -> tuple[str | None, bool | None]:
    del cwd  # the cache key: git runs in the current directory
    commit = _git("rev-parse", "HEAD")
    if not commit:
        return None, None
    status = _git("status", "--porcelain", "--untracked-files=no")
    return commit, None if status is None else bool(status)


def installed_packages() -> dict[str, str]:
    """Every installed distribution and its version, read once per process."""
    return dict(_installed_packages())


@functools.cache
def _installed_packages() -> tuple[tuple[str, str], ...]:
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found[name.lower()] = dist.version
    return tuple(sorted(found.items()))


class ActiveRun:
    """A run in progress; ended FINISHED on a clean exit and FAILED on an exception."""

    def __init__(self, client: Client, run: Run, owns_client: bool) -> None:
        self.client, self.run, self._owns = client, run, owns_client
        self._ended = False

    @property
    def id(self) -> str:
        return self.run.id

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self._ended:
                self.end("FAILED" if exc_type else "FINISHED")
        finally:
            if self._owns:
                self.client.close()

    def end(self, status: str = "FINISHED") -> Run:
        """End the run now; leaving the ``with`` block afterwards does not end it again."""
        self.run = self.client.transport.end_run(self.id, status)
        self._ended = True
        return self.run

    def log_param(self, key: str, value: object) -> None:
        self.log_params({key: value})

    def log_params(self, params: Mapping[str, object]) -> None:
        self.client.transport.log_params(self.id, dict(params))

    def log_metric(self, key: str, value: float, step: int = 0) -> None:
        self.log_metrics({key: value}, step)

    def log_metrics(self, metrics: Mapping[str, float], step: int = 0) -> None:
        now = datetime.now(UTC)
        batch = [Metric(k, v, step, now) for k, v in metrics.items()]
        self.client.transport.log_metrics(self.id, batch)

    def log_dataset(self, name: str, digest: str, source: str, context: str = "") -> None:
        """Record a dataset the run used: its name, content digest and where it came from."""
        self.client.transport.log_dataset(self.id, Dataset(name, digest, source, context))

    def set_tag(self, key: str, value: str) -> None:
        self.client.transport.set_run_tag(self.id, key, value)

    def log_model(
        self,
        model: Any,
        name: str,
        *,
        registered_model_name: str | None = None,
        input_example: Any = None,
        flavor: str | None = None,
        serialization: str | None = None,
        description: str = "",
        tags: dict[str, str] | None = None,
    ) -> ModelVersion:
        """Save a model, upload its files, and register it as the next version.

        Without ``registered_model_name`` the model is registered under ``name``.
        """
        from modelyard.flavors import save_model

        with tempfile.TemporaryDirectory(prefix="modelyard-") as tmp:
            root = Path(tmp)
            saved = save_model(
                model, root, flavor=flavor, input_example=input_example, serialization=serialization
            )
            manifest = build_manifest(root)
            with transfer_progress(f"uploading {name}", manifest.total_size) as bar:
                push(self.client.transport, root, manifest, bar)
        spec = self._version_spec(saved, manifest, name, description, tags or {})
        return self.client.create_version(
            registered_model_name or name, spec, idempotency_key=uuid.uuid4().hex
        )

    def _version_spec(
        self,
        saved: SavedModel,
        manifest: Manifest,
        name: str,
        description: str,
        tags: dict[str, str],
    ) -> NewVersion:
        return NewVersion(
            manifest=manifest,
            flavor=saved.flavor,
            flavor_metadata=saved.metadata,
            signature=saved.signature,
            requirements=saved.requirements,
            python_version=saved.python_version,
            run_id=self.id,
            source=f"runs:/{self.id}/{name}",
            description=description,
            tags=tags,
        )


def start_run(
    *,
    experiment: str = "Default",
    name: str = "",
    params: Mapping[str, object] | None = None,
    tags: Mapping[str, str] | None = None,
    client: Client | None = None,
) -> ActiveRun:
    """Start a run that records params, metrics, datasets, code and environment."""
    owns = client is None
    client = client or Client()
    commit, dirty = code_version()
    spec = RunSpec(
        experiment=experiment,
        name=name,
        params={k: str(v) for k, v in (params or {}).items()},
        tags=dict(tags or {}),
        git_commit=commit,
        git_dirty=dirty,
        python_version=platform.python_version(),
        packages=installed_packages(),
    )
    return ActiveRun(client, client.transport.start_run(spec), owns)


def load_model(
    uri: str,
    *,
    allow_pickle: bool | str = False,
    trusted_types: Iterable[str] = (),
    client: Client | None = None,
) -> Any:
    """Load ``models:/NAME/3``, ``@alias``, ``/Production`` or ``/latest``, verified first.

    ``allow_pickle`` is False, True, or ``"sha256:<manifest digest>"``, which permits
    unpickling only that exact version; ``trusted_types`` names skops types beyond
    modelyard's allowlist (see :meth:`Client.load_model`).
    """
    if client is not None:
        return client.load_model(uri, allow_pickle=allow_pickle, trusted_types=trusted_types)
    with Client() as own:
        return own.load_model(uri, allow_pickle=allow_pickle, trusted_types=trusted_types)

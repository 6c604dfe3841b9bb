"""Helpers for CLI tests: run the CLI in-process, fill the store through the SDK."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from typer.testing import CliRunner, Result

from modelyard.cli.main import app
from modelyard.client.client import Client
from modelyard.domain.digests import Manifest, ManifestEntry
from modelyard.domain.entities import Dataset, Metric, ModelVersion, NewVersion
from modelyard.service.runs import RunSpec

ACTOR = "alice"


def cli(*args: str) -> Result:
    """Run ``modelyard ARGS`` in-process; stdout and stderr are kept apart."""
    return CliRunner().invoke(app, list(args))


def ok(*args: str) -> Result:
    result = cli(*args)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert result.stderr == ""
    return result


def ok_json(*args: str) -> Any:
    return json.loads(ok(*args, "--json").stdout)


def assert_error(result: Result, code: str) -> None:
    """Exit code 1, one ``error: CODE:`` line on stderr, nothing on stdout, no traceback."""
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {code}: "), lines[0]
    assert result.stdout == ""
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def store_blob(client: Client, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    client.transport.upload_blob(digest, io.BytesIO(data), len(data))
    return digest


def add_version(
    client: Client,
    name: str,
    files: dict[str, bytes] | None = None,
    **spec: Any,
) -> ModelVersion:
    """Create a version from blobs stored directly (no training, no flavor)."""
    files = files or {"model.bin": b"weights"}
    entries = [
        ManifestEntry(path, len(data), store_blob(client, data)) for path, data in files.items()
    ]
    return client.create_version(name, NewVersion(manifest=Manifest.build(entries), **spec))


@dataclass(frozen=True)
class Lineage:
    run_id: str
    dataset_digest: str


def add_run(client: Client) -> Lineage:
    """A finished run with params, a metric, a dataset and a code version."""
    t = client.transport
    spec = RunSpec(
        experiment="fraud",
        name="rf-100",
        git_commit="0123456789abcdef0123456789abcdef01234567",
        git_dirty=False,
        python_version="3.11.9",
        packages={"scikit-learn": "1.5.0"},
    )
    run = t.start_run(spec)
    t.log_params(run.id, {"n_estimators": 100, "max_depth": 8})
    t.log_metrics(run.id, [Metric("val_auc", 0.93, 1, datetime(2026, 1, 2, tzinfo=UTC))])
    digest = hashlib.sha256(b"train.csv").hexdigest()
    t.log_dataset(run.id, Dataset("train", f"sha256:{digest}", "s3://data/train.csv", "training"))
    t.end_run(run.id, "FINISHED")
    return Lineage(run.id, digest)


def audit_count(client: Client) -> int:
    return len(client.full_audit())

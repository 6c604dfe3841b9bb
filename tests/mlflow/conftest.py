"""One real modelyard server on loopback for the whole MLflow suite, driven by mlflow."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.servers import server

mlflow = pytest.importorskip("mlflow")
from mlflow import MlflowClient  # noqa: E402

_COUNTER = itertools.count(1)


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    home = tmp_path_factory.mktemp("mlflow-server") / "store"
    with server(home) as (url, _):
        yield url, home


@pytest.fixture(scope="session")
def url(store: tuple[str, Path]) -> str:
    return store[0]


@pytest.fixture
def client(url: str, monkeypatch: pytest.MonkeyPatch) -> MlflowClient:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    mlflow.set_tracking_uri(url)
    mlflow.set_registry_uri(url)
    return MlflowClient(tracking_uri=url, registry_uri=url)


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A model name no other test uses."""
    return f"M{next(_COUNTER)}-{request.node.name[5:40].replace('[', '-').strip('-]')}"

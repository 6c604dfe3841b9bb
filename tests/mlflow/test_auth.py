"""The unmodified mlflow client against ``modelyard server --auth``: Bearer and Basic."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.bootstrap import build
from modelyard.config import Settings
from modelyard.domain.identity import Principal
from modelyard.service import identity
from tests.e2e.servers import server

mlflow = pytest.importorskip("mlflow")
from mlflow.exceptions import MlflowException, RestException  # noqa: E402

from mlflow import MlflowClient  # noqa: E402

ADMIN = "mlflow-admin-token-0123456789abcdef-01"


@pytest.fixture(scope="module")
def authed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(url, a viewer's token) of a server with auth on."""
    home = tmp_path_factory.mktemp("mlflow-auth") / "store"
    with server(home, "--auth", MODELYARD_ADMIN_TOKEN=ADMIN) as (url, _):
        yield url, _viewer_token(home)


def _viewer_token(home: Path) -> str:
    runtime = build(Settings(home=home, db=None, artifacts=None, uri=None, user=None))
    try:
        setup = Principal.local("setup")
        identity.create_user(runtime.context, setup, "mlviewer", role="viewer")
        return identity.create_token(runtime.context, setup, "ml", user="mlviewer")[1]
    finally:
        runtime.close()


def client(url: str, monkeypatch: pytest.MonkeyPatch, **env: str) -> MlflowClient:
    for key in ("MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    return MlflowClient(tracking_uri=url, registry_uri=url)


def test_bearer_token_creates_a_model(
    authed: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ml = client(authed[0], monkeypatch, MLFLOW_TRACKING_TOKEN=ADMIN)
    ml.create_registered_model("BearerModel")
    assert ml.get_registered_model("BearerModel").name == "BearerModel"


def test_basic_with_the_token_as_password_logs_a_run(
    authed: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"MLFLOW_TRACKING_USERNAME": "admin", "MLFLOW_TRACKING_PASSWORD": ADMIN}
    ml = client(authed[0], monkeypatch, **env)
    run = ml.create_run("0")
    ml.log_param(run.info.run_id, "alpha", "0.5")
    assert ml.get_run(run.info.run_id).data.params == {"alpha": "0.5"}


def test_no_credentials_is_unauthenticated(
    authed: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ml = client(authed[0], monkeypatch)
    with pytest.raises(MlflowException) as caught:
        ml.search_registered_models()
    assert caught.value.error_code == "UNAUTHENTICATED"


def test_wrong_password_is_unauthenticated(
    authed: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"MLFLOW_TRACKING_USERNAME": "admin", "MLFLOW_TRACKING_PASSWORD": "x" * 40}
    ml = client(authed[0], monkeypatch, **env)
    with pytest.raises(MlflowException) as caught:
        ml.search_registered_models()
    assert caught.value.error_code == "UNAUTHENTICATED"


def test_viewer_creating_a_model_is_permission_denied(
    authed: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ml = client(authed[0], monkeypatch, MLFLOW_TRACKING_TOKEN=authed[1])
    with pytest.raises(RestException) as caught:
        ml.create_registered_model("ViewerModel")
    assert caught.value.error_code == "PERMISSION_DENIED"
    assert "ViewerModel" not in [m.name for m in ml.search_registered_models()]

"""The unmodified mlflow client against a model that requires four eyes: a transition or
protected alias move does not happen, the error names the pending request."""

from __future__ import annotations

import httpx
import pytest
from mlflow.exceptions import MlflowException

from mlflow import MlflowClient
from tests.mlflow.test_registry import _code, _versions


@pytest.fixture
def governed(client: MlflowClient, name: str, url: str) -> str:
    client.create_registered_model(name)
    _versions(client, name, 2)
    body = {"protect": ["champion"], "require_approval_production": True, "four_eyes": True}
    response = httpx.patch(f"{url}/api/v1/models/{name}/settings", json=body)
    assert response.status_code == 200, response.text
    return name


def test_transition_under_four_eyes_names_request_and_keeps_stage(
    client: MlflowClient, governed: str
) -> None:
    with pytest.raises(MlflowException, match="approval") as exc:
        client.transition_model_version_stage(governed, "1", "Production")
    assert _code(exc) == "INVALID_PARAMETER_VALUE"
    assert client.get_model_version(governed, "1").current_stage == "None"


def test_protected_alias_under_four_eyes_is_not_moved(client: MlflowClient, governed: str) -> None:
    with pytest.raises(MlflowException, match="approval"):
        client.set_registered_model_alias(governed, "champion", "2")
    assert client.get_registered_model(governed).aliases == {}

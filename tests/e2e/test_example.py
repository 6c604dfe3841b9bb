"""The fraud-detection example runs end to end on a fresh embedded store."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.client.client import Client
from modelyard.config import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fraud_detection.py"
NAME = "FraudDetectionModel"


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    cwd = tmp_path_factory.mktemp("example")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    out = subprocess.run(
        [sys.executable, str(EXAMPLE)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return cwd, out.stdout


@pytest.fixture
def client(ran: tuple[Path, str]) -> Iterator[Client]:
    with Client(settings=Settings(home=ran[0] / "modelyard")) as client:
        yield client


def test_example_logs_three_numbered_versions(client: Client) -> None:
    versions = client.list_versions(NAME)
    assert sorted(v.version for v in versions) == [1, 2, 3]
    assert all(v.run_id and v.flavor == "sklearn" for v in versions)


def test_example_rollback_restores_v1_and_archives_v2(client: Client) -> None:
    assert client.get_version(NAME, 1).stage == "Production"
    assert client.get_version(NAME, 2).stage == "Archived"
    assert client.get_version(NAME, "Production").version == 1


def test_example_history_shows_promotion_and_rollback(client: Client) -> None:
    moves = [(c.version, c.from_stage.value, c.to_stage.value) for c in client.stage_history(NAME)]
    assert moves[-4:] == [
        (2, "Staging", "Production"),
        (1, "Production", "Archived"),
        (1, "Archived", "Production"),
        (2, "Production", "Archived"),
    ]


def test_example_tags_and_alias_are_queryable(client: Client) -> None:
    owned = client.search_all_versions(f"name = '{NAME}' AND tags.owner = 'alice'")
    assert [v.version for v in owned] == [2]
    assert owned[0].tags == {
        "owner": "alice",
        "dataset_version": "1.5",
        "compliance_approved": "true",
    }
    assert client.get_version(NAME, "@champion").version == 1


def test_example_audit_trail_records_every_change(client: Client) -> None:
    actions = [e.action for e in client.full_audit(NAME)]
    assert actions.count("version.create") == 3
    assert actions.count("version.tag.set") == 3
    assert "alias.set" in actions and "model.rollback" in actions
    rollback = next(e for e in client.full_audit(NAME) if e.action == "model.rollback")
    assert rollback.before == {"production": [2]} and rollback.after == {"production": [1]}


def test_example_lineage_is_recorded(client: Client) -> None:
    run = client.get_run(client.get_version(NAME, 1).run_id or "")
    assert run.params == {"n_estimators": "100", "random_state": "42"}
    assert run.metrics[0].key == "val_accuracy"
    assert run.datasets[0].name == "make_classification"
    assert run.status == "FINISHED" and run.python_version


def test_example_loads_every_uri_with_equal_predictions(ran: tuple[Path, str]) -> None:
    lines = [ln for ln in ran[1].splitlines() if "predictions equal" in ln]
    assert len(lines) == 4
    assert all(ln.endswith("predictions equal: True") for ln in lines)

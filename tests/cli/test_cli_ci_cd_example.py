"""examples/ci_cd/deploy.py driven by ``events watch --exec`` against a real server on
127.0.0.1: promote → that digest is current; promote another → it is; roll back → the
first again."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import modelyard
from modelyard.client.client import Client
from tests.cli.support import cli, ok

DEPLOY = Path(__file__).resolve().parents[2] / "examples" / "ci_cd" / "deploy.py"
X = np.array([[0.0, 1.0], [1.0, 0.0], [0.2, 0.9], [0.9, 0.1]])


def _log(client: Client, flip: bool) -> str:
    y = np.array([1, 0, 1, 0]) if flip else np.array([0, 1, 0, 1])
    with modelyard.start_run(client=client) as run:
        mv = run.log_model(LogisticRegression().fit(X, y), "m", registered_model_name="fraud")
    return mv.manifest_digest


@pytest.fixture
def deployer(tmp_path: Path) -> tuple[list[str], Path]:
    """The watch command line, and the deploy root."""
    sample, root = tmp_path / "sample.json", tmp_path / "deploy"
    sample.write_text(json.dumps(X[:2].tolist()))
    handler = [sys.executable, str(DEPLOY), "--root", str(root), "--sample", str(sample)]
    watch = ["events", "watch", "--once", "--model", "fraud", "--type", "stage.transitioned"]
    return [*watch, "--cursor", str(tmp_path / "cursor"), "--exec", shlex.join(handler)], root


def _current(root: Path) -> str:
    return (root / "current").readlink().name


@pytest.mark.parametrize("home", ["http"], indirect=True)
def test_deploy_follows_promotions_and_rollback(
    client: Client, deployer: tuple[list[str], Path]
) -> None:
    watch, root = deployer
    first, second = _log(client, False), _log(client, True)
    client.transition("fraud", 1, "Production")
    ok(*watch)
    assert _current(root) == first
    client.transition("fraud", 2, "Production")
    ok(*watch)
    assert _current(root) == second
    client.rollback("fraud")
    ok(*watch)
    assert _current(root) == first
    assert sorted(p.name for p in (root / "releases").iterdir()) == sorted([first, second])


@pytest.mark.parametrize("home", ["http"], indirect=True)
def test_deploy_with_a_failing_smoke_test_keeps_current(
    client: Client, deployer: tuple[list[str], Path], tmp_path: Path
) -> None:
    watch, root = deployer
    first = _log(client, False)
    client.transition("fraud", 1, "Production")
    ok(*watch)
    _log(client, True)
    (tmp_path / "sample.json").write_text('"not rows"')
    client.transition("fraud", 2, "Production")
    result = cli(*watch)
    assert result.exit_code == 2 and "COMMAND_FAILED" in result.stderr
    assert _current(root) == first

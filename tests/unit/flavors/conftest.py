"""Fixtures for the flavor tests: sample data, a fitted forest, an empty model directory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier

from tests.unit.flavors.support import fitted_forest, sample_data


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "model"
    directory.mkdir()
    return directory


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray]:
    return sample_data()


@pytest.fixture
def forest() -> RandomForestClassifier:
    return fitted_forest()

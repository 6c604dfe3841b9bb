"""The fake repository's part for the MLflow tracking protocol (experiments, artifact
records, logged models), with the SQL adapter's semantics; a base of ``FakeRepository``."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from modelyard.domain.entities import Run
from modelyard.domain.tracking import ArtifactRecord, Experiment, LoggedModel
from modelyard.errors import AlreadyExists, NotFound

if TYPE_CHECKING:
    from tests.fakes import RegistryState


@dataclass
class MlflowState:
    experiments: dict[str, Experiment] = field(default_factory=dict)
    artifacts: dict[str, ArtifactRecord] = field(default_factory=dict)
    logged_models: dict[str, LoggedModel] = field(default_factory=dict)


class FakeMlflowRepository:
    state: RegistryState

    @property
    def _ml(self) -> MlflowState:
        found: MlflowState = self.state.__dict__.setdefault("mlflow", MlflowState())
        return found

    def add_experiment(self, experiment: Experiment) -> None:
        if any(e.name == experiment.name for e in self._ml.experiments.values()):
            raise AlreadyExists(f"experiment {experiment.name!r} already exists")
        self._ml.experiments[experiment.id] = experiment

    def get_experiment(self, experiment_id: str) -> Experiment:
        if experiment_id not in self._ml.experiments:
            raise NotFound(f"experiment {experiment_id!r} does not exist")
        return self._ml.experiments[experiment_id]

    def find_experiment(self, name: str) -> Experiment:
        for e in self._ml.experiments.values():
            if e.name == name:
                return e
        raise NotFound(f"experiment {name!r} does not exist")

    def list_experiments(self, offset: int, limit: int) -> list[Experiment]:
        found = sorted(self._ml.experiments.values(), key=lambda e: (e.created_at, e.id))
        return found[offset : offset + limit]

    def list_runs(self, experiments: list[str], offset: int, limit: int) -> list[Run]:
        found = [r for r in self.state.runs.values() if r.experiment in experiments]
        found.sort(key=lambda r: r.id)
        found.sort(key=lambda r: r.started_at, reverse=True)
        return copy.deepcopy(found[offset : offset + limit])

    def delete_run_tag(self, run_id: str, key: str) -> None:
        self.state.runs[run_id].tags.pop(key, None)

    def put_artifact(self, record: ArtifactRecord) -> None:
        self._ml.artifacts[record.path] = record

    def get_artifact(self, path: str) -> ArtifactRecord:
        if path not in self._ml.artifacts:
            raise NotFound(f"artifact {path!r} does not exist")
        return self._ml.artifacts[path]

    def list_artifacts(self, prefix: str) -> list[ArtifactRecord]:
        return [a for p, a in sorted(self._ml.artifacts.items()) if p.startswith(prefix)]

    def add_logged_model(self, model: LoggedModel) -> None:
        self._ml.logged_models[model.id] = copy.deepcopy(model)

    def get_logged_model(self, model_id: str) -> LoggedModel:
        if model_id not in self._ml.logged_models:
            raise NotFound(f"logged model {model_id!r} does not exist")
        return copy.deepcopy(self._ml.logged_models[model_id])

    def update_logged_model(self, model: LoggedModel) -> None:
        self._ml.logged_models[model.id] = copy.deepcopy(model)

    def list_logged_models(
        self, experiment_ids: list[str], offset: int, limit: int, name: str | None = None
    ) -> list[LoggedModel]:
        found = [
            m
            for m in self._ml.logged_models.values()
            if m.experiment_id in experiment_ids and name in (None, m.name)
        ]
        found.sort(key=lambda m: m.id)
        found.sort(key=lambda m: m.created_at, reverse=True)
        return copy.deepcopy(found[offset : offset + limit])

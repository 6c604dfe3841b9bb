"""SqlRepository's part for the MLflow tracking protocol: experiments, artifacts, logged models."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Row, and_, delete, func, insert, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql

from modelyard.adapters.sql import tables as t
from modelyard.adapters.sql.base import RepoBase
from modelyard.domain.entities import Run
from modelyard.domain.tracking import ArtifactRecord, Experiment, LoggedModel
from modelyard.errors import AlreadyExists, NotFound

experiments, artifact_files, logged_models = t.experiments, t.artifact_files, t.logged_models


class MlflowRepositoryMixin(RepoBase):
    def get_run(self, run_id: str, *, lock: bool = False) -> Run:  # provided by SqlRepository
        raise NotImplementedError

    def add_experiment(self, experiment: Experiment) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(experiments).values(
                        id=experiment.id,
                        name=experiment.name,
                        created_at=experiment.created_at,
                        created_by=experiment.created_by,
                    )
                )
        except sa_exc.IntegrityError:
            raise AlreadyExists(f"experiment {experiment.name!r} already exists") from None

    @staticmethod
    def _experiment(r: Row[Any]) -> Experiment:
        return Experiment(r.id, r.name, r.created_at, r.created_by)

    def get_experiment(self, experiment_id: str) -> Experiment:
        r = self.conn.execute(select(experiments).where(experiments.c.id == experiment_id)).first()
        if r is None:
            raise NotFound(f"experiment {experiment_id!r} does not exist")
        return self._experiment(r)

    def find_experiment(self, name: str) -> Experiment:
        r = self.conn.execute(select(experiments).where(experiments.c.name == name)).first()
        if r is None:
            raise NotFound(f"experiment {name!r} does not exist")
        return self._experiment(r)

    def list_experiments(self, offset: int, limit: int) -> list[Experiment]:
        q = (
            select(experiments)
            .order_by(experiments.c.created_at, experiments.c.id)
            .offset(offset)
            .limit(limit)
        )
        return [self._experiment(r) for r in self.conn.execute(q)]

    def list_runs(self, experiments: list[str], offset: int, limit: int) -> list[Run]:
        q = (
            select(t.runs.c.id)
            .where(t.runs.c.experiment.in_(experiments))
            .order_by(t.runs.c.started_at.desc(), t.runs.c.id)
            .offset(offset)
            .limit(limit)
        )
        return [self.get_run(r.id) for r in self.conn.execute(q)]

    def delete_run_tag(self, run_id: str, key: str) -> None:
        tg = t.run_tags
        self.conn.execute(delete(tg).where(tg.c.run_id == run_id, tg.c.key == key))

    def put_artifact(self, record: ArtifactRecord) -> None:
        values = {"sha256": record.sha256, "size": record.size, "created_at": record.created_at}
        if not self.lock_rows:
            self._upsert(artifact_files, {"path": record.path}, values)
            return
        stmt = postgresql.insert(artifact_files).values(path=record.path, **values)
        unique = [func.md5(artifact_files.c.path)]
        self.conn.execute(stmt.on_conflict_do_update(index_elements=unique, set_=values))

    def _path_is(self, path: str) -> ColumnElement[bool]:
        same = artifact_files.c.path == path
        if self.lock_rows:  # lets PostgreSQL use its md5(path) index
            return and_(func.md5(artifact_files.c.path) == func.md5(path), same)
        return same

    @staticmethod
    def _artifact(r: Row[Any]) -> ArtifactRecord:
        return ArtifactRecord(r.path, r.sha256, r.size, r.created_at)

    def get_artifact(self, path: str) -> ArtifactRecord:
        r = self.conn.execute(select(artifact_files).where(self._path_is(path))).first()
        if r is None:
            raise NotFound(f"artifact {path!r} does not exist")
        return self._artifact(r)

    def list_artifacts(self, prefix: str) -> list[ArtifactRecord]:
        q = (
            select(artifact_files)
            .where(artifact_files.c.path.startswith(prefix, autoescape=True))
            .order_by(artifact_files.c.path)
        )
        return [self._artifact(r) for r in self.conn.execute(q)]

    def add_logged_model(self, model: LoggedModel) -> None:
        self.conn.execute(insert(logged_models).values(**_logged_values(model)))

    def get_logged_model(self, model_id: str) -> LoggedModel:
        r = self.conn.execute(select(logged_models).where(logged_models.c.id == model_id)).first()
        if r is None:
            raise NotFound(f"logged model {model_id!r} does not exist")
        return _logged(r)

    def update_logged_model(self, model: LoggedModel) -> None:
        values = _logged_values(model)
        self.conn.execute(
            update(logged_models).where(logged_models.c.id == model.id).values(**values)
        )

    def list_logged_models(
        self, experiment_ids: list[str], offset: int, limit: int, name: str | None = None
    ) -> list[LoggedModel]:
        q = select(logged_models).where(logged_models.c.experiment_id.in_(experiment_ids))
        if name is not None:
            q = q.where(logged_models.c.name == name)
        q = q.order_by(logged_models.c.created_at.desc(), logged_models.c.id)
        q = q.offset(offset).limit(limit)
        return [_logged(r) for r in self.conn.execute(q)]


def _logged_values(m: LoggedModel) -> dict[str, Any]:
    return {
        "id": m.id,
        "experiment_id": m.experiment_id,
        "run_id": m.run_id,
        "name": m.name,
        "model_type": m.model_type,
        "status": m.status,
        "artifact_root": m.artifact_root,
        "tags": m.tags,
        "params": m.params,
        "created_at": m.created_at,
        "updated_at": m.updated_at,
        "created_by": m.created_by,
    }


def _logged(r: Row[Any]) -> LoggedModel:
    return LoggedModel(
        id=r.id,
        experiment_id=r.experiment_id,
        run_id=r.run_id,
        name=r.name,
        model_type=r.model_type,
        status=r.status,
        artifact_root=r.artifact_root,
        tags=dict(r.tags),
        params=dict(r.params),
        created_at=r.created_at,
        updated_at=r.updated_at,
        created_by=r.created_by,
    )

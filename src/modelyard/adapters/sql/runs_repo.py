"""SqlRepository's part for runs: params, metrics, datasets, tags."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import (
    insert,
    select,
    update,
)

from modelyard.adapters.sql import tables as t
from modelyard.adapters.sql.base import RepoBase
from modelyard.domain.entities import (
    Dataset,
    Metric,
    Run,
    RunStatus,
)
from modelyard.errors import NotFound


class RunRepositoryMixin(RepoBase):
    # runs --------------------------------------------------------------------------
    def add_run(self, run: Run) -> None:
        with self._unique(f"run {run.id}"):
            self._insert_run(run)

    def _insert_run(self, run: Run) -> None:
        self.conn.execute(
            insert(t.runs).values(
                id=run.id,
                experiment=run.experiment,
                name=run.name,
                status=run.status.value,
                user=run.user,
                started_at=run.started_at,
                ended_at=run.ended_at,
                git_commit=run.git_commit,
                git_dirty=run.git_dirty,
                python_version=run.python_version,
                packages=run.packages,
            )
        )

    def get_run(self, run_id: str, *, lock: bool = False) -> Run:
        q = select(t.runs).where(t.runs.c.id == run_id)
        if lock and self.lock_rows:
            # every run mutation locks the row first, so a log racing end_run waits and
            # then sees the run ended, and concurrent params see each other
            q = q.with_for_update()
        r = self.conn.execute(q).first()
        if r is None:
            raise NotFound(f"run {run_id} does not exist")
        p, tg, mt, ds = t.run_params, t.run_tags, t.run_metrics, t.run_datasets
        params = {x.key: x.value for x in self.conn.execute(select(p).where(p.c.run_id == run_id))}
        tags = {x.key: x.value for x in self.conn.execute(select(tg).where(tg.c.run_id == run_id))}
        metrics = tuple(
            Metric(x.key, x.value, x.step, x.timestamp)
            for x in self.conn.execute(select(mt).where(mt.c.run_id == run_id).order_by(mt.c.id))
        )
        datasets = tuple(
            Dataset(x.name, x.digest, x.source, x.context)
            for x in self.conn.execute(select(ds).where(ds.c.run_id == run_id).order_by(ds.c.id))
        )
        return Run(
            id=r.id,
            experiment=r.experiment,
            name=r.name,
            status=RunStatus(r.status),
            user=r.user,
            started_at=r.started_at,
            ended_at=r.ended_at,
            params=params,
            metrics=metrics,
            datasets=datasets,
            tags=tags,
            git_commit=r.git_commit,
            git_dirty=r.git_dirty,
            python_version=r.python_version,
            packages=r.packages,
        )

    def add_params(self, run_id: str, params: dict[str, str]) -> None:
        rows = [{"run_id": run_id, "key": k, "value": v} for k, v in params.items()]
        with self._unique("param"):
            self.conn.execute(insert(t.run_params), rows)

    def add_metrics(self, run_id: str, metrics: Iterable[Metric]) -> None:
        rows = [
            {
                "run_id": run_id,
                "key": m.key,
                "value": m.value,
                "step": m.step,
                "timestamp": m.timestamp,
            }
            for m in metrics
        ]
        if rows:
            self.conn.execute(insert(t.run_metrics), rows)

    def add_dataset(self, run_id: str, dataset: Dataset) -> None:
        self.conn.execute(
            insert(t.run_datasets).values(
                run_id=run_id,
                name=dataset.name,
                digest=dataset.digest,
                source=dataset.source,
                context=dataset.context,
            )
        )

    def set_run_tag(self, run_id: str, key: str, value: str) -> None:
        self._upsert(t.run_tags, {"run_id": run_id, "key": key}, {"value": value})

    def end_run(self, run_id: str, status: RunStatus, at: datetime) -> None:
        self.conn.execute(
            update(t.runs).where(t.runs.c.id == run_id).values(status=status.value, ended_at=at)
        )

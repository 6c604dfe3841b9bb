"""SqlRepository: the Repository port over SQLAlchemy Core, for SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Table,
    and_,
    case,
    delete,
    func,
    insert,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy import exc as sa_exc

from modelyard.adapters.sql import tables as t
from modelyard.adapters.sql.mlflow_repo import MlflowRepositoryMixin
from modelyard.domain import names
from modelyard.domain.audit import GENESIS
from modelyard.domain.digests import Manifest, ManifestEntry
from modelyard.domain.entities import (
    AuditEvent,
    Dataset,
    Metric,
    ModelVersion,
    RegisteredModel,
    Run,
    RunStatus,
    StageChange,
)
from modelyard.domain.filters import Clause, Filter
from modelyard.domain.ordering import (
    MODEL_ORDER,
    STAGE_RANK,
    VERSION_ORDER,
    Order,
    total,
)
from modelyard.domain.stages import Stage
from modelyard.errors import AlreadyExists, NotFound
from modelyard.service.ports import VersionUpdate

_m, _v = t.registered_models, t.model_versions


def _op(column: Any, clause: Clause, pg: bool) -> ColumnElement[bool]:
    value = clause.value
    if pg and clause.op in ("LIKE", "ILIKE"):
        value = str(value).replace("\\", "\\\\")  # backslash is literal, as on SQLite
    if clause.op == "=":
        return column == value  # type: ignore[no-any-return]
    if clause.op == "!=":
        return column != value  # type: ignore[no-any-return]
    if clause.op == "LIKE":
        return column.like(value)  # type: ignore[no-any-return]
    return column.ilike(value)  # type: ignore[no-any-return]


def _name_clause(clause: Clause, pg: bool) -> ColumnElement[bool]:
    if clause.op in ("=", "!="):
        key = names.name_key(str(clause.value))
        return _m.c.name_key == key if clause.op == "=" else _m.c.name_key != key
    return _op(_m.c.name, clause, pg)


def _model_where(clause: Clause, pg: bool) -> ColumnElement[bool]:
    if clause.field == "name":
        return _name_clause(clause, pg)
    tag = t.model_tags
    # IN (subquery) lets the database drive from the (key, value) index instead of
    # probing every model: a selective tag filter stays fast at any registry size
    tagged = select(tag.c.model_id).where(tag.c.key == clause.key, _op(tag.c.value, clause, pg))
    return _m.c.id.in_(tagged)


def _version_where(clause: Clause, pg: bool) -> ColumnElement[bool]:
    field = clause.field
    if field == "name":
        return _name_clause(clause, pg)
    if field in ("version", "stage", "run_id"):
        return _op(_v.c[field], clause, pg)
    version_key = tuple_(_v.c.model_id, _v.c.version)
    if field == "alias":
        al = t.aliases
        return version_key.in_(
            select(al.c.model_id, al.c.version).where(_op(al.c.alias, clause, pg))
        )
    tag = t.version_tags
    return version_key.in_(
        select(tag.c.model_id, tag.c.version).where(
            tag.c.key == clause.key, _op(tag.c.value, clause, pg)
        )
    )


_MODEL_SORT: dict[str, Any] = {
    "name": _m.c.name_key,
    "created_at": _m.c.created_at,
    "updated_at": _m.c.updated_at,
}
_VERSION_SORT: dict[str, Any] = {
    "name": _m.c.name_key,
    "version": _v.c.version,
    "created_at": _v.c.created_at,
    "updated_at": _v.c.updated_at,
    "stage": case({stage.value: rank for stage, rank in STAGE_RANK.items()}, value=_v.c.stage),
}


def _order_by(order: Order, default: Order, columns: dict[str, Any]) -> list[Any]:
    return [
        columns[key.field].desc() if key.descending else columns[key.field].asc()
        for key in total(order, default)
    ]


class SqlRepository(MlflowRepositoryMixin):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.lock_rows = conn.dialect.name == "postgresql"

    # registered models -------------------------------------------------------------
    def add_model(self, model: RegisteredModel) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(_m).values(
                        id=model.id,
                        name=model.name,
                        name_key=names.name_key(model.name),
                        description=model.description,
                        next_version=1,
                        created_at=model.created_at,
                        updated_at=model.updated_at,
                        created_by=model.created_by,
                    )
                )
        except sa_exc.IntegrityError:
            raise AlreadyExists(f"a model named {model.name!r} already exists") from None
        for key, value in model.tags.items():
            self.set_model_tag(model.id, key, value)

    def _models(self, rows: Sequence[Row[Any]]) -> list[RegisteredModel]:
        ids = [r.id for r in rows]
        tags: dict[str, dict[str, str]] = defaultdict(dict)
        als: dict[str, dict[str, int]] = defaultdict(dict)
        latest: dict[str, int] = {}
        if ids:
            for r in self.conn.execute(
                select(t.model_tags).where(t.model_tags.c.model_id.in_(ids))
            ):
                tags[r.model_id][r.key] = r.value
            for r in self.conn.execute(select(t.aliases).where(t.aliases.c.model_id.in_(ids))):
                als[r.model_id][r.alias] = r.version
            # newest live version per model: walk the primary key backwards and stop at the
            # first live row, instead of aggregating over every version of the model
            newest = (
                select(_v.c.version)
                .where(_v.c.model_id == _m.c.id, _v.c.deleted_at.is_(None))
                .order_by(_v.c.version.desc())
                .limit(1)
                .scalar_subquery()
            )
            q = select(_m.c.id, newest).where(_m.c.id.in_(ids))
            latest = {mid: n for mid, n in self.conn.execute(q) if n is not None}
        return [
            RegisteredModel(
                id=r.id,
                name=r.name,
                description=r.description,
                tags=tags[r.id],
                aliases=dict(sorted(als[r.id].items())),
                created_at=r.created_at,
                updated_at=r.updated_at,
                created_by=r.created_by,
                latest_version=latest.get(r.id, 0),
            )
            for r in rows
        ]

    def get_model(self, name: str, *, lock: bool = False) -> RegisteredModel:
        q = select(_m).where(_m.c.name_key == names.name_key(name), _m.c.deleted_at.is_(None))
        if lock and self.lock_rows:
            q = q.with_for_update()
        row = self.conn.execute(q).first()
        if row is None:
            raise NotFound(f"model {name!r} does not exist")
        return self._models([row])[0]

    def list_models(
        self, flt: Filter, offset: int, limit: int, order: Order = MODEL_ORDER
    ) -> list[RegisteredModel]:
        where = [_model_where(c, self.lock_rows) for c in flt.clauses]
        q = (
            select(_m)
            .where(_m.c.deleted_at.is_(None), *where)
            .order_by(*_order_by(order, MODEL_ORDER, _MODEL_SORT))
            .offset(offset)
            .limit(limit)
        )
        return self._models(self.conn.execute(q).all())

    def _update_model(self, model_id: str, **values: Any) -> None:
        self.conn.execute(update(_m).where(_m.c.id == model_id).values(**values))

    def rename_model(self, model_id: str, new_name: str, at: datetime) -> None:
        try:
            with self.conn.begin_nested():
                self._update_model(
                    model_id, name=new_name, name_key=names.name_key(new_name), updated_at=at
                )
        except sa_exc.IntegrityError:
            raise AlreadyExists(f"a model named {new_name!r} already exists") from None

    def describe_model(self, model_id: str, description: str, at: datetime) -> None:
        self._update_model(model_id, description=description, updated_at=at)

    def delete_model(self, model_id: str, at: datetime) -> None:
        self._update_model(model_id, deleted_at=at, updated_at=at)
        self.conn.execute(
            update(_v)
            .where(_v.c.model_id == model_id, _v.c.deleted_at.is_(None))
            .values(deleted_at=at)
        )
        self.conn.execute(delete(t.aliases).where(t.aliases.c.model_id == model_id))

    def set_model_tag(self, model_id: str, key: str, value: str) -> None:
        self._upsert(t.model_tags, {"model_id": model_id, "key": key}, {"value": value})

    def delete_model_tag(self, model_id: str, key: str) -> None:
        tag = t.model_tags
        self.conn.execute(delete(tag).where(tag.c.model_id == model_id, tag.c.key == key))

    def allocate_version(self, model_id: str) -> int:
        q = (
            update(_m)
            .where(_m.c.id == model_id)
            .values(next_version=_m.c.next_version + 1)
            .returning(_m.c.next_version)
        )
        return int(self.conn.execute(q).scalar_one()) - 1

    @contextmanager
    def _unique(self, what: str) -> Iterator[None]:
        """Run inserts in a savepoint; a uniqueness violation becomes AlreadyExists."""
        try:
            with self.conn.begin_nested():
                yield
        except sa_exc.IntegrityError:
            raise AlreadyExists(f"{what} already exists") from None

    def _require_version(self, model_id: str, number: int) -> None:
        q = select(_v.c.version).where(
            _v.c.model_id == model_id, _v.c.version == number, _v.c.deleted_at.is_(None)
        )
        if self.conn.execute(q).first() is None:
            raise NotFound(f"version {number} does not exist")

    def _upsert(self, table: Table, keys: dict[str, Any], values: dict[str, Any]) -> None:
        cond = and_(*(table.c[k] == v for k, v in keys.items()))
        done = self.conn.execute(update(table).where(cond).values(**values))
        if done.rowcount == 0:
            self.conn.execute(insert(table).values(**keys, **values))

    # versions ----------------------------------------------------------------------
    def add_version(self, version: ModelVersion, idempotency: tuple[str, str] | None) -> None:
        key, request = idempotency if idempotency else (None, None)
        manifest = [
            {"path": e.path, "size": e.size, "sha256": e.sha256} for e in version.manifest.entries
        ]
        with self._unique(f"version {version.version} or its idempotency key"):
            self._insert_version(version, manifest, key, request)

    def _insert_version(
        self,
        version: ModelVersion,
        manifest: list[dict[str, Any]],
        key: str | None,
        request: str | None,
    ) -> None:
        self.conn.execute(
            insert(_v).values(
                model_id=version.model_id,
                version=version.version,
                stage=version.stage.value,
                description=version.description,
                manifest_digest=version.manifest_digest,
                manifest=manifest,
                run_id=version.run_id,
                flavor=version.flavor,
                flavor_metadata=version.flavor_metadata,
                signature=version.signature,
                requirements=list(version.requirements),
                python_version=version.python_version,
                source=version.source,
                created_at=version.created_at,
                updated_at=version.updated_at,
                created_by=version.created_by,
                idempotency_key=key,
                request_digest=request,
            )
        )
        for k, value in version.tags.items():
            self.conn.execute(
                insert(t.version_tags).values(
                    model_id=version.model_id, version=version.version, key=k, value=value
                )
            )

    def _versions(self, rows: Sequence[Row[Any]]) -> list[ModelVersion]:
        keys = [(r.model_id, r.version) for r in rows]
        tags: dict[tuple[str, int], dict[str, str]] = defaultdict(dict)
        als: dict[tuple[str, int], list[str]] = defaultdict(list)
        if keys:
            vt, al = t.version_tags, t.aliases
            q = select(vt).where(tuple_(vt.c.model_id, vt.c.version).in_(keys))
            for r in self.conn.execute(q):
                tags[(r.model_id, r.version)][r.key] = r.value
            q = select(al).where(tuple_(al.c.model_id, al.c.version).in_(keys))
            for r in self.conn.execute(q):
                als[(r.model_id, r.version)].append(r.alias)
        return [
            self._version(
                r, tags[(r.model_id, r.version)], tuple(sorted(als[(r.model_id, r.version)]))
            )
            for r in rows
        ]

    @staticmethod
    def _version(r: Row[Any], tags: dict[str, str], aliases: tuple[str, ...]) -> ModelVersion:
        manifest = Manifest(
            tuple(ManifestEntry(e["path"], e["size"], e["sha256"]) for e in r.manifest)
        )
        return ModelVersion(
            model_id=r.model_id,
            name=r.name,
            version=r.version,
            stage=Stage(r.stage),
            description=r.description,
            tags=tags,
            aliases=aliases,
            manifest_digest=r.manifest_digest,
            manifest=manifest,
            run_id=r.run_id,
            flavor=r.flavor,
            flavor_metadata=r.flavor_metadata,
            signature=r.signature,
            requirements=tuple(r.requirements),
            python_version=r.python_version,
            source=r.source,
            created_at=r.created_at,
            updated_at=r.updated_at,
            created_by=r.created_by,
        )

    def _live_versions(self) -> Any:
        return (
            select(_v, _m.c.name)
            .join(_m, _m.c.id == _v.c.model_id)
            .where(_v.c.deleted_at.is_(None), _m.c.deleted_at.is_(None))
        )

    def get_version(self, model_id: str, number: int) -> ModelVersion:
        q = self._live_versions().where(_v.c.model_id == model_id, _v.c.version == number)
        rows = self.conn.execute(q).all()
        if not rows:
            raise NotFound(f"version {number} does not exist")
        return self._versions(rows)[0]

    def find_idempotent(self, model_id: str, key: str) -> tuple[str, int] | None:
        q = select(_v.c.request_digest, _v.c.version).where(
            _v.c.model_id == model_id, _v.c.idempotency_key == key
        )
        row = self.conn.execute(q).first()
        return (row.request_digest, row.version) if row else None

    def latest_version(self, model_id: str, stage: Stage | None = None) -> ModelVersion:
        q = self._live_versions().where(_v.c.model_id == model_id)
        if stage is not None:
            q = q.where(_v.c.stage == stage.value)
        rows = self.conn.execute(q.order_by(_v.c.version.desc()).limit(1)).all()
        if not rows:
            where = f" in stage {stage.value}" if stage else ""
            raise NotFound(f"model has no version{where}")
        return self._versions(rows)[0]

    def versions_in_stage(self, model_id: str, stage: Stage) -> list[ModelVersion]:
        q = self._live_versions().where(_v.c.model_id == model_id, _v.c.stage == stage.value)
        return self._versions(self.conn.execute(q.order_by(_v.c.version.desc())).all())

    def list_versions(
        self, flt: Filter, offset: int, limit: int, order: Order = VERSION_ORDER
    ) -> list[ModelVersion]:
        where = [_version_where(c, self.lock_rows) for c in flt.clauses]
        q = (
            self._live_versions()
            .where(*where)
            .order_by(*_order_by(order, VERSION_ORDER, _VERSION_SORT))
            .offset(offset)
            .limit(limit)
        )
        return self._versions(self.conn.execute(q).all())

    def update_version(
        self, model_id: str, number: int, change: VersionUpdate, at: datetime
    ) -> None:
        values: dict[str, Any] = {"updated_at": at}
        if change.stage is not None:
            values["stage"] = change.stage.value
        if change.description is not None:
            values["description"] = change.description
        self.conn.execute(
            update(_v).where(_v.c.model_id == model_id, _v.c.version == number).values(**values)
        )

    def delete_version(self, model_id: str, number: int, at: datetime) -> None:
        self.conn.execute(
            update(_v)
            .where(_v.c.model_id == model_id, _v.c.version == number)
            .values(deleted_at=at, updated_at=at)
        )

    def set_version_tag(self, model_id: str, number: int, key: str, value: str) -> None:
        self._require_version(model_id, number)
        self._upsert(
            t.version_tags, {"model_id": model_id, "version": number, "key": key}, {"value": value}
        )

    def delete_version_tag(self, model_id: str, number: int, key: str) -> None:
        vt = t.version_tags
        self.conn.execute(
            delete(vt).where(vt.c.model_id == model_id, vt.c.version == number, vt.c.key == key)
        )

    # aliases and stage history -----------------------------------------------------
    def set_alias(self, model_id: str, alias: str, number: int) -> None:
        self._require_version(model_id, number)
        self._upsert(t.aliases, {"model_id": model_id, "alias": alias}, {"version": number})

    def delete_alias(self, model_id: str, alias: str) -> None:
        al = t.aliases
        self.conn.execute(delete(al).where(al.c.model_id == model_id, al.c.alias == alias))

    def add_stage_change(self, model_id: str, change: StageChange) -> None:
        self.conn.execute(
            insert(t.stage_changes).values(
                model_id=model_id,
                name=change.name,
                version=change.version,
                from_stage=change.from_stage.value,
                to_stage=change.to_stage.value,
                actor=change.actor,
                at=change.at,
                comment=change.comment,
            )
        )

    def stage_history(self, model_id: str, number: int | None) -> list[StageChange]:
        sc = t.stage_changes
        q = select(sc).where(
            sc.c.model_id == model_id, sc.c.version == number if number is not None else true()
        )
        return [
            StageChange(
                r.name, r.version, Stage(r.from_stage), Stage(r.to_stage), r.actor, r.at, r.comment
            )
            for r in self.conn.execute(q.order_by(sc.c.id))
        ]

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

    def get_run(self, run_id: str) -> Run:
        r = self.conn.execute(select(t.runs).where(t.runs.c.id == run_id)).first()
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

    # audit -------------------------------------------------------------------------
    def audit_head(self) -> tuple[int, str]:
        q = select(t.audit_head.c.seq, t.audit_head.c.hash).where(t.audit_head.c.id == 1)
        if self.lock_rows:
            q = q.with_for_update()
        row = self.conn.execute(q).first()
        return (int(row.seq), str(row.hash)) if row else (0, GENESIS)

    def add_audit(self, event: AuditEvent) -> None:
        ae = t.audit_events
        self.conn.execute(
            insert(ae).values(
                seq=event.seq,
                at=event.at,
                actor=event.actor,
                action=event.action,
                model=event.model,
                version=event.version,
                before=event.before,
                after=event.after,
                prev_hash=event.prev_hash,
                hash=event.hash,
            )
        )
        self._upsert(t.audit_head, {"id": 1}, {"seq": event.seq, "hash": event.hash})

    def list_audit(
        self, model: str | None, since: datetime | None, offset: int, limit: int
    ) -> list[AuditEvent]:
        ae = t.audit_events
        q = (
            select(ae)
            .where(
                func.lower(ae.c.model) == model.lower() if model is not None else true(),
                ae.c.at >= since if since is not None else true(),
            )
            .order_by(ae.c.seq)
            .offset(offset)
            .limit(limit)
        )
        return [
            AuditEvent(
                r.seq,
                r.at,
                r.actor,
                r.action,
                r.model,
                r.version,
                r.before,
                r.after,
                r.prev_hash,
                r.hash,
            )
            for r in self.conn.execute(q)
        ]

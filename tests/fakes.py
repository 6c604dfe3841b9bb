"""In-memory fakes of modelyard's own ports, with the semantics the SQL and blob adapters have.

Unit tests run the service against these; the contract suites hold the real adapters to the
same behaviour. State lives in a plain ``RegistryState`` so a test can inspect (or tamper with)
what was committed.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Self, TypeVar

from modelyard.domain import names
from modelyard.domain.audit import GENESIS
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
from modelyard.domain.filters import Filter
from modelyard.domain.identity import ReadScope
from modelyard.domain.ordering import MODEL_ORDER, VERSION_ORDER, Order, total
from modelyard.domain.stages import Stage
from modelyard.errors import (
    AlreadyExists,
    NotFound,
)
from modelyard.service.ports import (
    StoredRequest,
    VersionUpdate,
)
from tests.fake_approvals import FakeApprovalRepository
from tests.fake_audit import FakeAuditRepository
from tests.fake_blobs import (
    START,
    FixedClock,
    MemoryBlobStore,
    SequentialIds,
    make_context,
    new_version,
    stored_manifest,
)
from tests.fake_identity import FakeIdentityRepository
from tests.fake_mlflow import FakeMlflowRepository
from tests.fake_search import (
    _model_matches,
    _model_sort_value,
    _sort,
    _version_matches,
    _version_sort_value,
)
from tests.fake_webhooks import FakeWebhookRepository

_V = TypeVar("_V")


@dataclass
class ModelRow:
    model: RegisteredModel  # its tags and aliases dicts are the stored ones
    next_version: int = 1
    deleted_at: datetime | None = None

    @property
    def id(self) -> str:
        return self.model.id

    @property
    def name(self) -> str:
        return self.model.name


@dataclass
class RegistryState:
    """Everything a FakeRepository stores; a unit of work works on a deep copy of it."""

    models: dict[str, ModelRow] = field(default_factory=dict)
    versions: dict[tuple[str, int], ModelVersion] = field(default_factory=dict)
    deleted_versions: set[tuple[str, int]] = field(default_factory=set)
    idempotency: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)
    stage_changes: list[tuple[str, StageChange]] = field(default_factory=list)
    runs: dict[str, Run] = field(default_factory=dict)
    audit: list[AuditEvent] = field(default_factory=list)
    head: tuple[int, str] = (0, GENESIS)  # the audit_head row, kept apart as in SQL
    requests: dict[tuple[str, str], StoredRequest] = field(default_factory=dict)
    attempts: dict[tuple[str, str], str] = field(default_factory=dict)


class FakeRepository(
    FakeAuditRepository,
    FakeMlflowRepository,
    FakeIdentityRepository,
    FakeApprovalRepository,
    FakeWebhookRepository,
):
    """A dict-backed Repository with the lookups, ordering and constraints of the SQL one."""

    def __init__(self, state: RegistryState | None = None) -> None:
        self.state = state if state is not None else RegistryState()
        self._claimed = False

    # registered models -------------------------------------------------------------
    def _live_row(self, name: str) -> ModelRow | None:
        key = names.name_key(name)
        for row in self.state.models.values():
            if row.deleted_at is None and names.name_key(row.name) == key:
                return row
        return None

    def _row(self, model_id: str) -> ModelRow:
        row = self.state.models.get(model_id)
        if row is None or row.deleted_at is not None:
            raise NotFound(f"no model with id {model_id!r}")
        return row

    def _live_numbers(self, model_id: str) -> list[int]:
        return sorted(
            n
            for (mid, n) in self.state.versions
            if mid == model_id and (mid, n) not in self.state.deleted_versions
        )

    def _model_view(self, row: ModelRow) -> RegisteredModel:
        numbers = self._live_numbers(row.id)
        return replace(
            row.model,
            tags=dict(row.model.tags),
            aliases=dict(sorted(row.model.aliases.items())),
            latest_version=numbers[-1] if numbers else 0,
        )

    def add_model(self, model: RegisteredModel) -> None:
        if self._live_row(model.name) is not None:
            raise AlreadyExists(f"a model named {model.name!r} already exists")
        if model.id in self.state.models:
            raise AlreadyExists(f"a model with id {model.id!r} already exists")
        stored = replace(model, tags=dict(model.tags), aliases=dict(model.aliases))
        self.state.models[model.id] = ModelRow(stored)

    def get_model(self, name: str, *, lock: bool = False) -> RegisteredModel:
        row = self._live_row(name)
        if row is None:
            raise NotFound(f"no model named {name!r}")
        return self._model_view(row)

    def list_models(
        self,
        flt: Filter,
        offset: int,
        limit: int,
        order: Order = MODEL_ORDER,
        scope: ReadScope | None = None,
    ) -> list[RegisteredModel]:
        rows = [r for r in self.state.models.values() if r.deleted_at is None]
        if scope is not None:
            rows = [r for r in rows if scope.admits(r.id, r.model.name)]
        found = [self._model_view(r) for r in rows]
        found = [m for m in found if all(_model_matches(c, m) for c in flt.clauses)]
        _sort(found, total(order, MODEL_ORDER), _model_sort_value)
        return found[offset : offset + limit]

    def rename_model(self, model_id: str, new_name: str, at: datetime) -> None:
        row = self._row(model_id)
        clash = self._live_row(new_name)
        if clash is not None and clash.id != model_id:
            raise AlreadyExists(f"a model named {clash.name!r} already exists")
        row.model = replace(row.model, name=new_name, updated_at=at)

    def describe_model(self, model_id: str, description: str, at: datetime) -> None:
        row = self._row(model_id)
        row.model = replace(row.model, description=description, updated_at=at)

    def delete_model(self, model_id: str, at: datetime) -> None:
        self._row(model_id).deleted_at = at

    def set_model_tag(self, model_id: str, key: str, value: str) -> None:
        self._row(model_id).model.tags[key] = value

    def delete_model_tag(self, model_id: str, key: str) -> None:
        _pop(self._row(model_id).model.tags, key)

    def allocate_version(self, model_id: str) -> int:
        row = self._row(model_id)
        number = row.next_version
        row.next_version += 1
        return number

    # versions ----------------------------------------------------------------------
    def _stored(self, model_id: str, number: int) -> ModelVersion:
        self._row(model_id)
        key = (model_id, number)
        if key not in self.state.versions or key in self.state.deleted_versions:
            raise NotFound(f"no version {number} of model {model_id!r}")
        return self.state.versions[key]

    def _version_view(self, v: ModelVersion) -> ModelVersion:
        row = self.state.models[v.model_id]
        aliases = tuple(sorted(a for a, n in row.model.aliases.items() if n == v.version))
        return replace(v, name=row.name, aliases=aliases, tags=dict(v.tags))

    def add_version(self, version: ModelVersion, idempotency: tuple[str, str] | None) -> None:
        self._row(version.model_id)
        key = (version.model_id, version.version)
        if key in self.state.versions:
            raise AlreadyExists(f"version {version.version} already exists")
        if idempotency is not None:
            idem_key = (version.model_id, idempotency[0])
            if idem_key in self.state.idempotency:
                raise AlreadyExists("idempotency key already used")
            self.state.idempotency[idem_key] = (idempotency[1], version.version)
        self.state.versions[key] = replace(
            version,
            tags=dict(version.tags),
            aliases=(),
            created_at=version.created_at.astimezone(UTC),
            updated_at=version.updated_at.astimezone(UTC),
        )

    def get_version(self, model_id: str, number: int) -> ModelVersion:
        return self._version_view(self._stored(model_id, number))

    def find_idempotent(self, model_id: str, key: str) -> tuple[str, int] | None:
        return self.state.idempotency.get((model_id, key))

    def latest_version(self, model_id: str, stage: Stage | None = None) -> ModelVersion:
        self._row(model_id)
        live = [self.get_version(model_id, n) for n in self._live_numbers(model_id)]
        matching = [v for v in live if stage is None or v.stage is stage]
        if not matching:
            where = f" in stage {stage.value}" if stage is not None else ""
            raise NotFound(f"model {model_id!r} has no version{where}")
        return matching[-1]

    def versions_in_stage(self, model_id: str, stage: Stage) -> list[ModelVersion]:
        self._row(model_id)
        live = [self.get_version(model_id, n) for n in self._live_numbers(model_id)]
        return [v for v in reversed(live) if v.stage is stage]  # newest first, as in SQL

    def list_versions(
        self,
        flt: Filter,
        offset: int,
        limit: int,
        order: Order = VERSION_ORDER,
        scope: ReadScope | None = None,
    ) -> list[ModelVersion]:
        found = [
            self._version_view(v)
            for key, v in self.state.versions.items()
            if key not in self.state.deleted_versions
            and self.state.models[v.model_id].deleted_at is None
            and (
                scope is None or scope.admits(v.model_id, self.state.models[v.model_id].model.name)
            )
        ]
        found = [v for v in found if all(_version_matches(c, v) for c in flt.clauses)]
        _sort(found, total(order, VERSION_ORDER), _version_sort_value)
        return found[offset : offset + limit]

    def update_version(
        self, model_id: str, number: int, change: VersionUpdate, at: datetime
    ) -> None:
        v = self._stored(model_id, number)
        if change.stage is not None:
            v = replace(v, stage=change.stage)
        if change.description is not None:
            v = replace(v, description=change.description)
        self.state.versions[(model_id, number)] = replace(v, updated_at=at)

    def delete_version(self, model_id: str, number: int, at: datetime) -> None:
        self._stored(model_id, number)
        self.state.deleted_versions.add((model_id, number))

    def set_version_tag(self, model_id: str, number: int, key: str, value: str) -> None:
        self._stored(model_id, number).tags[key] = value

    def delete_version_tag(self, model_id: str, number: int, key: str) -> None:
        _pop(self._stored(model_id, number).tags, key)

    # aliases and stage history -----------------------------------------------------
    def set_alias(self, model_id: str, alias: str, number: int) -> None:
        self._stored(model_id, number)
        self._row(model_id).model.aliases[alias] = number

    def delete_alias(self, model_id: str, alias: str) -> None:
        _pop(self._row(model_id).model.aliases, alias)

    def add_stage_change(self, model_id: str, change: StageChange) -> None:
        self._row(model_id)
        self.state.stage_changes.append((model_id, change))

    def stage_history(self, model_id: str, number: int | None) -> list[StageChange]:
        return [
            c
            for mid, c in self.state.stage_changes
            if mid == model_id
            and (number is None or c.version == number)
            and (mid, c.version) not in self.state.deleted_versions
        ]

    # runs --------------------------------------------------------------------------
    def add_run(self, run: Run) -> None:
        if run.id in self.state.runs:
            raise AlreadyExists(f"run {run.id} already exists")
        self.state.runs[run.id] = copy.deepcopy(run)

    def _run(self, run_id: str) -> Run:
        if run_id not in self.state.runs:
            raise NotFound(f"no run {run_id!r}")
        return self.state.runs[run_id]

    def _change_run(self, run_id: str, **changes: object) -> None:
        self.state.runs[run_id] = replace(self._run(run_id), **changes)  # type: ignore[arg-type]

    def get_run(self, run_id: str, *, lock: bool = False) -> Run:
        return copy.deepcopy(self._run(run_id))

    def add_params(self, run_id: str, params: dict[str, str]) -> None:
        logged = self._run(run_id).params
        if set(params) & set(logged):
            raise AlreadyExists(f"params already logged: {sorted(set(params) & set(logged))}")
        logged.update(params)

    def add_metrics(self, run_id: str, metrics: Iterable[Metric]) -> None:
        self._change_run(run_id, metrics=(*self._run(run_id).metrics, *metrics))

    def add_dataset(self, run_id: str, dataset: Dataset) -> None:
        self._change_run(run_id, datasets=(*self._run(run_id).datasets, dataset))

    def set_run_tag(self, run_id: str, key: str, value: str) -> None:
        self._run(run_id).tags[key] = value

    def end_run(self, run_id: str, status: RunStatus, at: datetime) -> None:
        self._change_run(run_id, status=status, ended_at=at)

    def get_model_id(self, name: str, *, deleted: bool = False) -> str:
        if not deleted:
            row = self._live_row(name)
            if row is not None:
                return row.id
            raise NotFound(f"model {name!r} does not exist")
        gone = [
            r
            for r in self.state.models.values()
            if r.deleted_at is not None and names.name_key(r.name) == names.name_key(name)
        ]
        if not gone:
            raise NotFound(f"model {name!r} does not exist")
        return max(gone, key=lambda r: r.deleted_at or START).id


def _pop(rows: dict[str, _V], key: str) -> None:
    rows.pop(key, None)  # like SQL DELETE: removing an absent row is a no-op


class FakeUnitOfWork:
    """Works on a deep copy of the committed state; ``commit()`` swaps the copy in."""

    def __init__(self, factory: FakeUnitOfWorkFactory, write: bool) -> None:
        self._factory = factory
        self.write = write
        self.repo = FakeRepository(copy.deepcopy(factory.state))

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None  # uncommitted changes live only in self.repo's copy and are dropped

    def commit(self) -> None:
        if not self.write:
            raise RuntimeError("commit() in a read-only unit of work")
        self._factory.state = copy.deepcopy(self.repo.state)
        self._factory.commits += 1


class FakeUnitOfWorkFactory:
    def __init__(self, state: RegistryState | None = None) -> None:
        self.state = state if state is not None else RegistryState()
        self.commits = 0

    def __call__(self, *, write: bool) -> FakeUnitOfWork:
        return FakeUnitOfWork(self, write)

    def audit_actions(self) -> list[str]:
        return [e.action for e in self.state.audit]

    @property
    def repo(self) -> FakeRepository:
        """A repository over the committed state (changes through it are not transactional)."""
        return FakeRepository(self.state)


__all__ = [
    "START",
    "FakeRepository",
    "FakeUnitOfWork",
    "FakeUnitOfWorkFactory",
    "FixedClock",
    "MemoryBlobStore",
    "RegistryState",
    "SequentialIds",
    "make_context",
    "new_version",
    "stored_manifest",
]

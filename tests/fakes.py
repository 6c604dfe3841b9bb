"""In-memory fakes of modelyard's own ports, with the semantics the SQL and blob adapters have.

Unit tests run the service against these; the contract suites hold the real adapters to the
same behaviour. State lives in a plain ``RegistryState`` so a test can inspect (or tamper with)
what was committed.
"""

from __future__ import annotations

import copy
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import BinaryIO, Self, TypeVar

from modelyard.domain import names
from modelyard.domain.audit import GENESIS
from modelyard.domain.digests import Manifest, ManifestEntry, sha256_hex
from modelyard.domain.entities import (
    AuditEvent,
    Dataset,
    Metric,
    ModelVersion,
    NewVersion,
    RegisteredModel,
    Run,
    RunStatus,
    StageChange,
)
from modelyard.domain.filters import Clause, Filter, match_value
from modelyard.domain.identity import ReadScope
from modelyard.domain.ordering import MODEL_ORDER, STAGE_RANK, VERSION_ORDER, Order, total
from modelyard.domain.stages import Stage
from modelyard.errors import (
    AlreadyExists,
    Conflict,
    IntegrityError,
    InvalidArgument,
    NotFound,
    RequestInProgress,
)
from modelyard.service.context import Context
from modelyard.service.ports import (
    BlobInfo,
    BlobReferences,
    Readable,
    RequestClaim,
    StoredRequest,
    StoredResponse,
    VersionUpdate,
)

START = datetime(2026, 1, 1, tzinfo=UTC)
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


class FakeRepository:
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

    # audit -------------------------------------------------------------------------
    def audit_head(self, *, lock: bool = True) -> tuple[int, str]:
        return self.state.head

    def add_audit(self, event: AuditEvent) -> None:
        seq, prev = self.audit_head()
        if event.seq != seq + 1 or event.prev_hash != prev:
            raise Conflict(f"audit event {event.seq} does not follow {seq}")
        self.state.audit.append(replace(event, at=event.at.astimezone(UTC)))
        self.state.head = (event.seq, event.hash)

    def list_audit(
        self, model_id: str | None, since: datetime | None, offset: int, limit: int
    ) -> list[AuditEvent]:
        found = [
            e
            for e in self.state.audit
            if (model_id is None or e.model_id == model_id) and (since is None or e.at >= since)
        ]
        return sorted(found, key=lambda e: e.seq)[offset : offset + limit]

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

    # request keys and blob references ----------------------------------------------
    def claim_request(self, claim: RequestClaim, expired_before: datetime) -> None:
        if self._claimed:
            return
        old = self.state.requests.get((claim.actor, claim.key))
        if old is None or old.created_at < expired_before:
            stored = StoredRequest(claim.fingerprint, claim.at, None)
            self.state.requests[(claim.actor, claim.key)] = stored
            self.state.attempts[(claim.actor, claim.key)] = claim.attempt
        elif self.state.attempts.get((claim.actor, claim.key)) != claim.attempt:
            raise RequestInProgress("a request with this Idempotency-Key was already applied")
        self._claimed = True

    def get_request(self, actor: str, key: str) -> StoredRequest | None:
        return self.state.requests.get((actor, key))

    def complete_request(self, actor: str, key: str, response: StoredResponse) -> None:
        old = self.state.requests.get((actor, key))
        if old is not None:
            self.state.requests[(actor, key)] = replace(old, response=response)

    def purge_requests(self, before: datetime) -> int:
        old = [k for k, r in self.state.requests.items() if r.created_at < before]
        for k in old:
            del self.state.requests[k]
        return len(old)

    def blob_references(self, digest: str) -> BlobReferences:
        states = set()
        for key, v in self.state.versions.items():
            if digest in v.manifest.blob_digests():
                model_live = self.state.models[key[0]].deleted_at is None
                states.add(model_live and key not in self.state.deleted_versions)
        artifacts = self.state.__dict__.get("mlflow")
        if artifacts is not None and any(a.sha256 == digest for a in artifacts.artifacts.values()):
            states.add(True)
        return BlobReferences(live=True in states, deleted=False in states)


SortValue = str | int | datetime


def _sort(items: list[_V], order: Order, value: Callable[[_V, str], SortValue]) -> None:
    """Sort in place as SQL's ORDER BY does: least significant key first, each pass stable."""
    for key in reversed(order):
        items.sort(key=lambda item: value(item, key.field), reverse=key.descending)


def _model_sort_value(m: RegisteredModel, field: str) -> SortValue:
    if field == "name":
        return names.name_key(m.name)
    return m.created_at if field == "created_at" else m.updated_at


def _version_sort_value(v: ModelVersion, field: str) -> SortValue:
    if field == "name":
        return names.name_key(v.name)
    if field == "stage":
        return STAGE_RANK[v.stage]
    if field == "version":
        return v.version
    return v.created_at if field == "created_at" else v.updated_at


def _pop(rows: dict[str, _V], key: str) -> None:
    rows.pop(key, None)  # like SQL DELETE: removing an absent row is a no-op


def _match_name(clause: Clause, name: str) -> bool:
    if clause.op in ("=", "!="):
        return match_value(clause.op, names.name_key(name), names.name_key(str(clause.value)))
    return match_value(clause.op, name, clause.value)


def _match_tags(clause: Clause, tags: dict[str, str]) -> bool:
    return clause.key in tags and match_value(clause.op, tags[clause.key], clause.value)


def _model_matches(clause: Clause, m: RegisteredModel) -> bool:
    if clause.field == "name":
        return _match_name(clause, m.name)
    if clause.field == "tag":
        return _match_tags(clause, m.tags)
    raise InvalidArgument(f"cannot filter models on {clause.field!r}")


def _version_matches(clause: Clause, v: ModelVersion) -> bool:
    if clause.field == "name":
        return _match_name(clause, v.name)
    if clause.field == "tag":
        return _match_tags(clause, v.tags)
    if clause.field == "alias":
        return any(match_value(clause.op, a, clause.value) for a in v.aliases)
    if clause.field == "version":
        return match_value(clause.op, v.version, clause.value)
    if clause.field == "stage":
        return match_value(clause.op, v.stage.value, clause.value)
    if clause.field == "run_id":
        return match_value(clause.op, v.run_id, clause.value)
    raise InvalidArgument(f"cannot filter versions on {clause.field!r}")


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


class MemoryBlobStore:
    """Content-addressed blobs in a dict, keyed by bare lowercase SHA-256 hex."""

    CHUNK = 64 * 1024

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, stream: Readable, expected: str | None = None) -> BlobInfo:
        want = sha256_hex(expected) if expected is not None else None
        hasher, chunks = hashlib.sha256(), []
        while chunk := stream.read(self.CHUNK):
            hasher.update(chunk)
            chunks.append(chunk)
        digest = hasher.hexdigest()
        if want is not None and digest != want:
            raise IntegrityError(f"content has digest sha256:{digest}, not sha256:{want}")
        data = b"".join(chunks)
        self.blobs.setdefault(digest, data)
        return BlobInfo(digest, len(data))

    def missing(self, digests: Iterable[str]) -> set[str]:
        return {h for h in (sha256_hex(d) for d in digests) if h not in self.blobs}

    def _get(self, digest: str) -> bytes:
        key = sha256_hex(digest)
        if key not in self.blobs:
            raise NotFound(f"no blob sha256:{key}")
        return self.blobs[key]

    def size(self, digest: str) -> int:
        return len(self._get(digest))

    def open(self, digest: str, offset: int = 0) -> BinaryIO:
        data = self._get(digest)
        if not 0 <= offset <= len(data):
            raise InvalidArgument(f"offset {offset} is outside the blob (size {len(data)})")
        return io.BytesIO(data[offset:])

    def delete(self, digest: str) -> None:
        self.blobs.pop(sha256_hex(digest), None)  # idempotent, so garbage collection can restart

    def digests(self) -> Iterator[str]:
        return iter(sorted(self.blobs))

    def ping(self) -> None:
        return None


class FixedClock:
    """A UTC clock that starts at 2026-01-01 and advances one second per call."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        current = self.now
        self.now += timedelta(seconds=1)
        return current


class SequentialIds:
    """32-character lowercase hex ids: 000…001, 000…002, …"""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return f"{self.count:032x}"


def make_context(actor: str = "alice") -> Context:
    return Context(
        uow=FakeUnitOfWorkFactory(),
        blobs=MemoryBlobStore(),
        clock=FixedClock(),
        new_id=SequentialIds(),
        actor=actor,
    )


def stored_manifest(blobs: MemoryBlobStore, files: dict[str, bytes] | None = None) -> Manifest:
    """Store each file's bytes in ``blobs`` and return the manifest that names them."""
    files = files if files is not None else {"model.skops": b"weights", "MLmodel": b"flavor: x"}
    entries = []
    for path, data in files.items():
        info = blobs.put(io.BytesIO(data))
        entries.append(ManifestEntry(path, info.size, info.digest))
    return Manifest.build(entries)


def new_version(
    blobs: MemoryBlobStore, content: bytes = b"weights", **fields: object
) -> NewVersion:
    """A NewVersion whose single file (with ``content``) is already stored."""
    manifest = stored_manifest(blobs, {"model.bin": content})
    return NewVersion(manifest=manifest, **fields)  # type: ignore[arg-type]


# MLflow tracking protocol ----------------------------------------------------------------
# Appended (the class body above belongs to other work): the methods of the Repository
# port's MLflow section, attached to FakeRepository below with the SQL adapter's semantics.

from modelyard.domain.tracking import ArtifactRecord, Experiment, LoggedModel  # noqa: E402


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


for _name, _member in vars(FakeMlflowRepository).items():
    if not _name.startswith("__") and _name != "state":
        setattr(FakeRepository, _name, _member)


# Identity: users, tokens and grants (tests/fake_identity.py), attached the same way.
from tests.fake_identity import FakeIdentityRepository  # noqa: E402

for _name, _member in vars(FakeIdentityRepository).items():
    if not _name.startswith("__") and _name != "state":
        setattr(FakeRepository, _name, _member)


# Governance: model settings and approval requests (tests/fake_approvals.py), the same way.
from tests.fake_approvals import FakeApprovalRepository  # noqa: E402

for _name, _member in vars(FakeApprovalRepository).items():
    if not _name.startswith("__") and _name != "state":
        setattr(FakeRepository, _name, _member)

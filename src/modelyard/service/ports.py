"""The ports the service needs; adapters implement them, unit tests fake them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

from modelyard.domain.approvals import ApprovalRequest, ApprovalStatus, ModelSettings
from modelyard.domain.entities import (
    AuditEvent,
    Dataset,
    Metric,
    ModelVersion,
    NewVersion,
    Page,
    RegisteredModel,
    Run,
    RunStatus,
    StageChange,
)
from modelyard.domain.filters import Filter
from modelyard.domain.identity import Grant, ReadScope, Role, Scope, User
from modelyard.domain.ordering import MODEL_ORDER, VERSION_ORDER, Order
from modelyard.domain.stages import Stage

# Re-exported: these moved to the domain so the SDK can use them without the service.
from modelyard.domain.streams import BlobInfo as BlobInfo
from modelyard.domain.streams import Readable as Readable
from modelyard.domain.streams import ReadStream as ReadStream
from modelyard.domain.tokens import ApiToken
from modelyard.domain.tracking import ArtifactRecord, Experiment, LoggedModel

if TYPE_CHECKING:  # runs imports this module: the spec type is for annotations only
    from modelyard.service.runs import RunSpec


@dataclass(frozen=True)
class VersionUpdate:
    stage: Stage | None = None
    description: str | None = None


@dataclass(frozen=True)
class RequestClaim:
    """An Idempotency-Key taken by the unit of work that applies the request."""

    actor: str
    key: str
    fingerprint: str
    attempt: str  # a request of several units of work claims once per unit, same attempt
    at: datetime


@dataclass(frozen=True)
class StoredResponse:
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class StoredRequest:
    fingerprint: str
    created_at: datetime
    response: StoredResponse | None  # None while running, or if it died before answering


@dataclass(frozen=True)
class BlobReferences:
    live: bool  # a live version of a live model, or an MLflow artifact record
    deleted: bool  # a deleted version, or a version of a deleted model


class Repository(Protocol):
    # registered models -------------------------------------------------------------
    def add_model(self, model: RegisteredModel) -> None: ...
    def get_model(self, name: str, *, lock: bool = False) -> RegisteredModel: ...
    def list_models(
        self,
        flt: Filter,
        offset: int,
        limit: int,
        order: Order = MODEL_ORDER,
        scope: ReadScope | None = None,
    ) -> list[RegisteredModel]:
        """Live models matching ``flt`` in ``order`` (made total with the default's keys),
        only those ``scope`` admits when given (filtered before paging)."""
        ...

    def rename_model(self, model_id: str, new_name: str, at: datetime) -> None: ...
    def describe_model(self, model_id: str, description: str, at: datetime) -> None: ...
    def delete_model(self, model_id: str, at: datetime) -> None: ...
    def set_model_tag(self, model_id: str, key: str, value: str) -> None: ...
    def delete_model_tag(self, model_id: str, key: str) -> None: ...
    def allocate_version(self, model_id: str) -> int: ...

    # versions ----------------------------------------------------------------------
    def add_version(self, version: ModelVersion, idempotency: tuple[str, str] | None) -> None: ...
    def get_version(self, model_id: str, number: int) -> ModelVersion: ...
    def find_idempotent(self, model_id: str, key: str) -> tuple[str, int] | None: ...
    def latest_version(self, model_id: str, stage: Stage | None = None) -> ModelVersion: ...
    def versions_in_stage(self, model_id: str, stage: Stage) -> list[ModelVersion]: ...
    def list_versions(
        self,
        flt: Filter,
        offset: int,
        limit: int,
        order: Order = VERSION_ORDER,
        scope: ReadScope | None = None,
    ) -> list[ModelVersion]:
        """Live versions matching ``flt`` in ``order`` (made total with the default's keys),
        only of models ``scope`` admits when given (filtered before paging)."""
        ...

    def update_version(
        self, model_id: str, number: int, change: VersionUpdate, at: datetime
    ) -> None: ...
    def delete_version(self, model_id: str, number: int, at: datetime) -> None: ...
    def set_version_tag(self, model_id: str, number: int, key: str, value: str) -> None: ...
    def delete_version_tag(self, model_id: str, number: int, key: str) -> None: ...

    # aliases and stage history -----------------------------------------------------
    def set_alias(self, model_id: str, alias: str, number: int) -> None: ...
    def delete_alias(self, model_id: str, alias: str) -> None: ...
    def add_stage_change(self, model_id: str, change: StageChange) -> None: ...
    def stage_history(self, model_id: str, number: int | None) -> list[StageChange]: ...

    # runs --------------------------------------------------------------------------
    def add_run(self, run: Run) -> None: ...
    def get_run(self, run_id: str, *, lock: bool = False) -> Run:
        """The run; ``lock`` holds its row until the unit of work ends (PostgreSQL)."""
        ...

    def add_params(self, run_id: str, params: dict[str, str]) -> None: ...
    def add_metrics(self, run_id: str, metrics: Iterable[Metric]) -> None: ...
    def add_dataset(self, run_id: str, dataset: Dataset) -> None: ...
    def set_run_tag(self, run_id: str, key: str, value: str) -> None: ...
    def end_run(self, run_id: str, status: RunStatus, at: datetime) -> None: ...

    # audit -------------------------------------------------------------------------
    def audit_head(self, *, lock: bool = True) -> tuple[int, str]:
        """The last sequence number and hash; ``lock`` holds it until the unit of work ends."""
        ...

    def add_audit(self, event: AuditEvent) -> None: ...
    def list_audit(
        self, model_id: str | None, since: datetime | None, offset: int, limit: int
    ) -> list[AuditEvent]:
        """Events oldest first, optionally of one model (by id, so renames keep its trail)."""
        ...

    def get_model_id(self, name: str, *, deleted: bool = False) -> str:
        """The id of the live model of that name (or of the last one deleted)."""
        ...

    # request keys (Idempotency-Key) and blob references ------------------------------
    def claim_request(self, claim: RequestClaim, expired_before: datetime) -> None:
        """Take the key in this unit of work (once; later calls are no-ops). A key taken by
        another attempt raises RequestInProgress; one taken by the same attempt (an earlier
        unit of work of the same request) is kept. Claims older than ``expired_before`` are
        replaced."""
        ...

    def get_request(self, actor: str, key: str) -> StoredRequest | None: ...
    def complete_request(self, actor: str, key: str, response: StoredResponse) -> None: ...
    def purge_requests(self, before: datetime) -> int: ...
    def blob_references(self, digest: str) -> BlobReferences:
        """Who names this blob: live versions or MLflow artifact records, deleted versions."""
        ...

    # MLflow tracking protocol: experiments, run queries, artifact files, logged models ---
    def add_experiment(self, experiment: Experiment) -> None: ...
    def get_experiment(self, experiment_id: str) -> Experiment: ...
    def find_experiment(self, name: str) -> Experiment: ...
    def list_experiments(self, offset: int, limit: int) -> list[Experiment]: ...
    def list_runs(self, experiments: list[str], offset: int, limit: int) -> list[Run]: ...
    def delete_run_tag(self, run_id: str, key: str) -> None: ...
    def put_artifact(self, record: ArtifactRecord) -> None: ...
    def get_artifact(self, path: str) -> ArtifactRecord: ...
    def list_artifacts(self, prefix: str) -> list[ArtifactRecord]: ...
    def add_logged_model(self, model: LoggedModel) -> None: ...
    def get_logged_model(self, model_id: str) -> LoggedModel: ...
    def update_logged_model(self, model: LoggedModel) -> None: ...
    def list_logged_models(
        self, experiment_ids: list[str], offset: int, limit: int, name: str | None = None
    ) -> list[LoggedModel]:
        """Logged models of these experiments (named ``name``, if given), newest first."""
        ...

    # identity: users and service accounts, API tokens, grants ------------------------
    def add_user(self, user: User) -> None:
        """Raises AlreadyExists when the name is taken, ignoring case."""
        ...

    def get_user(self, name: str) -> User: ...
    def get_user_by_id(self, user_id: str) -> User: ...
    def list_users(self, offset: int, limit: int) -> list[User]:
        """Users and service accounts by case-folded name, disabled ones included."""
        ...

    def disable_user(self, user_id: str, at: datetime) -> None: ...
    def set_password_hash(self, user_id: str, password_hash: str | None) -> None: ...
    def add_token(self, token: ApiToken) -> None: ...
    def get_token(self, token_id: str) -> ApiToken: ...
    def list_tokens(self, user_id: str | None) -> list[ApiToken]:
        """Tokens (of one user, or all) by creation time then id, revoked ones included."""
        ...

    def revoke_token(self, token_id: str, at: datetime) -> None: ...
    def touch_token(self, token_id: str, at: datetime, stale_before: datetime) -> bool:
        """Set last-used to ``at`` if it is unset or older than ``stale_before``; True when
        this was the token's first use (so exactly one caller audits it)."""
        ...

    def set_grant(self, grant: Grant, at: datetime, by: str) -> Role | None:
        """Create or replace the user's grant on that scope; the role it had, if any."""
        ...

    def delete_grant(self, user_id: str, scope: Scope) -> Role:
        """Remove the user's grant on that scope; NotFound when there is none."""
        ...

    def list_grants(self, user_id: str | None) -> list[Grant]:
        """Grants (of one user, or all) with user and live model names filled in, ordered
        by user name, scope kind and target."""
        ...

    # protected aliases and approvals -----------------------------------------------
    def get_model_settings(self, model_id: str) -> ModelSettings:
        """The model's governance settings; the defaults when none were ever set."""
        ...

    def put_model_settings(
        self, model_id: str, settings: ModelSettings, at: datetime, by: str
    ) -> None: ...
    def add_approval(self, request: ApprovalRequest) -> None: ...
    def get_approval(self, request_id: str, *, lock: bool = False) -> ApprovalRequest:
        """The request with its model's current name; NotFound when there is none (or its
        model was deleted). ``lock`` holds its row until the unit of work ends."""
        ...

    def list_approvals(
        self, query: ApprovalQuery, offset: int, limit: int
    ) -> list[ApprovalRequest]:
        """Requests of live models matching the query, newest first."""
        ...

    def decide_approval(
        self, request_id: str, status: ApprovalStatus, by: str, at: datetime, comment: str
    ) -> bool:
        """Record a decision on a pending request; False (and no change) when it was no
        longer pending, so of two racing deciders exactly one wins."""
        ...


@dataclass(frozen=True)
class ApprovalQuery:
    model_id: str | None = None
    version: int | None = None
    status: ApprovalStatus | None = None
    requested_by: str | None = None
    target: str | None = None
    readable: ReadScope | None = None  # only models the caller may read (None: all)


class UnitOfWork(Protocol):
    @property
    def repo(self) -> Repository: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool) -> UnitOfWork: ...


class BlobStore(Protocol):
    def put(self, stream: Readable, expected: str | None = None) -> BlobInfo:
        """Store a stream, hashing while it is read; whole and verified, or absent."""
        ...

    def missing(self, digests: Iterable[str]) -> set[str]: ...
    def size(self, digest: str) -> int: ...
    def open(self, digest: str, offset: int = 0) -> ReadStream: ...
    def delete(self, digest: str) -> None: ...
    def digests(self) -> Iterator[str]: ...
    def ping(self) -> None: ...


Clock = Callable[[], datetime]
IdFactory = Callable[[], str]


# importing from MLflow -------------------------------------------------------------------


class MlflowSource(Protocol):
    """A remote MLflow registry, read through its REST API (the import's source).

    Records are MLflow's JSON objects as its API returns them.
    """

    @property
    def url(self) -> str:
        """Where the registry is, safe to store and show: no credentials, no query."""
        ...

    def models(self) -> Iterator[dict[str, Any]]: ...
    def versions(self, name: str) -> list[dict[str, Any]]:
        """The model's versions, oldest first."""
        ...

    def run(self, run_id: str) -> dict[str, Any] | None: ...
    def download_root(self, name: str, version: str) -> str:
        """The artifact-proxy path holding a version's files."""
        ...

    def files(self, root: str) -> list[tuple[str, int]]:
        """Every file under ``root``, as (path relative to root, size)."""
        ...

    def fetch(self, root: str, rel: str, dest: Path) -> tuple[str, int]:
        """Download one file to ``dest``, hashing while streaming; (sha256, size)."""
        ...


class RegistryWriter(Protocol):
    """The registry operations an import needs; every client transport provides them."""

    def get_model(self, name: str) -> RegisteredModel: ...
    def create_model(
        self, name: str, description: str, tags: dict[str, str]
    ) -> RegisteredModel: ...
    def update_model(self, name: str, description: str) -> RegisteredModel: ...
    def set_model_tag(self, name: str, key: str, value: str) -> RegisteredModel: ...
    def search_versions(
        self,
        filter: str | None,
        max_results: int,
        page_token: str | None,
        order_by: list[str] | None = None,
    ) -> Page[ModelVersion]: ...
    def create_version(self, name: str, spec: NewVersion, idempotency_key: str) -> ModelVersion: ...
    def transition(
        self, name: str, ref: str, stage: str, archive_existing: bool, comment: str
    ) -> ModelVersion: ...
    def set_alias(self, name: str, alias: str, ref: str) -> ModelVersion: ...
    def start_run(self, spec: RunSpec) -> Run: ...
    def log_metrics(self, run_id: str, metrics: list[Metric]) -> None: ...
    def end_run(self, run_id: str, status: str) -> Run: ...
    def missing_blobs(self, digests: Iterable[str]) -> set[str]: ...
    def upload_blob(self, digest: str, stream: Readable, size: int) -> None: ...

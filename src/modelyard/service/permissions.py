"""The one table: every use case and the permission it needs, and ``require`` to check it.

A use case is named ``module.function`` after its place in ``modelyard.service``. A rule
is a function of what the call targets, so a transition's permission follows its target
stage and an alias move follows whether the alias is protected. A test enumerates the
service modules and fails when a public use case has no entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from modelyard.domain.entities import RegisteredModel
from modelyard.domain.identity import (
    Grant,
    ModelTarget,
    Permission,
    Principal,
    ReadScope,
    alias_permission,
    can,
    readable_scope,
    stage_permission,
)
from modelyard.domain.stages import Stage
from modelyard.errors import NotFound, PermissionDenied
from modelyard.service.ports import Repository

P = Permission


@dataclass(frozen=True)
class Target:
    """What a call acts on, as far as its permission depends on it."""

    stage: Stage | None = None  # the stage a transition moves to
    protected: bool = False  # the alias being moved is protected
    own: bool = False  # the caller acts on its own account (its tokens, its password)


Rule = Callable[[Target], Permission | None]


def fixed(permission: Permission) -> Rule:
    return lambda _target: permission


def by_stage(target: Target) -> Permission:
    if target.stage is None:
        raise ValueError("a transition's permission needs its target stage")
    return stage_permission(target.stage)


def by_alias(target: Target) -> Permission:
    return alias_permission(target.protected)


def own_or(permission: Permission) -> Rule:
    """Acting on one's own account needs no grant; on another's, ``permission``."""
    return lambda target: None if target.own else permission


def open_to_all(_target: Target) -> None:
    """No permission: the call is how a caller proves who it is, or the server's own
    start-up (bootstrap), or it checks its own rights inside."""
    return None


READ, RUNS_R, RUNS_W = fixed(P.MODEL_READ), fixed(P.RUN_READ), fixed(P.RUN_WRITE)
HOOKS = fixed(P.WEBHOOKS_MANAGE)

USE_CASES: dict[str, Rule] = {
    # registered models
    "models.create_model": fixed(P.MODEL_CREATE),
    "models.get_model": READ,
    "models.latest_versions": READ,
    "models.search_models": READ,  # filtered by read_scope, so counts and pages stay right
    "models.rename_model": fixed(P.MODEL_RENAME),
    "models.update_model": fixed(P.MODEL_EDIT),
    "models.delete_model": fixed(P.MODEL_DELETE),
    "models.set_model_tag": fixed(P.MODEL_EDIT),
    "models.delete_model_tag": fixed(P.MODEL_EDIT),
    # versions
    "versions.create_version": fixed(P.VERSION_CREATE),  # and MODEL_CREATE for a new model
    "sources.create_version_from_source": fixed(P.VERSION_CREATE),
    "versions.get_version": READ,
    "versions.search_versions": READ,  # filtered by read_scope
    "versions.list_versions": READ,
    "versions.update_version": fixed(P.MODEL_EDIT),
    "versions.delete_version": fixed(P.VERSION_DELETE),
    "versions.set_version_tag": fixed(P.MODEL_EDIT),
    "versions.delete_version_tag": fixed(P.MODEL_EDIT),
    # stages and aliases
    "stages.transition_stage": by_stage,
    "stages.rollback": fixed(P.ROLLBACK),
    "stages.stage_history": READ,
    "stages.set_alias": by_alias,
    "stages.delete_alias": by_alias,
    # protected aliases and approvals (approving checks the right the change needs inside)
    "approvals.get_settings": READ,
    "approvals.update_settings": fixed(P.ALIAS_PROTECTED_MOVE),  # maintainer on the model
    "approvals.list_requests": READ,  # filtered by read_scope
    "approvals.get_request": READ,
    "approvals.approve": open_to_all,
    "approvals.reject": open_to_all,
    "approvals.expire_requests": fixed(P.STORE_MAINTAIN),
    # runs, experiments, tracked artifacts and logged models (lineage, not governed per model)
    "runs.start_run": RUNS_W,
    "runs.get_run": RUNS_R,
    "runs.log_params": RUNS_W,
    "runs.log_metrics": RUNS_W,
    "runs.log_dataset": RUNS_W,
    "runs.set_run_tag": RUNS_W,
    "runs.set_run_tags": RUNS_W,
    "runs.end_run": RUNS_W,
    "runs.update_run": RUNS_W,
    "tracking.create_experiment": RUNS_W,
    "tracking.get_experiment": RUNS_R,
    "tracking.find_experiment": RUNS_R,
    "tracking.experiment_of": RUNS_R,
    "tracking.search_experiments": RUNS_R,
    "tracking.search_runs": RUNS_R,
    "tracking.delete_run_tag": RUNS_W,
    "artifacts.put_artifact": RUNS_W,
    "artifacts.get_artifact": RUNS_R,
    "artifacts.artifact_entry": RUNS_R,
    "artifacts.check_writable": RUNS_W,
    "artifacts.list_artifacts": RUNS_R,
    "artifacts.create_logged_model": RUNS_W,
    "artifacts.get_logged_model": RUNS_R,
    "artifacts.update_logged_model": RUNS_W,
    "artifacts.search_logged_models": RUNS_R,
    # audit and maintenance
    "audit.audit_trail": fixed(P.AUDIT_READ),
    "audit.verify_chain": fixed(P.AUDIT_VERIFY),
    "audit.check_chain": fixed(P.AUDIT_VERIFY),
    "audit.audit_head": fixed(P.AUDIT_READ),  # no model: a global viewer's grant
    "audit.export_audit": fixed(P.AUDIT_READ),  # of one model, or (no model) global
    "maintenance.fsck": fixed(P.STORE_MAINTAIN),
    # the event feed: a viewer's read, filtered to the models the caller may read
    "feed.read_events": READ,
    "feed.wait_events": READ,  # re-reads through read_events, which checks
    "feed.await_events": READ,
    "maintenance.blob_readable": RUNS_R,
    # identity
    "identity.create_user": fixed(P.USERS_MANAGE),
    "identity.list_users": fixed(P.USERS_MANAGE),
    "identity.disable_user": fixed(P.USERS_MANAGE),
    "identity.set_password": own_or(P.USERS_MANAGE),
    "identity.verify_password": open_to_all,
    "identity.create_token": own_or(P.TOKENS_MANAGE),
    "identity.list_tokens": own_or(P.TOKENS_MANAGE),
    "identity.revoke_token": own_or(P.TOKENS_MANAGE),
    "identity.authenticate": open_to_all,
    "identity.trusted_principal": open_to_all,
    "identity.ensure_admin": open_to_all,
    "identity.set_grant": fixed(P.GRANTS_MANAGE),
    "identity.revoke_grant": fixed(P.GRANTS_MANAGE),
    "identity.list_grants": own_or(P.GRANTS_MANAGE),
    # webhooks: a subscription hears every published change, so admins only
    "webhooks.create_webhook": HOOKS,
    "webhooks.list_webhooks": HOOKS,
    "webhooks.get_webhook": HOOKS,
    "webhooks.update_webhook": HOOKS,
    "webhooks.delete_webhook": HOOKS,
    "webhooks.rotate_secret": HOOKS,
    "webhooks.ping_webhook": HOOKS,
    "webhooks.list_deliveries": HOOKS,
    "webhooks.list_attempts": HOOKS,
    "webhooks.redeliver": HOOKS,
    "dispatch.deliver_due": HOOKS,
    "dispatch.queue_state": HOOKS,  # the server's own dispatcher runs unrestricted
}

# Public functions that take a Context but are steps of another use case, never called by
# an entrypoint on their own. Those taking ``(ctx, repo, …)`` run inside their caller's unit
# of work and count as building blocks without being listed (``models.insert_model``,
# ``context.append_audit``). The idempotency functions serve the API's replay layer for
# whatever request carries a key; the request itself is checked by its own use case.
BUILDING_BLOCKS = frozenset(
    {
        "paging.paged",
        "versions.checked_version",
        "idempotency.find_request",
        "idempotency.store_response",
        "idempotency.purge_expired",
    }
)


def permission_for(use_case: str, target: Target = Target()) -> Permission | None:
    try:
        rule = USE_CASES[use_case]
    except KeyError:
        raise KeyError(f"use case {use_case!r} has no entry in the permission table") from None
    return rule(target)


def grants_of(repo: Repository, principal: Principal) -> list[Grant]:
    if principal.unrestricted or principal.user_id is None:
        return []
    return repo.list_grants(principal.user_id)


def read_scope(repo: Repository, principal: Principal) -> ReadScope:
    """What a search may show this principal; compile it into the query (the SQL adapter's
    ``readable_where``), so that counts and pages cover visible models only."""
    return readable_scope(principal, grants_of(repo, principal))


def _target(model: RegisteredModel | ModelTarget | str | None) -> ModelTarget | None:
    if isinstance(model, RegisteredModel):
        return ModelTarget(model.id, model.name)
    if isinstance(model, str):
        return ModelTarget(None, model)  # a model about to be created
    return model


def allowed(
    repo: Repository,
    principal: Principal,
    use_case: str,
    model: RegisteredModel | ModelTarget | str | None = None,
    target: Target = Target(),
) -> bool:
    """Whether ``require`` would let the principal run the use case on the model."""
    permission = permission_for(use_case, target)
    if permission is None or principal.unrestricted:
        return True
    return can(principal, permission, grants_of(repo, principal), _target(model))


def searchable(repo: Repository, principal: Principal, use_case: str) -> ReadScope | None:
    """The scope a search filters on in SQL (None: everything), for a use case whose entry
    is a read: a search asks no grant of its own, it only shows what the caller may read."""
    permission_for(use_case)
    scope = read_scope(repo, principal)
    return None if scope.all else scope


def require(
    repo: Repository,
    principal: Principal,
    use_case: str,
    model: RegisteredModel | ModelTarget | str | None = None,
    target: Target = Target(),
) -> None:
    """Raise unless the principal may run the use case on the model.

    A caller who may not even read the model gets the same NotFound as for a model that
    does not exist, so names cannot be probed; otherwise PermissionDenied names what is
    missing.
    """
    permission = permission_for(use_case, target)
    if permission is None or principal.unrestricted:
        return
    grants = grants_of(repo, principal)
    on = _target(model)
    if can(principal, permission, grants, on):
        return
    if on is not None and on.id is not None and not can(principal, P.MODEL_READ, grants, on):
        raise NotFound(f"model {on.name!r} does not exist")
    where = f" on model {on.name!r}" if on is not None else ""
    raise PermissionDenied(f"{principal.name!r} lacks permission {permission.value!r}{where}")

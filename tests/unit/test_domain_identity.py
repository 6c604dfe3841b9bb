"""Roles, permissions and grant resolution: the pure rules of who may do what."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelyard.domain.identity import (
    RULES,
    Grant,
    ModelTarget,
    Permission,
    Principal,
    PrincipalKind,
    Reach,
    ReadScope,
    Role,
    Scope,
    alias_permission,
    can,
    effective_role,
    parse_prefix,
    parse_role,
    principal_name,
    readable_scope,
    stage_permission,
)
from modelyard.domain.stages import Stage
from modelyard.errors import InvalidArgument

ALICE = Principal("alice", PrincipalKind.USER, user_id="u1")
FRAUD = ModelTarget("m1", "Fraud-Detector")
OTHER = ModelTarget("m2", "churn")

# What issue 8 says each role may do, written out cell by cell (not derived from RULES).
ALLOWED = {
    Role.VIEWER: {"model.read", "run.read", "audit.read"},
    Role.EDITOR: {
        "model.create",
        "model.edit",
        "version.create",
        "stage.to_none",
        "stage.to_staging",
        "alias.move",
        "run.write",
    },
    Role.MAINTAINER: {
        "stage.to_production",
        "stage.to_archived",
        "version.rollback",
        "alias.protected.move",
        "version.delete",
        "model.delete",
        "model.rename",
    },
    Role.ADMIN: {
        "users.manage",
        "tokens.manage",
        "grants.manage",
        "store.maintain",
        "audit.verify",
        "webhooks.manage",
    },
}


def _cumulative(role: Role) -> set[str]:
    return set().union(*(ALLOWED[r] for r in Role if r <= role))


def grant(role: Role, scope: Scope) -> Grant:
    return Grant("u1", role, scope)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(Permission))
def test_global_role_holds_exactly_its_permissions(role: Role, permission: Permission) -> None:
    allowed = can(ALICE, permission, [grant(role, Scope.everywhere())], FRAUD)
    assert allowed is (permission.value in _cumulative(role))


def test_every_permission_has_a_rule_and_a_role_in_the_table() -> None:
    assert set(RULES) == set(Permission)
    assert set().union(*ALLOWED.values()) == {p.value for p in Permission}


@pytest.mark.parametrize(
    ("stage", "least"),
    [
        (Stage.NONE, Role.EDITOR),
        (Stage.STAGING, Role.EDITOR),
        (Stage.PRODUCTION, Role.MAINTAINER),
        (Stage.ARCHIVED, Role.MAINTAINER),
    ],
)
def test_transition_permission_depends_on_target_stage(stage: Stage, least: Role) -> None:
    assert RULES[stage_permission(stage)][0] is least


def test_protected_alias_needs_maintainer() -> None:
    assert RULES[alias_permission(True)][0] is Role.MAINTAINER
    assert RULES[alias_permission(False)][0] is Role.EDITOR


def test_no_grant_allows_nothing() -> None:
    assert not any(can(ALICE, p, [], FRAUD) for p in Permission)


def test_local_principal_may_do_everything() -> None:
    local = Principal.local("me")
    assert all(can(local, p, [], None) for p in Permission)


def test_effective_role_takes_highest_matching_grant() -> None:
    grants = [
        grant(Role.VIEWER, Scope.everywhere()),
        grant(Role.MAINTAINER, Scope.model("m1")),
        grant(Role.EDITOR, Scope.prefix("fraud-*")),
    ]
    assert effective_role(grants, FRAUD) is Role.MAINTAINER
    assert effective_role(grants, OTHER) is Role.VIEWER


def test_model_grant_follows_id_not_name() -> None:
    renamed = ModelTarget("m1", "Totally-New-Name")
    assert effective_role([grant(Role.EDITOR, Scope.model("m1"))], renamed) is Role.EDITOR


def test_model_grant_does_not_apply_to_new_model_with_same_name() -> None:
    recreated = ModelTarget("m9", FRAUD.name)
    assert effective_role([grant(Role.EDITOR, Scope.model("m1"))], recreated) is None


def test_prefix_grant_matches_case_folded_name() -> None:
    grants = [grant(Role.EDITOR, Scope.prefix("FRAUD-*"))]
    assert effective_role(grants, FRAUD) is Role.EDITOR
    assert effective_role(grants, ModelTarget(None, "fraud-new")) is Role.EDITOR
    assert effective_role(grants, ModelTarget(None, "fraud")) is None


def test_model_grant_does_not_cover_model_not_created_yet() -> None:
    assert effective_role([grant(Role.ADMIN, Scope.model("m1"))], ModelTarget(None, "x")) is None


def test_global_reach_ignores_model_and_prefix_grants() -> None:
    grants = [grant(Role.ADMIN, Scope.model("m1")), grant(Role.ADMIN, Scope.prefix("f*"))]
    assert not can(ALICE, Permission.USERS_MANAGE, grants, FRAUD)
    assert not can(ALICE, Permission.GRANTS_MANAGE, grants, None)


def test_any_reach_counts_grant_on_any_model() -> None:
    grants = [grant(Role.EDITOR, Scope.prefix("fraud-*"))]
    assert can(ALICE, Permission.RUN_WRITE, grants, None)
    assert effective_role(grants, None, Reach.ANY) is Role.EDITOR


def test_model_permission_without_target_counts_only_global_grants() -> None:
    assert not can(ALICE, Permission.MODEL_READ, [grant(Role.ADMIN, Scope.model("m1"))], None)


def test_readable_scope_of_global_grant_is_all() -> None:
    scope = readable_scope(ALICE, [grant(Role.VIEWER, Scope.everywhere())])
    assert scope == ReadScope(all=True)


def test_readable_scope_collects_models_and_prefixes() -> None:
    grants = [grant(Role.VIEWER, Scope.model("m1")), grant(Role.EDITOR, Scope.prefix("Ch*"))]
    scope = readable_scope(ALICE, grants)
    assert scope == ReadScope(all=False, model_ids=frozenset({"m1"}), prefixes=("ch",))
    assert scope.admits("m1", FRAUD.name)
    assert scope.admits("m2", "CHURN")
    assert not scope.admits("m3", "fraud")


def test_readable_scope_without_grants_is_empty() -> None:
    assert readable_scope(ALICE, []).empty
    assert not readable_scope(ALICE, []).admits("m1", "x")


def test_readable_scope_of_local_principal_is_all() -> None:
    assert readable_scope(Principal.local("me"), []).all


@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(Role)),
            st.sampled_from([Scope.everywhere(), Scope.model("m1"), Scope.model("m2")])
            | st.sampled_from(["f*", "fr*", "c*", "x*"]).map(Scope.prefix),
        ),
        max_size=6,
    )
)
def test_read_scope_agrees_with_can_model_read(pairs: list[tuple[Role, Scope]]) -> None:
    grants = [grant(role, scope) for role, scope in pairs]
    scope = readable_scope(ALICE, grants)
    for target in (FRAUD, OTHER, ModelTarget("m3", "xray")):
        assert target.id is not None
        expected = can(ALICE, Permission.MODEL_READ, grants, target)
        assert scope.admits(target.id, target.name) is expected


@pytest.mark.parametrize("value", ["fraud-*", "F*", "a.b_c-*"])
def test_parse_prefix_accepts_name_start_and_star(value: str) -> None:
    assert parse_prefix(value) == value[:-1].casefold()


@pytest.mark.parametrize("value", ["fraud-", "*", "-x*", "fr*ud*", "a/b*", "", "x* ", 7])
def test_parse_prefix_refuses_malformed(value: object) -> None:
    with pytest.raises(InvalidArgument):
        parse_prefix(value)


@pytest.mark.parametrize("value", ["viewer", "Editor", "MAINTAINER", Role.ADMIN])
def test_parse_role_accepts_any_case(value: object) -> None:
    assert isinstance(parse_role(value), Role)


@pytest.mark.parametrize("value", ["owner", "", "1", 4, None])
def test_parse_role_refuses_unknown(value: object) -> None:
    with pytest.raises(InvalidArgument):
        parse_role(value)


@pytest.mark.parametrize("value", ["alice", "ci-bot", "a.b@example.com", "x+y"])
def test_principal_name_accepts_user_names(value: str) -> None:
    assert principal_name(value) == value


@given(st.text(max_size=140))
def test_principal_name_accepts_only_the_grammar(value: str) -> None:
    try:
        name = principal_name(value)
    except InvalidArgument:
        return
    assert name[0].isascii() and name[0].isalnum()
    assert all(c.isascii() and (c.isalnum() or c in "._@+-") for c in name)
    assert len(name) <= 128


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(Permission))
def test_model_grant_holds_model_and_lineage_permissions_only(
    role: Role, permission: Permission
) -> None:
    least, reach = RULES[permission]
    allowed = can(ALICE, permission, [grant(role, Scope.model("m1"))], FRAUD)
    assert allowed is (reach is not Reach.GLOBAL and role >= least)
    assert not can(ALICE, permission, [grant(role, Scope.model("m1"))], OTHER) or (
        reach is Reach.ANY
    )

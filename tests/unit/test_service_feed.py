"""The event feed over fakes: what a read answers, what it refuses, who sees what."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelyard.domain.entities import ModelVersion
from modelyard.domain.identity import Grant, Principal, PrincipalKind, Role, Scope, User
from modelyard.errors import InvalidArgument, NotFound, PermissionDenied
from modelyard.service import feed, models, stages
from modelyard.service.context import Context
from modelyard.service.feed import FeedQuery, feed_query, read_events, wait_events
from tests.fakes import START, FakeUnitOfWorkFactory

VIEWER = Principal("vera", PrincipalKind.USER, user_id="v" * 32)


def _grant(store: FakeUnitOfWorkFactory, model: str) -> None:
    repo, user_id = store.repo, VIEWER.user_id or ""
    try:
        repo.get_user_by_id(user_id)
    except NotFound:
        repo.add_user(User(user_id, "vera", PrincipalKind.USER, START, "root"))
    model_id = repo.get_model_id(model)
    repo.set_grant(Grant(user_id, Role.VIEWER, Scope.model(model_id)), START, "root")


@pytest.fixture
def two_models(ctx: Context, register: Callable[..., ModelVersion]) -> None:
    """fraud v1 (then Production), churn v1."""
    register("fraud", b"f1")
    register("churn", b"c1")
    stages.transition_stage(ctx, "fraud", 1, "Production")


def _types(ctx: Context, query: FeedQuery) -> list[tuple[str, str | None]]:
    return [(e.type, e.model) for e in read_events(ctx, query).events]


def test_read_events_answers_published_events_in_order(ctx: Context, two_models: None) -> None:
    page = read_events(ctx, FeedQuery(0))
    assert [e.seq for e in page.events] == sorted(e.seq for e in page.events)
    assert page.next == page.events[-1].seq
    assert ("stage.transitioned", "fraud") in _types(ctx, FeedQuery(0))


def test_read_events_carries_the_versions_manifest_digest(
    ctx: Context, register: Callable[..., ModelVersion]
) -> None:
    v1 = register("fraud", b"f1")
    stages.transition_stage(ctx, "fraud", 1, "Production")
    moved = read_events(ctx, feed_query(0, types="stage.transitioned")).events
    assert [e.manifest_digest for e in moved] == [v1.manifest_digest]


def test_read_events_after_the_last_answers_nothing(ctx: Context, two_models: None) -> None:
    last = read_events(ctx, FeedQuery(0)).next
    assert read_events(ctx, FeedQuery(last)) == feed.FeedPage([], last)


def test_read_events_filters_by_model(ctx: Context, two_models: None) -> None:
    assert {m for _, m in _types(ctx, feed_query(0, model="churn"))} == {"churn"}


def test_read_events_filters_by_type(ctx: Context, two_models: None) -> None:
    got = _types(ctx, feed_query(0, types="stage.transitioned,model.created"))
    assert {t for t, _ in got} == {"stage.transitioned", "model.created"}


def test_read_events_moves_the_cursor_past_filtered_events(ctx: Context, two_models: None) -> None:
    everything = read_events(ctx, FeedQuery(0)).next
    assert read_events(ctx, feed_query(0, types="approval.requested")).next == everything


def test_read_events_beyond_the_head_is_refused(ctx: Context, two_models: None) -> None:
    last = read_events(ctx, FeedQuery(0)).next
    with pytest.raises(InvalidArgument, match="beyond the last event"):
        read_events(ctx, FeedQuery(last + 1))


@pytest.mark.parametrize(
    ("after", "wait", "types"),
    [
        (-1, 0, None),
        ("1.5", 0, None),
        ("x", 0, None),
        (2**63, 0, None),
        ("9" * 40, 0, None),
        (0, -1, None),
        (0, 31, None),
        (0, "nan", None),
        (0, "soon", None),
        (0, 0, "stage.moved"),
        (0, 0, ""),
    ],
)
def test_feed_query_with_bad_input_is_refused(after: object, wait: object, types: object) -> None:
    with pytest.raises(InvalidArgument):
        feed_query(after, types=types, wait=wait)  # type: ignore[arg-type]


def test_read_events_as_viewer_of_one_model_sees_only_it(
    ctx: Context, store: FakeUnitOfWorkFactory, two_models: None
) -> None:
    _grant(store, "fraud")
    models.set_model_tag(ctx, "churn", "k", "v")
    seen = _types(ctx.as_principal(VIEWER), FeedQuery(0))
    assert seen and {m for _, m in seen} == {"fraud"}


def test_read_events_of_an_unreadable_model_is_not_found(
    ctx: Context, store: FakeUnitOfWorkFactory, two_models: None
) -> None:
    _grant(store, "fraud")
    with pytest.raises(NotFound):
        read_events(ctx.as_principal(VIEWER), feed_query(0, model="churn"))


def test_read_events_without_any_grant_is_denied(ctx: Context, two_models: None) -> None:
    with pytest.raises(PermissionDenied):
        read_events(ctx.as_principal(VIEWER), FeedQuery(0))


def test_wait_events_returns_empty_when_the_wait_ends(ctx: Context, two_models: None) -> None:
    last = read_events(ctx, FeedQuery(0)).next
    pauses: list[float] = []
    clock = iter(range(100))
    page = wait_events(
        ctx, FeedQuery(last, wait=2), pause=pauses.append, now=lambda: float(next(clock))
    )
    assert page.events == [] and page.next == last and pauses


def test_wait_events_returns_an_event_written_while_waiting(ctx: Context, two_models: None) -> None:
    last = read_events(ctx, FeedQuery(0)).next
    writer = threading.Thread(target=models.set_model_tag, args=(ctx, "churn", "k", "v"))

    def pause(_seconds: float) -> None:
        if not writer.is_alive() and writer.ident is None:
            writer.start()
        writer.join(timeout=10)

    page = wait_events(ctx, FeedQuery(last, wait=30), pause=pause)
    assert [e.type for e in page.events] == ["tag.set"]


def test_read_events_over_a_window_of_filtered_events_moves_the_cursor_only(
    ctx: Context, two_models: None
) -> None:
    page = read_events(ctx, feed_query(0, types="stage.transitioned"), scan=2)
    assert page == feed.FeedPage([], 2)


@given(st.integers(min_value=0, max_value=feed.MAX_SEQ))
def test_feed_query_with_a_sequence_in_range_keeps_it(after: int) -> None:
    assert feed_query(str(after)).after == after


@given(st.text(max_size=30), st.text(max_size=12))
def test_feed_query_with_any_text_parses_or_raises_invalid_argument(after: str, wait: str) -> None:
    try:
        query = feed_query(after, wait=wait)
    except InvalidArgument:
        return
    assert 0 <= query.after <= feed.MAX_SEQ and 0 <= query.wait <= feed.MAX_WAIT


def test_wait_events_with_events_there_answers_without_pausing(
    ctx: Context, two_models: None
) -> None:
    pauses: list[float] = []
    page = wait_events(ctx, FeedQuery(0, wait=30), pause=pauses.append)
    assert page.events and pauses == []

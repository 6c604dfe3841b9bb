"""``modelyard audit verify`` against a database tampered with directly, on SQLite and
PostgreSQL: it names the first event that was changed, deleted, inserted or reordered,
and ``--expect-head`` catches a tail cut off together with its head."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, delete, insert, select, update

from modelyard.adapters.sql import tables as t
from modelyard.adapters.sql.uow import make_engine
from modelyard.client.client import Client
from modelyard.domain.audit import event_hash
from tests.cli.conftest import STORE_VARIABLES
from tests.cli.support import cli, ok
from tests.conftest import fresh_store

EVENTS = 5
events, head = t.audit_events, t.audit_head


@dataclass(frozen=True)
class Chain:
    url: str

    def tamper(self, change: Callable[[Connection], object]) -> None:
        engine = make_engine(self.url)
        try:
            with engine.begin() as conn:
                change(conn)
        finally:
            engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def chain(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    store_template: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Chain]:
    """An embedded store holding five audit events (models m1..m5)."""
    home = fresh_store(store_template, tmp_path / "home")
    for var in STORE_VARIABLES:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MODELYARD_HOME", str(home))
    monkeypatch.setenv("MODELYARD_USER", "alice")
    url = f"sqlite:///{home / 'registry.db'}"
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        monkeypatch.setenv("MODELYARD_DB", url)
    with Client() as client:
        for n in range(1, EVENTS + 1):
            client.create_model(f"m{n}")
    yield Chain(url)


def broken_at(*args: str) -> int:
    result = cli("audit", "verify", "--json", *args)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    report = json.loads(result.stdout)
    assert report["ok"] is False
    return int(report["broken_at"])


def current_head() -> str:
    return ok("audit", "head").stdout.strip()


def test_verify_untouched_chain_prints_count_and_head(chain: Chain) -> None:
    out = ok("audit", "verify").stdout
    assert out == f"chain verifies: {EVENTS} events, head {current_head()}\n"


def test_verify_changed_after_names_that_event(chain: Chain) -> None:
    chain.tamper(
        lambda c: c.execute(update(events).where(events.c.seq == 3).values(after={"x": 1}))
    )
    assert broken_at() == 3


def test_verify_deleted_middle_event_names_it(chain: Chain) -> None:
    chain.tamper(lambda c: c.execute(delete(events).where(events.c.seq == 2)))
    assert broken_at() == 2


def _append_forged(conn: Connection, last_seq: int, *, move_head: bool) -> None:
    """Append an event with a correctly computed hash after ``last_seq``; with
    ``move_head`` the recorded head follows, as in a full rewrite by a database admin."""
    last = conn.execute(select(events).where(events.c.seq == last_seq)).one()
    at, seq = last.at + timedelta(seconds=1), last_seq + 1
    target = {"model": None, "model_id": None, "version": None}
    digest = event_hash(last.hash, seq, at, "mallory", "grant.set", target, None, None)
    row = {"seq": seq, "at": at, "actor": "mallory", "action": "grant.set"}
    conn.execute(insert(events).values(**row, prev_hash=last.hash, hash=digest, hash_version=2))
    if move_head:
        conn.execute(update(head).where(head.c.id == 1).values(seq=seq, hash=digest))


def _forge(conn: Connection) -> None:
    _append_forged(conn, EVENTS, move_head=False)


def test_verify_inserted_forged_event_names_it(chain: Chain) -> None:
    chain.tamper(_forge)
    assert broken_at() == EVENTS + 1


def _swap(conn: Connection, a: int, b: int) -> None:
    conn.execute(update(events).where(events.c.seq == a).values(seq=-1))
    conn.execute(update(events).where(events.c.seq == b).values(seq=a))
    conn.execute(update(events).where(events.c.seq == -1).values(seq=b))


def test_verify_swapped_events_names_the_first(chain: Chain) -> None:
    chain.tamper(lambda c: _swap(c, 2, 4))
    assert broken_at() == 2


def test_verify_deleted_tail_names_first_missing_event(chain: Chain) -> None:
    chain.tamper(lambda c: c.execute(delete(events).where(events.c.seq >= 4)))
    assert broken_at() == 4


def _cut_tail_and_head(conn: Connection) -> None:
    """What a database administrator can do: drop the last event and move the head back."""
    conn.execute(delete(events).where(events.c.seq == EVENTS))
    prev = conn.execute(select(events.c.hash).where(events.c.seq == EVENTS - 1)).scalar_one()
    conn.execute(update(head).where(head.c.id == 1).values(seq=EVENTS - 1, hash=prev))


def test_verify_tail_cut_with_head_passes_without_expected_head(chain: Chain) -> None:
    chain.tamper(_cut_tail_and_head)
    assert ok("audit", "verify").stdout.startswith(f"chain verifies: {EVENTS - 1} events")


def test_verify_expect_head_catches_tail_cut_with_head(chain: Chain) -> None:
    saved = current_head()
    chain.tamper(_cut_tail_and_head)
    assert broken_at("--expect-head", saved) == EVENTS


def test_verify_expect_head_catches_rewritten_chain(chain: Chain) -> None:
    saved = current_head()
    chain.tamper(_cut_tail_and_head)
    chain.tamper(lambda c: _append_forged(c, EVENTS - 1, move_head=True))
    assert ok("audit", "verify").stdout.startswith(f"chain verifies: {EVENTS} events")
    assert broken_at("--expect-head", saved) == EVENTS


def test_verify_expect_head_of_untouched_chain_passes(chain: Chain) -> None:
    saved = current_head()
    with Client() as client:
        client.create_model("m6")
    assert ok("audit", "verify", "--expect-head", saved).stdout.startswith("chain verifies: 6")


def test_verify_broken_chain_prints_the_seq_and_exits_1(chain: Chain) -> None:
    chain.tamper(lambda c: c.execute(delete(events).where(events.c.seq == 3)))
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert result.stdout.startswith("audit chain BROKEN at event 3: event 3 is missing")

"""The event feed over both transports: the same events, cursor and errors."""

from __future__ import annotations

import pytest

import modelyard
from modelyard.client.client import Client
from tests.sdk.support import make_version


def test_events_answer_each_change_with_its_digest(client: Client) -> None:
    mv = make_version(client, "Fraud")
    client.transition("Fraud", 1, "Production")
    events, cursor = client.events(0, model="Fraud", types="stage.transitioned")
    assert [(e.type, e.version, e.manifest_digest) for e in events] == [
        ("stage.transitioned", 1, mv.manifest_digest)
    ]
    assert client.events(cursor, wait=0.2) == ([], cursor)


def test_follow_events_until_idle_yields_every_event_once(client: Client) -> None:
    make_version(client, "Fraud")
    client.set_model_tag("Fraud", "team", "risk")
    seqs = [e.seq for e in client.follow_events(0, until_idle=True)]
    assert len(seqs) == len(set(seqs)) == 3 and seqs == sorted(seqs)


@pytest.mark.parametrize(
    ("after", "types", "wait"), [(-1, None, 0.0), (0, "stage.moved", 0.0), (0, None, 31.0)]
)
def test_events_with_bad_input_raise_invalid_argument(
    client: Client, after: int, types: str | None, wait: float
) -> None:
    with pytest.raises(modelyard.InvalidArgument):
        client.events(after, types=types, wait=wait)

"""The audit chain: each event's hash covers its content and the previous event's hash."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from modelyard.domain.entities import AuditEvent
from modelyard.errors import InvalidArgument

GENESIS = "0" * 64


def event_hash(
    prev_hash: str,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    target: dict[str, Any],
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> str:
    body = {
        "prev": prev_hash,
        "seq": seq,
        "at": at.isoformat(),
        "actor": actor,
        "action": action,
        "target": target,
        "before": before,
        "after": after,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


HEAD_RE = re.compile(r"([0-9]{1,18}):([0-9a-f]{64})")


@dataclass(frozen=True)
class Head:
    """Where the chain ends: the last event's sequence number and hash (``SEQ:HASH``)."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


def parse_head(value: object) -> Head:
    """``SEQ:HASH`` as printed by ``modelyard audit head``."""
    m = HEAD_RE.fullmatch(value.strip().lower()) if isinstance(value, str) else None
    if m is None:
        raise InvalidArgument(
            f"invalid audit head {str(value)[:80]!r}: expected SEQ:HASH as printed by "
            "`modelyard audit head`, e.g. 42:<64 hex digits>"
        )
    return Head(int(m.group(1)), m.group(2))


class ChainBroken(Exception):
    """The first event at which the chain fails, and why. Internal to the walk: the service
    turns it into a report or an IntegrityError."""

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(reason)
        self.seq, self.reason = seq, reason


@dataclass
class ChainWalk:
    """Checks events fed in sequence order; raises ChainBroken at the first bad one.

    ``target`` computes what an event's hash covers about its object (it differs between
    hash versions), so the walk itself stays independent of the storage format.
    """

    target: Callable[[AuditEvent], dict[str, Any]]
    seq: int = 0
    prev: str = GENESIS

    @property
    def head(self) -> Head:
        return Head(self.seq, self.prev)

    def feed(self, e: AuditEvent) -> None:
        expected = self.seq + 1
        if e.seq > expected:
            raise ChainBroken(expected, f"event {expected} is missing (deleted)")
        if e.seq < expected:
            raise ChainBroken(e.seq, f"event {e.seq} is out of sequence (inserted)")
        recomputed = event_hash(
            e.prev_hash, e.seq, e.at, e.actor, e.action, self.target(e), e.before, e.after
        )
        if recomputed != e.hash:
            raise ChainBroken(
                e.seq, f"event {e.seq} was changed or moved: its content no longer matches its hash"
            )
        if e.prev_hash != self.prev:
            raise ChainBroken(
                e.seq,
                f"event {e.seq} does not follow event {self.seq} (inserted, replaced or reordered)",
            )
        self.seq, self.prev = e.seq, e.hash

    def end(self, recorded: Head) -> None:
        """The walk reached the last stored event; compare with the head the store records."""
        if self.seq < recorded.seq:
            raise ChainBroken(
                self.seq + 1,
                f"the chain ends at event {self.seq} but its head records event {recorded.seq}: "
                f"events {self.seq + 1}..{recorded.seq} were removed",
            )
        if self.seq > recorded.seq:
            raise ChainBroken(
                recorded.seq + 1,
                f"event {recorded.seq + 1} lies beyond the recorded head {recorded.seq} (inserted)",
            )
        if self.prev != recorded.hash:
            raise ChainBroken(self.seq, f"the recorded head does not match event {self.seq}")

    def expect(self, saved: Head, hash_at_saved: str | None) -> None:
        """Compare with a head saved elsewhere earlier: the chain must still reach it, and
        its event at that sequence must still have the saved hash."""
        if self.seq < saved.seq:
            raise ChainBroken(
                self.seq + 1,
                f"the chain ends at event {self.seq} but the expected head is event {saved.seq}: "
                f"events {self.seq + 1}..{saved.seq} were cut off",
            )
        if hash_at_saved != saved.hash:
            raise ChainBroken(
                saved.seq,
                f"event {saved.seq} no longer matches the expected head (the chain was rewritten)",
            )


@dataclass(frozen=True)
class ChainReport:
    """The outcome of verifying the chain: how far it verified, and the first bad event."""

    events: int  # events verified before the first bad one (all of them when ok)
    head: Head  # the store's recorded head
    broken_at: int | None = None
    problem: str | None = None
    expected_head: Head | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None

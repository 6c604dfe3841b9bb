"""Protected aliases and four-eyes approvals: a model's governance settings, the approval
request a governed change becomes, and the pure rules deciding between the two.

Nothing here loads anything: the service reads the settings and the current state of the
target and asks these functions what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from modelyard.domain import names
from modelyard.domain.stages import Stage
from modelyard.errors import InvalidArgument

DEFAULT_TTL = timedelta(days=7)
MIN_TTL = timedelta(minutes=1)
MAX_TTL = timedelta(days=365)
MAX_PROTECTED = 64
_T = TypeVar("_T")


class ChangeKind(StrEnum):
    TRANSITION = "transition"
    ALIAS_SET = "alias.set"
    ALIAS_DELETE = "alias.delete"


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"  # and carried out, in the same unit of work
    REJECTED = "rejected"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class ModelSettings:
    """A model's governance settings; the defaults govern nothing (today's behaviour)."""

    protected_aliases: frozenset[str] = frozenset()
    require_approval_production: bool = False
    four_eyes: bool = False
    request_ttl: timedelta = DEFAULT_TTL

    def protects(self, alias: str) -> bool:
        return alias in self.protected_aliases

    def governs(self, change: Change) -> bool:
        """Whether the change is protected: a move of a protected alias, or a transition
        into Production when the model requires approval for it."""
        if change.kind is ChangeKind.TRANSITION:
            return change.stage is Stage.PRODUCTION and self.require_approval_production
        return change.alias is not None and self.protects(change.alias)


@dataclass(frozen=True)
class SettingsUpdate:
    """A change to the settings; None leaves a field as it is."""

    protect: tuple[str, ...] = ()
    unprotect: tuple[str, ...] = ()
    require_approval_production: bool | None = None
    four_eyes: bool | None = None
    request_ttl: timedelta | None = None

    def apply(self, current: ModelSettings) -> ModelSettings:
        aliases = (current.protected_aliases | set(self.protect)) - set(self.unprotect)
        if len(aliases) > MAX_PROTECTED:
            raise InvalidArgument(f"a model protects at most {MAX_PROTECTED} aliases")
        pick = _pick
        return ModelSettings(
            protected_aliases=frozenset(aliases),
            require_approval_production=pick(
                self.require_approval_production, current.require_approval_production
            ),
            four_eyes=pick(self.four_eyes, current.four_eyes),
            request_ttl=pick(self.request_ttl, current.request_ttl),
        )


def _pick(new: _T | None, old: _T) -> _T:
    return old if new is None else new


def settings_update(
    protect: list[str] | tuple[str, ...] = (),
    unprotect: list[str] | tuple[str, ...] = (),
    require_approval_production: bool | None = None,
    four_eyes: bool | None = None,
    request_ttl_seconds: int | None = None,
) -> SettingsUpdate:
    """Validate a settings change from any entrypoint."""
    ttl = None
    if request_ttl_seconds is not None:
        # compare the number first: timedelta() itself overflows on huge values
        seconds = request_ttl_seconds
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int)
            or not (MIN_TTL.total_seconds() <= seconds <= MAX_TTL.total_seconds())
        ):
            raise InvalidArgument("request expiry must be between 1 minute and 365 days")
        ttl = timedelta(seconds=seconds)
    both = set(protect) & set(unprotect)
    if both:
        raise InvalidArgument(f"alias {sorted(both)[0]!r} is both protected and unprotected")
    return SettingsUpdate(
        protect=tuple(names.alias_name(a) for a in protect),
        unprotect=tuple(names.alias_name(a) for a in unprotect),
        require_approval_production=require_approval_production,
        four_eyes=four_eyes,
        request_ttl=ttl,
    )


@dataclass(frozen=True)
class Change:
    """A stage transition or alias move, as asked for."""

    kind: ChangeKind
    version: int | None  # None only for an alias delete, filled with its current version
    stage: Stage | None = None
    alias: str | None = None
    archive_existing: bool = False
    comment: str = ""

    @property
    def target(self) -> str:
        """What the change moves: two requests for the same target compete."""
        if self.kind is ChangeKind.TRANSITION:
            return f"stage:{self.stage.value if self.stage else ''}"
        return f"alias:{self.alias}"


def must_request(settings: ModelSettings, change: Change, may_directly: bool) -> bool:
    """A governed change happens directly only for a caller holding the right, and never
    when the model requires four eyes."""
    if not settings.governs(change):
        return False
    return settings.four_eyes or not may_directly


@dataclass(frozen=True)
class ApprovalRequest:
    id: str
    model_id: str
    name: str  # the model's name when read
    change: Change
    requested_by: str
    requested_at: datetime
    expires_at: datetime
    # the target's state when requested: approving checks it is unchanged
    basis: str
    status: ApprovalStatus = ApprovalStatus.PENDING
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_comment: str = ""

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def shown_at(self, now: datetime) -> ApprovalRequest:
        """The request as a reader sees it: a pending request past its expiry reads as
        expired before anyone has recorded so."""
        if self.status is ApprovalStatus.PENDING and self.expired(now):
            return replace(self, status=ApprovalStatus.EXPIRED)
        return self


def parse_status(value: object) -> ApprovalStatus:
    if isinstance(value, ApprovalStatus):
        return value
    if isinstance(value, str) and value.lower() in {s.value for s in ApprovalStatus}:
        return ApprovalStatus(value.lower())
    choices = ", ".join(s.value for s in ApprovalStatus)
    raise InvalidArgument(f"unknown approval status {str(value)[:40]!r}: one of {choices}")

"""Registry events: what subscribers (webhooks, the event feed) hear about.

An event is read from an audit event, never written on its own: the audit trail is the
outbox, so an event exists exactly when its change committed, in the trail's order, with
the trail's sequence number. This module names the audit actions that subscribers hear
about, with the public type each is published as, and builds the payload: pure, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from modelyard.domain.entities import AuditEvent
from modelyard.errors import InvalidArgument

# audit action -> public event type; actions not listed (run telemetry, artifact uploads,
# users, tokens, grants) are audited but not published
PUBLISHED: dict[str, str] = {
    "model.create": "model.created",
    "model.rename": "model.renamed",
    "model.delete": "model.deleted",
    "model.update": "model.updated",
    "model.tag.set": "tag.set",
    "model.tag.delete": "tag.deleted",
    "model.settings": "model.settings_changed",
    "model.rollback": "model.rolled_back",
    "version.create": "version.created",
    "version.delete": "version.deleted",
    "version.update": "version.updated",
    "version.tag.set": "tag.set",
    "version.tag.delete": "tag.deleted",
    "version.transition": "stage.transitioned",
    "alias.set": "alias.set",
    "alias.delete": "alias.deleted",
    "approval.requested": "approval.requested",
    "approval.approved": "approval.decided",
    "approval.rejected": "approval.decided",
    "approval.expired": "approval.decided",
    "approval.superseded": "approval.decided",
}
EVENT_TYPES = frozenset(PUBLISHED.values())


@dataclass(frozen=True)
class RegistryEvent:
    """One published change: its sequence is the audit event's, so consumers resume by it."""

    seq: int
    type: str
    at: datetime
    actor: str
    model: str | None
    model_id: str | None
    version: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    manifest_digest: str | None  # of the version the event is about, when there is one

    def payload(self) -> dict[str, Any]:
        """The JSON body subscribers receive (stable field names: a public contract)."""
        return {
            "seq": self.seq,
            "type": self.type,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "model": self.model,
            "model_id": self.model_id,
            "version": self.version,
            "before": self.before,
            "after": self.after,
            "manifest_digest": self.manifest_digest,
        }


def published_type(action: str) -> str | None:
    """The public type an audit action is published as, or None when it is not."""
    return PUBLISHED.get(action)


def event_of(audit: AuditEvent, manifest_digest: str | None = None) -> RegistryEvent | None:
    """The event an audit entry publishes (None for actions subscribers do not hear about).
    ``manifest_digest`` is the digest of the version the entry names, looked up by the
    caller (the audit entry itself carries it only for ``version.create``)."""
    kind = published_type(audit.action)
    if kind is None:
        return None
    if manifest_digest is None and audit.after:
        found = audit.after.get("manifest_digest")
        manifest_digest = found if isinstance(found, str) else None
    return RegistryEvent(
        audit.seq,
        kind,
        audit.at,
        audit.actor,
        audit.model,
        audit.model_id,
        audit.version,
        audit.before,
        audit.after,
        manifest_digest,
    )


def event_types(value: str | list[str] | tuple[str, ...]) -> frozenset[str]:
    """Parse a subscription's event filter: ``"*"``, or a comma-separated or listed set of
    known types. Unknown types are refused, naming the known ones."""
    items = value.split(",") if isinstance(value, str) else list(value)
    wanted = {item.strip() for item in items if isinstance(item, str) and item.strip()}
    if not wanted:
        raise InvalidArgument("name at least one event type, or '*' for all")
    if wanted == {"*"}:
        return EVENT_TYPES
    unknown = sorted(wanted - EVENT_TYPES)
    if unknown:
        known = ", ".join(sorted(EVENT_TYPES))
        raise InvalidArgument(f"unknown event type(s) {unknown}; known: {known}")
    return frozenset(wanted)

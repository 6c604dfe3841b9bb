"""Idempotency-Key: a mutating request sent again with its key is answered, not rerun.

The key is claimed by the first audit event of the unit of work that applies the request
(``context.append_audit``), so it commits or rolls back with the change. The entrypoint
looks the key up before running anything and stores the response after a success.
"""

from __future__ import annotations

import hashlib
import re

from modelyard.errors import IdempotencyKeyReused, InvalidArgument
from modelyard.service.context import REQUEST_KEY_TTL, Context, RequestKey
from modelyard.service.ports import StoredRequest, StoredResponse

MAX_KEY = 128
_KEY = re.compile(rf"[A-Za-z0-9_.:-]{{1,{MAX_KEY}}}")


def request_key(
    key: str, method: str, path: str, query: str, body: bytes, attempt: str
) -> RequestKey:
    """A checked key and the fingerprint of the request it was sent with; ``attempt``
    names this delivery of the request, so its own later units of work may claim again."""
    if not _KEY.fullmatch(key):
        raise InvalidArgument(f"Idempotency-Key must be 1-{MAX_KEY} characters A-Z a-z 0-9 _ . : -")
    h = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), query.encode()):
        h.update(len(part).to_bytes(8, "big") + part)
    h.update(body)
    return RequestKey(key, h.hexdigest(), attempt)


def find_request(ctx: Context, key: RequestKey) -> StoredRequest | None:
    """The live claim of this key by this actor; a different request under it is refused."""
    with ctx.uow(write=False) as uow:
        found = uow.repo.get_request(ctx.actor, key.key)
    if found is None or found.created_at < ctx.clock() - REQUEST_KEY_TTL:
        return None
    if found.fingerprint != key.fingerprint:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used for a different request; use a new key"
        )
    return found


def store_response(ctx: Context, key: RequestKey, response: StoredResponse) -> None:
    """Remember the answer to a request that claimed its key (a no-op when it claimed none)."""
    with ctx.uow(write=True) as uow:
        uow.repo.complete_request(ctx.actor, key.key, response)
        uow.commit()


def purge_expired(ctx: Context) -> int:
    """Forget keys older than the TTL; returns how many."""
    with ctx.uow(write=True) as uow:
        purged = uow.repo.purge_requests(ctx.clock() - REQUEST_KEY_TTL)
        uow.commit()
    return purged

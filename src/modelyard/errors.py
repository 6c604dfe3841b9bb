"""One exception tree with stable codes, shared by every layer and both SDK transports.

Imports nothing of modelyard. ``api/errors.py`` is the only place that maps these to
HTTP; the HTTP client maps a code back to the same class with :func:`error_for_code`.
"""

from __future__ import annotations

from typing import ClassVar


class ModelyardError(Exception):
    """Base of every error modelyard raises on purpose."""

    code: ClassVar[str] = "INTERNAL_ERROR"
    http_status: ClassVar[int] = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidArgument(ModelyardError):
    """The request is malformed: a bad name, version, stage, filter, URI or path."""

    code = "INVALID_ARGUMENT"
    http_status = 400


class IntegrityError(ModelyardError):
    """Bytes do not match the digest they were declared or recorded with."""

    code = "DIGEST_MISMATCH"
    http_status = 422


class NotFound(ModelyardError):
    """The named model, version, alias, run, blob or page does not exist."""

    code = "RESOURCE_NOT_FOUND"
    http_status = 404


class AlreadyExists(ModelyardError):
    """An object with this name (ignoring case) already exists."""

    code = "ALREADY_EXISTS"
    http_status = 409


class Conflict(ModelyardError):
    """The request contradicts the current state (e.g. a finished run, a reused key)."""

    code = "CONFLICT"
    http_status = 409


class IdempotencyKeyReused(Conflict):
    """An Idempotency-Key was sent again with a different request."""

    code = "IDEMPOTENCY_KEY_REUSED"
    http_status = 409


class RequestInProgress(Conflict):
    """A request with this Idempotency-Key was applied or is still running; it is not rerun."""

    code = "REQUEST_IN_PROGRESS"
    http_status = 409


class Unauthenticated(ModelyardError):
    """No valid credentials were presented."""

    code = "UNAUTHENTICATED"
    http_status = 401


class PermissionDenied(ModelyardError):
    """The caller may not do this."""

    code = "PERMISSION_DENIED"
    http_status = 403


class UnsafeArtifact(PermissionDenied):
    """Loading this artifact would run arbitrary code and the caller did not allow it."""

    code = "UNSAFE_ARTIFACT"
    http_status = 403


class CrossSiteRequest(PermissionDenied):
    """A state-changing request a browser could have sent from another site: refused."""

    code = "CROSS_SITE_REQUEST"
    http_status = 403


class UntrustedHost(InvalidArgument):
    """The request names a host this server does not answer for (DNS rebinding)."""

    code = "UNTRUSTED_HOST"
    http_status = 400


class MethodNotAllowed(InvalidArgument):
    """The resource exists but does not support this HTTP method."""

    code = "METHOD_NOT_ALLOWED"
    http_status = 405


class PayloadTooLarge(InvalidArgument):
    """A request body or field exceeds its limit."""

    code = "PAYLOAD_TOO_LARGE"
    http_status = 413


class RangeNotSatisfiable(InvalidArgument):
    """A byte range that lies outside the object (``size`` bytes, when known)."""

    code = "RANGE_NOT_SATISFIABLE"
    http_status = 416

    def __init__(self, message: str, size: int | None = None) -> None:
        super().__init__(message)
        self.size = size


class Unavailable(ModelyardError):
    """A backing service is unreachable or busy; the SDK retries these."""

    code = "UNAVAILABLE"
    http_status = 503


class InsufficientStorage(ModelyardError):
    """The blob store has no space left for this upload."""

    code = "INSUFFICIENT_STORAGE"
    http_status = 507


class SchemaOutdated(Unavailable):
    """The database's schema is older than this modelyard and it was told not to migrate."""

    code = "SCHEMA_OUTDATED"


class SchemaTooNew(Unavailable):
    """The database was migrated by a newer modelyard; this one must not touch it."""

    code = "SCHEMA_TOO_NEW"


def _all_subclasses(cls: type[ModelyardError]) -> list[type[ModelyardError]]:
    found = [cls]
    for sub in cls.__subclasses__():
        found.extend(_all_subclasses(sub))
    return found


def error_for_code(code: str, message: str) -> ModelyardError:
    """Rebuild the exception a server raised from its stable code."""
    for cls in _all_subclasses(ModelyardError):
        if cls.code == code:
            return cls(message)
    return ModelyardError(f"{code}: {message}")

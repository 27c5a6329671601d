"""Typed domain errors: each carries its HTTP status and the stable `code` of SPEC §6.

Entrypoints never build error responses themselves: they raise (or let services
raise) one of these, and `functions/_http.py` maps it to problem+json in one place.
"""

from __future__ import annotations

from typing import Any, ClassVar


class AppError(Exception):
    """Base of every error a client may see."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "invalid_request"
    title: ClassVar[str] = "Invalid request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra: dict[str, Any] = extra
        self.headers: dict[str, str] = {}


class InvalidRequest(AppError):
    status = 400
    code = "invalid_request"
    title = "Invalid request"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"
    title = "Authentication required"


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    title = "Not allowed"


class NotFound(AppError):
    status = 404
    code = "not_found"
    title = "Not found"


class AlreadyDecided(AppError):
    status = 409
    code = "already_decided"
    title = "Request already decided"


class InsufficientLicenses(AppError):
    status = 409
    code = "insufficient_licenses"
    title = "Not enough licences"


class LicensesInUse(AppError):
    status = 409
    code = "licenses_in_use"
    title = "Licences in use"


class OwnRequestProcess(AppError):
    status = 409
    code = "own_request_process"
    title = "Your organisation uses its own request process"


class SelfServiceAllowed(AppError):
    status = 409
    code = "self_service_allowed"
    title = "Self-service purchase is allowed for this product"


class NotConnected(AppError):
    status = 409
    code = "not_connected"
    title = "Microsoft 365 is not connected"


class NothingToRetry(AppError):
    status = 409
    code = "nothing_to_retry"
    title = "Nothing to retry"


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"
    title = "Request body too large"


class UnknownProduct(AppError):
    status = 422
    code = "unknown_product"
    title = "Unknown product"


class InvalidProduct(AppError):
    status = 422
    code = "invalid_product"
    title = "Product cannot fulfil this request"


class InvalidServicePlan(AppError):
    status = 422
    code = "invalid_service_plan"
    title = "Unknown service plan"


class UnknownUser(AppError):
    status = 422
    code = "unknown_user"
    title = "Unknown user"


class NoUsersLeft(AppError):
    status = 422
    code = "no_users_left"
    title = "No users left to approve"


class RetryLater(AppError):
    """A 503: nothing was wrong with the request; the client should retry after a pause."""

    status = 503
    code = "unavailable"
    title = "Service unavailable"

    def __init__(self, detail: str, retry_after: int = 5, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.headers["Retry-After"] = str(retry_after)


class StorageUnavailable(RetryLater):
    code = "storage_unavailable"
    title = "Storage unavailable"


class DirectoryUnavailable(RetryLater):
    code = "directory_unavailable"
    title = "Microsoft 365 directory unavailable"


class DirectoryThrottled(DirectoryUnavailable):
    """Microsoft 365 asked to wait (429, or 503 with Retry-After)."""


class AuthUnavailable(RetryLater):
    code = "auth_unavailable"
    title = "Token keys unavailable"


class Unavailable(RetryLater):
    pass

"""Storage failures as the app's errors: an outage is a 503 with Retry-After."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

from shared.domain.errors import PayloadTooLarge, StorageUnavailable

P = ParamSpec("P")
R = TypeVar("R")
_UNAVAILABLE_STATUSES = {408, 429, 500, 502, 503, 504}
# Table Storage's answers for a property, a row or a request that is too large.
SIZE_ERRORS = frozenset({"PropertyValueTooLarge", "EntityTooLarge", "RequestBodyTooLarge"})


def storage_call(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn an unreachable or failing storage service into a 503 with Retry-After."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (ServiceRequestError, ServiceResponseError) as exc:
            raise StorageUnavailable("Storage cannot be reached; try again shortly.") from exc
        except HttpResponseError as exc:
            if exc.status_code in _UNAVAILABLE_STATUSES:
                raise StorageUnavailable("Storage is busy or failing; try again shortly.") from exc
            if exc.status_code == 413 or error_code(exc) in SIZE_ERRORS:
                raise PayloadTooLarge("This is more than storage can hold.") from exc
            raise

    return wrapper


def error_code(exc: HttpResponseError) -> str:
    """Table Storage's error code (the SDK leaves `error_code` empty for some, such as
    PropertyValueTooLarge: read from the OData error body then)."""
    code = getattr(exc, "error_code", None)
    if code:
        return str(code)
    if exc.response is None:
        return ""
    try:
        return str(json.loads(exc.response.text())["odata.error"]["code"])
    except (AttributeError, ValueError, KeyError, TypeError):
        return ""

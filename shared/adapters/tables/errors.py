"""Storage failures as the app's errors: an outage is a 503 with Retry-After."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

from shared.domain.errors import StorageUnavailable

P = ParamSpec("P")
R = TypeVar("R")
_UNAVAILABLE_STATUSES = {408, 429, 500, 502, 503, 504}


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
            raise

    return wrapper

"""Call the app's functions in-process with func.HttpRequest, as the Functions host would."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import azure.functions as func

import function_app


@cache
def registered() -> list[Any]:
    """The app's registered functions; get_functions() may run once per app, so keep them."""
    return list(function_app.app.get_functions())


def _functions() -> dict[str, Callable[[func.HttpRequest], func.HttpResponse]]:
    return {f.get_function_name(): f.get_user_function() for f in registered()}


@dataclass
class Reply:
    """A function's answer, decoded."""

    status: int
    headers: dict[str, str]
    body: Any


def call(
    name: str,
    method: str,
    url: str,
    *,
    token: str | None = None,
    body: Any = None,
    raw: bytes | None = None,
    route_params: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> Reply:
    """Invoke function `name` with an HttpRequest built from the arguments."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    request = func.HttpRequest(
        method,
        url,
        headers=headers,
        params=params or {},
        route_params=route_params or {},
        body=data,
    )
    response = _functions()[name](request)
    text = response.get_body()
    return Reply(
        response.status_code,
        dict(response.headers),
        json.loads(text) if text else None,
    )

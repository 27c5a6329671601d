"""Plain HTTP to Microsoft Graph v1.0: single calls and JSON batches, with app-only tokens.

Requests go through the app's urllib3 transport (no `requests`, no msgraph-sdk). Nothing
here retries: a throttled or failing call is reported to the caller, who knows whether to
answer 503 (an HTTP request) or to reschedule (the fulfilment queue).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from azure.core.exceptions import AzureError, ClientAuthenticationError
from azure.core.rest import HttpRequest

from shared.adapters.graph.credentials import TenantCredentials
from shared.domain.errors import DirectoryThrottled, DirectoryUnavailable

MAX_BATCH = 20  # Graph's limit of requests in one JSON batch
_TIMEOUTS = {"connection_timeout": 5, "read_timeout": 30}
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class GraphRequest:
    """One Graph call: method, path below /v1.0 (already encoded), body, extra headers."""

    method: str
    path: str
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GraphResponse:
    """One Graph answer (of a call, or of a request inside a batch)."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def retry_after(self) -> float | None:
        """Retry-After in seconds, when Graph said one."""
        for key, value in self.headers.items():
            if key.lower() == "retry-after":
                try:
                    return max(float(value), 0.0)
                except ValueError:
                    return None
        return None

    @property
    def error(self) -> tuple[str, str]:
        """Graph's error code and message (empty when the body has none)."""
        error = self.body.get("error") if isinstance(self.body, dict) else None
        if not isinstance(error, dict):
            return "", ""
        return str(error.get("code") or ""), str(error.get("message") or "")


def path_segment(value: str) -> str:
    """A value made safe as one segment of a Graph path."""
    return quote(value, safe="@")


class GraphClient:
    """Calls Graph in a customer tenant."""

    def __init__(self, base_url: str, credentials: TenantCredentials, transport: Any) -> None:
        self._base = f"{base_url.rstrip('/')}/v1.0"
        self._credentials = credentials
        self._transport = transport

    def call(self, tenant: str, request: GraphRequest) -> GraphResponse:
        """One call; DirectoryUnavailable when Graph cannot answer it now."""
        response = self._send(tenant, request)
        if response.status in _RETRY_STATUSES:
            raise unavailable(response)
        return response

    def batch(self, tenant: str, requests: Sequence[GraphRequest]) -> list[GraphResponse]:
        """Each request's answer, in order, through JSON batches of up to 20.

        A throttled or failing request inside a batch is answered on its own (the others
        may have succeeded); the batch itself failing raises DirectoryUnavailable.
        """
        answers: list[GraphResponse] = []
        for start in range(0, len(requests), MAX_BATCH):
            chunk = requests[start : start + MAX_BATCH]
            body = {"requests": [_batch_item(i, r) for i, r in enumerate(chunk)]}
            reply = self.call(tenant, GraphRequest("POST", "/$batch", body))
            if not reply.ok or not isinstance(reply.body, dict):
                raise unavailable(reply)
            by_id: dict[str, GraphResponse] = {}
            for item in reply.body.get("responses") or []:
                if isinstance(item, dict):
                    by_id[str(item.get("id"))] = GraphResponse(
                        int(item.get("status") or 500),
                        item.get("body"),
                        dict(item.get("headers") or {}),
                    )
            missing = GraphResponse(500, {"error": {"code": "missing", "message": "no answer"}})
            answers.extend(by_id.get(str(i), missing) for i in range(len(chunk)))
        return answers

    def _send(self, tenant: str, request: GraphRequest) -> GraphResponse:
        try:
            token = self._credentials.token(tenant)
        except ClientAuthenticationError as exc:
            raise DirectoryUnavailable(
                "Microsoft 365 did not grant this app a token for your organisation "
                "(consent missing or revoked?).",
                retry_after=30,
            ) from exc
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        headers.update(request.headers)
        content = None
        if request.body is not None:
            content = json.dumps(request.body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        http = HttpRequest(
            request.method, self._base + request.path, headers=headers, content=content
        )
        try:
            raw = self._transport.send(http, **_TIMEOUTS)
        except AzureError as exc:
            raise DirectoryUnavailable(
                "Microsoft 365 cannot be reached; try again shortly."
            ) from exc
        text = raw.content
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = None
        return GraphResponse(raw.status_code, body, dict(raw.headers))


def _batch_item(number: int, request: GraphRequest) -> dict[str, Any]:
    item: dict[str, Any] = {"id": str(number), "method": request.method, "url": request.path}
    headers = dict(request.headers)
    if request.body is not None:
        item["body"] = request.body
        headers["Content-Type"] = "application/json"
    if headers:
        item["headers"] = headers
    return item


def unavailable(response: GraphResponse) -> DirectoryUnavailable:
    """The error for an answer that is not a result: throttled (with the wait Graph asked
    for), or failing."""
    code, _ = response.error
    wait = response.retry_after
    detail = (
        "Microsoft 365 is throttling requests; try again shortly."
        if response.status == 429
        else f"Microsoft 365 answered {response.status}{f' ({code})' if code else ''}; "
        "try again shortly."
    )
    seconds = max(1, round(wait)) if wait else 5
    if response.status == 429 or (response.status == 503 and wait is not None):
        return DirectoryThrottled(detail, retry_after=seconds)
    return DirectoryUnavailable(detail, retry_after=seconds)

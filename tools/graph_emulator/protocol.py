"""Requests, responses and error bodies, independent of the HTTP server.

A `Request` is what one Graph call is, whether it came over the wire or inside a
`$batch`; a handler returns a `Response` or raises `GraphError`, which becomes Graph's
error body `{"error": {"code", "message", "innerError": {"date", "request-id",
"client-request-id"}}}`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

JSON_CONTENT_TYPE = "application/json"
ODATA_CONTENT_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;"
    "charset=utf-8"
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_seconds(moment: datetime | None = None) -> str:
    """`2024-05-01T10:00:00Z`, as Graph writes date-times."""
    return (moment or utc_now()).strftime("%Y-%m-%dT%H:%M:%SZ")


class Headers:
    """Case-insensitive request headers (the last value of a repeated header wins)."""

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        self._items = {k.lower(): v for k, v in (items or {}).items()}

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._items.get(name.lower(), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def items(self) -> list[tuple[str, str]]:
        return list(self._items.items())


@dataclass
class Request:
    """One call: method, path (still percent-encoded), query, headers and body."""

    method: str
    path: str
    query: dict[str, str]
    headers: Headers
    body: bytes
    base_url: str  # scheme://host:port the client used
    raw_query: str = ""

    @classmethod
    def from_target(
        cls, method: str, target: str, headers: Headers, body: bytes, base_url: str
    ) -> Request:
        """Build from a request target such as `/v1.0/users?$top=2`."""
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        return cls(method.upper(), parts.path or "/", query, headers, body, base_url, parts.query)

    def segments(self) -> list[str]:
        """The path's segments, each percent-decoded once."""
        return [unquote(s) for s in self.path.split("/") if s]

    def json(self) -> Any:
        """The body as JSON; raises ValueError when it is not."""
        if not self.body:
            raise ValueError("empty body")
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON response (Graph's OData content type unless `headers` say otherwise)."""
    all_headers = {"Content-Type": ODATA_CONTENT_TYPE, **(headers or {})}
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return Response(status, all_headers, body)


def empty_response(status: int = 204, headers: Mapping[str, str] | None = None) -> Response:
    return Response(status, dict(headers or {}), b"")


@dataclass
class CallContext:
    """The ids Graph puts on every answer: its own request-id and the caller's."""

    request_id: str
    client_request_id: str

    @classmethod
    def for_request(cls, headers: Headers) -> CallContext:
        client = headers.get("client-request-id") or str(uuid.uuid4())
        return cls(str(uuid.uuid4()), client)

    def headers(self) -> dict[str, str]:
        return {"request-id": self.request_id, "client-request-id": self.client_request_id}


class GraphError(Exception):
    """A Graph error answer: status, code, message (and extra headers, e.g. Retry-After)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
        inner: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.inner = dict(inner or {})

    def response(self, ctx: CallContext) -> Response:
        inner: dict[str, str] = {
            "date": iso_seconds().rstrip("Z"),
            "request-id": ctx.request_id,
            "client-request-id": ctx.client_request_id,
        }
        inner.update(self.inner)
        payload = {"error": {"code": self.code, "message": self.message, "innerError": inner}}
        headers = {"Content-Type": JSON_CONTENT_TYPE, **self.headers}
        return json_response(self.status, payload, headers)


def bad_request(message: str, code: str = "Request_BadRequest") -> GraphError:
    return GraphError(400, code, message)


def not_found(key: str) -> GraphError:
    return GraphError(
        404,
        "Request_ResourceNotFound",
        f"Resource '{key}' does not exist or one of its queried reference-property objects "
        "are not present.",
    )


def segment_not_found(segment: str) -> GraphError:
    return GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")


def method_not_allowed() -> GraphError:
    return GraphError(
        405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target."
    )

"""Microsoft Graph v1.0: authentication, routing, faults, statistics and JSON batching.

Every call, alone or inside a `$batch`, goes through `GraphApi.call`: it is counted,
may be answered by an active fault (429 `TooManyRequests` or 503 `serviceNotAvailable`,
with `Retry-After`), then is routed under the state lock. A batch envelope is counted as
one HTTP request and is never throttled itself; its sub-requests are calls like any other.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import graph_directory as directory
from . import graph_users as users
from .graph_base import (
    READ_GROUPS,
    READ_SKUS,
    READ_USERS,
    WRITE_LICENSES,
    WRITE_MEMBERS,
    WRITE_USERS,
    Call,
)
from .protocol import (
    CallContext,
    GraphError,
    Headers,
    Request,
    Response,
    json_response,
    method_not_allowed,
    segment_not_found,
)
from .state import EmulatorState
from .tokens import Principal, TokenService

MAX_BATCH = 20
Handler = Callable[[Call], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: tuple[str, ...]  # "*" matches one segment, which becomes an argument
    kind: str
    handler: Handler
    roles: tuple[str, ...]
    writes: bool = False


ROUTES = (
    Route("GET", ("subscribedSkus",), "subscribedSkus.list", directory.list_skus, READ_SKUS),
    Route("GET", ("subscribedSkus", "*"), "subscribedSkus.get", directory.get_sku, READ_SKUS),
    Route("GET", ("users",), "users.list", users.list_users, READ_USERS),
    Route("POST", ("users",), "users.create", users.create_user, WRITE_USERS, True),
    Route("GET", ("users", "$count"), "users.count", users.count_users, READ_USERS),
    Route("GET", ("users", "*"), "users.get", users.get_user, READ_USERS),
    Route("PATCH", ("users", "*"), "users.update", users.update_user, WRITE_USERS, True),
    Route(
        "POST",
        ("users", "*", "assignLicense"),
        "users.assignLicense",
        users.assign_license,
        WRITE_LICENSES,
        True,
    ),
    Route(
        "POST",
        ("users", "*", "reprocessLicenseAssignment"),
        "users.reprocessLicenseAssignment",
        users.reprocess_license_assignment,
        WRITE_LICENSES,
        True,
    ),
    Route("GET", ("groups", "*"), "groups.get", directory.get_group, READ_GROUPS),
    Route(
        "GET",
        ("groups", "*", "members"),
        "groups.members.list",
        directory.list_members,
        READ_GROUPS,
    ),
    Route(
        "POST",
        ("groups", "*", "members", "$ref"),
        "groups.members.add",
        directory.add_member,
        WRITE_MEMBERS,
        True,
    ),
    Route(
        "DELETE",
        ("groups", "*", "members", "*", "$ref"),
        "groups.members.remove",
        directory.remove_member,
        WRITE_MEMBERS,
        True,
    ),
)


def _matches(pattern: tuple[str, ...], segs: list[str]) -> list[str] | None:
    if len(pattern) != len(segs):
        return None
    args: list[str] = []
    for want, got in zip(pattern, segs, strict=True):
        if want == "*":
            if got.startswith("$"):
                return None
            args.append(got)
        elif want.lower() != got.lower():
            return None
    return args


def resolve(method: str, segs: list[str]) -> tuple[Route, list[str]]:
    """The route for a path below /v1.0, or Graph's 400 (unknown segment) / 405."""
    found = [(r, a) for r in ROUTES if (a := _matches(r.pattern, segs)) is not None]
    for route, args in found:
        if route.method == method:
            return route, args
    if found:
        raise method_not_allowed()
    known = {r.pattern[: i + 1] for r in ROUTES for i in range(len(r.pattern))}
    for i in range(len(segs)):
        prefix = tuple(segs[: i + 1])
        if not any(_matches(k, list(prefix)) is not None for k in known):
            raise segment_not_found(segs[i])
    raise segment_not_found(segs[-1] if segs else "v1.0")


def kind_of(method: str, segs: list[str]) -> str:
    try:
        return resolve(method, segs)[0].kind
    except GraphError:
        return "other"


def fault_error(kind: str, retry_after: int) -> GraphError:
    headers = {"Retry-After": str(retry_after)}
    if kind == "throttle":
        inner = {"code": "429", "message": "Please retry after", "status": "429"}
        return GraphError(429, "TooManyRequests", "Please retry again later.", headers, inner)
    return GraphError(
        503,
        "serviceNotAvailable",
        "The service is temporarily unavailable for maintenance or is overloaded. You may repeat "
        "the request after a delay, which may be specified in a Retry-After header.",
        headers,
    )


class GraphApi:
    def __init__(self, state: EmulatorState, tokens: TokenService) -> None:
        self.state = state
        self.tokens = tokens

    def handle(self, req: Request) -> Response:
        """An HTTP request under /v1.0."""
        ctx = CallContext.for_request(req.headers)
        segs = req.segments()[1:]
        is_batch = [s.lower() for s in segs] == ["$batch"]
        kind = "batch" if is_batch else kind_of(req.method, segs)
        try:
            principal = self.tokens.verify(req.headers.get("Authorization"))
        except GraphError as exc:
            self.state.count(None, "httpRequests", kind)
            return _finish(exc.response(ctx), ctx)
        self.state.count(principal.tenant, "httpRequests", "batch" if is_batch else None)
        if is_batch:
            if req.method != "POST":
                return _finish(method_not_allowed().response(ctx), ctx)
            return _finish(self.batch(principal, req, ctx), ctx)
        return self.call(principal, req, ctx)

    def call(self, principal: Principal, req: Request, ctx: CallContext) -> Response:
        """One Graph call (top-level or a batch's sub-request)."""
        segs = req.segments()[1:]
        try:
            route, args = resolve(req.method, segs)
        except GraphError as exc:
            self.state.count(principal.tenant, "calls", "other")
            return _finish(exc.response(ctx), ctx)
        self.state.count(principal.tenant, "calls", route.kind)
        fault = self.state.take_fault(principal.tenant, "graph")
        if fault is not None:
            self.state.count(
                principal.tenant, "throttled" if fault.kind == "throttle" else "unavailable"
            )
            return _finish(fault_error(fault.kind, fault.retry_after).response(ctx), ctx)
        try:
            if not set(principal.roles) & set(route.roles):
                raise GraphError(
                    403,
                    "Authorization_RequestDenied",
                    "Insufficient privileges to complete the operation.",
                )
            with self.state.lock:
                tenant = self.state.tenants.get(principal.tenant)
                if tenant is None:
                    raise GraphError(
                        401, "InvalidAuthenticationToken", "Access token validation failure."
                    )
                response = route.handler(Call(req, tenant, self.state.rules_for(tenant), args))
                if route.writes:
                    self.state.touch()
        except GraphError as exc:
            response = exc.response(ctx)
        return _finish(response, ctx)

    def batch(self, principal: Principal, req: Request, ctx: CallContext) -> Response:
        """Answer a `$batch`: the envelope is refused whole (400) or each request answered."""
        try:
            body = req.json()
        except (ValueError, UnicodeDecodeError):
            body = None
        requests = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(requests, list) or not requests:
            problem: str | None = "Invalid batch payload format."
        elif len(requests) > MAX_BATCH:
            problem = f"The number of requests in a batch is limited to {MAX_BATCH}."
        else:
            problem = _batch_problem(requests)
        if problem is not None or not isinstance(requests, list):
            return GraphError(400, "BadRequest", problem or "").response(ctx)
        statuses: dict[str, int] = {}
        responses = []
        for item in requests:
            item_id = str(item["id"])
            depends = [str(d) for d in item.get("dependsOn", []) or []]
            if any(statuses.get(d, 424) >= 400 for d in depends):
                failed = GraphError(424, "FailedDependency", "Dependent request failed.")
                sub = failed.response(CallContext.for_request(req.headers))
            else:
                sub = self.call(
                    principal, _sub_request(item, req), CallContext.for_request(req.headers)
                )
            statuses[item_id] = sub.status
            responses.append(_batch_entry(item_id, sub))
        return json_response(200, {"responses": responses}, {"Content-Type": "application/json"})


def _finish(response: Response, ctx: CallContext) -> Response:
    response.headers.update(ctx.headers())
    return response


def _batch_problem(requests: list[Any]) -> str | None:
    seen: set[str] = set()
    for item in requests:
        if not isinstance(item, dict) or not all(item.get(k) for k in ("id", "method", "url")):
            return "Invalid batch payload format: every request needs an id, a method and a url."
        item_id = str(item["id"]).lower()
        if item_id in seen:
            return f"Batch request contains duplicate request id '{item['id']}'."
        seen.add(item_id)
        headers = {str(k).lower() for k in (item.get("headers") or {})}
        if "body" in item and "content-type" not in headers:
            return f"Write request id : {item['id']} does not contain Content-Type header or body."
        if str(item["url"]).lower().lstrip("/").startswith(("$batch", "v1.0/", "https:", "http:")):
            return f"Request id : {item['id']}: the url must be relative to the service root."
    return None


def _sub_request(item: dict[str, Any], envelope: Request) -> Request:
    headers = {str(k): str(v) for k, v in (item.get("headers") or {}).items()}
    headers["Authorization"] = envelope.headers.get("Authorization") or ""
    if "client-request-id" not in {k.lower() for k in headers}:
        headers["client-request-id"] = envelope.headers.get("client-request-id") or ""
    body = item.get("body")
    if body is None:
        raw = b""
    elif isinstance(body, str) and "json" not in headers.get("Content-Type", "json").lower():
        raw = base64.b64decode(body + "=" * (-len(body) % 4))
    else:
        raw = json.dumps(body).encode("utf-8")
    target = "/v1.0/" + str(item["url"]).lstrip("/")
    return Request.from_target(
        str(item["method"]), target, Headers(headers), raw, envelope.base_url
    )


def _batch_entry(item_id: str, sub: Response) -> dict[str, Any]:
    keep = ("Content-Type", "Retry-After", "Location", "WWW-Authenticate")
    entry: dict[str, Any] = {
        "id": item_id,
        "status": sub.status,
        "headers": {k: v for k, v in sub.headers.items() if k in keep},
    }
    if sub.body:
        content_type = sub.headers.get("Content-Type", "")
        entry["body"] = (
            sub.json() if "json" in content_type else sub.body.decode("utf-8", "replace")
        )
    return entry

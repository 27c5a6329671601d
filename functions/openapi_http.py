"""GET /api/openapi.json: the OpenAPI 3.1 document, generated from the app itself.

Paths, methods and path parameters come from the route table (the registered functions'
bindings, functions/route_table.py); bodies and the answers that are pydantic models from
shared/domain/models.py (`model_json_schema`-style, by alias); each problem `code` with
its status and title from shared/domain/errors.py; the rest of each endpoint's contract
from functions/openapi_routes.py (its hand-written answer schemas in openapi_views.py).
Built once per process, on the first request: pydantic is not imported when the host
indexes the app.
"""

from __future__ import annotations

import json
import re
import threading
from typing import TYPE_CHECKING, Any

import azure.functions as func

from functions import _routes
from functions._http import endpoint
from shared.lazy import lazy_import

if TYPE_CHECKING:
    from functions import openapi_routes as meta
    from functions import openapi_schemas as schemas
    from functions import openapi_views as views
    from functions.route_table import HttpRoute, RouteTable
else:
    meta = lazy_import("functions.openapi_routes")
    schemas = lazy_import("functions.openapi_schemas")
    views = lazy_import("functions.openapi_views")

bp = func.Blueprint()

TITLE = "License Requests API"
VERSION = "0.1.0"
PROBLEM_JSON = "application/problem+json"
_document: bytes | None = None
_building = threading.Lock()


def _problem_codes(op: meta.Operation) -> dict[int, list[str]]:
    """Every problem the endpoint may answer: its own and those of its kind."""
    codes: dict[int, list[str]] = {s: list(c) for s, c in op.problems.items()}

    def add(status: int, *more: str) -> None:
        codes.setdefault(status, [])
        codes[status].extend(c for c in more if c not in codes[status])

    if op.access != "anyone":
        add(401, "unauthorized")
        add(503, "auth_unavailable")
    if op.access == "admin":
        add(403, "forbidden")
    if op.body:
        add(400, "invalid_request")
        add(413, "payload_too_large")
    if op.query or any("pattern" in s for s in op.path.values()):
        add(400, "invalid_request")
    if op.wrapped:
        add(503, "storage_unavailable", "unavailable")
    if op.directory:
        add(503, "directory_unavailable")
    return dict(sorted(codes.items()))


def _problem_reply(status: int, codes: list[str]) -> dict[str, Any]:
    refs = [views.ref(schemas.problem_schema_name(code)) for code in codes]
    headers: dict[str, Any] = {}
    if status == 503:
        headers["Retry-After"] = {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        }
    if status == 401:
        headers["WWW-Authenticate"] = {"schema": {"type": "string"}}
    if status == 405:
        headers["Allow"] = {
            "description": "The methods the path answers.",
            "schema": {"type": "string"},
        }
    return {
        "description": ", ".join(f"`{c}`" for c in codes),
        **({"headers": headers} if headers else {}),
        "content": {PROBLEM_JSON: {"schema": refs[0] if len(refs) == 1 else {"oneOf": refs}}},
    }


def _success_reply(reply: meta.Reply) -> dict[str, Any]:
    out: dict[str, Any] = {"description": reply.description}
    if reply.headers:
        out["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in reply.headers.items()
        }
    if reply.content is not None:
        out["content"] = {ctype: {"schema": s} for ctype, s in reply.content.items()}
    elif reply.schema is not None:
        out["content"] = {"application/json": {"schema": reply.schema}}
    return out


def _parameters(route: HttpRoute, op: meta.Operation) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": op.path.get(name, {"type": "string"}),
        }
        for name in route.parameters
    ]
    params.extend(
        {
            "name": p.name,
            "in": "query",
            "required": p.required,
            "description": p.description,
            "schema": p.schema,
            **({"allowEmptyValue": True} if p.allow_empty else {}),
        }
        for p in op.query
    )
    return params


def _operation(route: HttpRoute, method: str, op: meta.Operation) -> dict[str, Any]:
    several = route.methods is not None and len(route.methods) > 1
    out: dict[str, Any] = {
        "operationId": f"{route.function}_{method.lower()}" if several else route.function,
        "summary": op.summary,
        "tags": [op.tag],
    }
    if op.description:
        out["description"] = op.description
    if op.access == "anyone":
        out["security"] = []
    elif op.access == "admin":
        who = op.who or (
            "Admins only: Global, License or User Administrators (a tenant may narrow this "
            "to Global Administrators with `approverRoles`)."
        )
        out["description"] = f"{op.description} {who}" if op.description else who
    params = _parameters(route, op)
    if params:
        out["parameters"] = params
    if op.body:
        out["requestBody"] = {
            "required": op.body_required,
            "content": {"application/json": {"schema": views.ref(op.body)}},
        }
    responses = {str(s): _success_reply(r) for s, r in sorted(op.replies.items())}
    for status, codes in _problem_codes(op).items():
        responses[str(status)] = _problem_reply(status, codes)
    out["responses"] = responses
    return out


def _path(route: HttpRoute) -> str:
    """The OpenAPI path of a route template: `{*name}` becomes `{name}`."""
    return "/" + re.sub(r"\{\*?([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}", r"{\1}", route.route)


def build_document(table: RouteTable) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the app's endpoints."""
    paths: dict[str, dict[str, Any]] = {}
    used_codes: set[str] = set()
    missing = []
    for route in table.endpoints:
        op = meta.OPERATIONS.get(route.function)
        if op is None:
            missing.append(route.function)
            continue
        for method in sorted(route.methods or ()):
            paths.setdefault(_path(route), {})[method.lower()] = _operation(route, method, op)
        for codes in _problem_codes(op).values():
            used_codes.update(codes)
    if missing:
        raise LookupError(f"no OpenAPI metadata for {', '.join(missing)}")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": "Licence requests for products whose self-service purchase is "
            "blocked. Errors are RFC 9457 problem+json with a stable `code`; the tenant "
            "always comes from the token.",
        },
        "servers": [{"url": f"/{table.prefix}" if table.prefix else "/"}],
        "security": [{"bearer": []}],
        "tags": [{"name": t} for t in dict.fromkeys(o.tag for o in meta.OPERATIONS.values())],
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "Microsoft Entra ID access token (dev mode: HS256 dev "
                    "tokens); admin roles (Global, License, User Administrator) come from "
                    "`wids`.",
                }
            },
            "schemas": schemas.component_schemas(sorted(used_codes)),
        },
    }


def document_bytes() -> bytes:
    """The document as served, built on first use and kept for the process."""
    global _document
    with _building:
        if _document is None:
            document = build_document(_routes.table())
            _document = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
        return _document


@bp.function_name("openapi_document")
@bp.route(route="openapi.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def openapi_document(req: func.HttpRequest) -> func.HttpResponse:  # noqa: ARG001 - trigger
    """The OpenAPI 3.1 document (no token needed)."""
    return func.HttpResponse(
        document_bytes(),
        status_code=200,
        mimetype="application/json",
        charset="utf-8",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )

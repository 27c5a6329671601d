"""Everything HTTP: body parsing, JSON and problem+json responses, error -> status mapping."""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import azure.functions as func

from functions import _deps
from shared.domain.errors import AppError, InvalidRequest, PayloadTooLarge, Unavailable
from shared.domain.text import single_line_error

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

    from shared.app.queries import ListQuery, PageQuery
    from shared.domain.identity import Principal
    from shared.domain.models import ListView

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
_VIEWS: tuple[ListView, ...] = ("pending", "completed", "all")
M = TypeVar("M", bound="BaseModel")
Handler = Callable[[func.HttpRequest], func.HttpResponse]

_SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def json_response(data: Any, status: int = 200) -> func.HttpResponse:
    """A JSON response."""
    return func.HttpResponse(
        json.dumps(data, ensure_ascii=False),
        status_code=status,
        mimetype="application/json",
        charset="utf-8",
        headers=dict(_SECURITY_HEADERS),
    )


def csv_response(body: bytes, filename: str) -> func.HttpResponse:
    """A CSV download (RFC 4180, UTF-8)."""
    headers = {
        **_SECURITY_HEADERS,
        "Content-Disposition": f'attachment; filename="{filename}"',
    }
    return func.HttpResponse(
        body, status_code=200, headers=headers, mimetype="text/csv", charset="utf-8"
    )


def redirect_response(location: str) -> func.HttpResponse:
    """A 302 to `location` (a browser round trip through Microsoft's consent page)."""
    return func.HttpResponse(status_code=302, headers={**_SECURITY_HEADERS, "Location": location})


def problem_response(error: AppError) -> func.HttpResponse:
    """RFC 9457 problem+json for a typed error, with its stable `code`."""
    # Standard members last: an error's extra fields can never overwrite them.
    body = {
        **error.extra,
        "type": f"urn:license-requests:problem:{error.code}",
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "code": error.code,
    }
    return func.HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status_code=error.status,
        mimetype="application/problem+json",
        charset="utf-8",
        headers={**_SECURITY_HEADERS, **error.headers},
    )


def _validation_problem(exc: ValidationError) -> InvalidRequest:
    errors = [
        {
            "field": ".".join(str(p) for p in e["loc"]) or "(body)",
            "message": e["msg"],
        }
        for e in exc.errors(include_url=False, include_input=False, include_context=False)
    ]
    first = errors[0] if errors else {"field": "(body)", "message": "invalid"}
    return InvalidRequest(f"{first['field']}: {first['message']}", errors=errors)


# No body of the contract nests deeper than 4; json.loads recurses once per level.
MAX_JSON_DEPTH = 16
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(rb"[\[\]{}]")


def json_depth(raw: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (strings ignored); a cheap scan
    before parsing, so that nesting cannot exhaust the parser's recursion."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:
        return 0  # cannot be deeper than that: the usual case, no scan
    depth = deepest = 0
    for bracket in _BRACKETS.finditer(_JSON_STRING.sub(b"", raw)):
        if bracket.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def parse_body(req: func.HttpRequest, model: type[M], *, allow_empty: bool = False) -> M:
    """The request body as `model`: a JSON object of at most 64 KiB with no unknown field."""
    raw = req.get_body() or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The body is {len(raw)} bytes; at most {MAX_BODY_BYTES} allowed.")
    if not raw.strip():
        if allow_empty:
            raw = b"{}"
        else:
            raise InvalidRequest("A JSON object body is required.")
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise InvalidRequest(f"The body nests deeper than {MAX_JSON_DEPTH} levels.")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidRequest("The body is not valid UTF-8 JSON.") from exc
    if not isinstance(data, dict):
        raise InvalidRequest("The body must be a JSON object.")
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _validation_problem(exc) from exc


def principal(req: func.HttpRequest) -> Principal:
    """The caller, from the bearer token (401 when missing or invalid)."""
    return _deps.authenticate(req.headers.get("Authorization"))


_ASCII_DIGITS = re.compile(r"[0-9]{1,9}")
_PRODUCT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def parse_int(raw: str | None, name: str, low: int, high: int, default: int) -> int:
    """An integer query parameter from `low` to `high` written in ASCII digits (`str.isdigit`
    accepts "²", which `int` refuses), or `default` when absent."""
    if raw is None or raw == "":
        return default
    if not _ASCII_DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
        raise InvalidRequest(f"{name} must be an integer from {low} to {high}.", field=name)
    return int(raw)


def parse_limit(raw: str | None) -> int:
    """`limit` query parameter: 1..100, default 50."""
    return parse_int(raw, "limit", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)


def parse_view(raw: str | None) -> ListView | None:
    """`status` query parameter: pending, completed or all."""
    if raw is None or raw == "":
        return None
    for view in _VIEWS:
        if raw == view:
            return view
    raise InvalidRequest("status must be pending, completed or all.", field="status")


def page_query(req: func.HttpRequest) -> PageQuery:
    """`limit` and `cursor` of a listing."""
    return _deps.queries.PageQuery(
        limit=parse_limit(req.params.get("limit")), cursor=req.params.get("cursor") or None
    )


MAX_SEARCH = 100
_SORTS = {"-createdAt": False, "createdAt": True}


def parse_search(raw: str | None) -> str | None:
    """`q`: up to 100 characters of one line, matched in the app (never in a filter)."""
    text = (raw or "").strip()
    if not text:
        return None
    if len(text) > MAX_SEARCH or single_line_error(text):
        raise InvalidRequest(f"q must be one line of at most {MAX_SEARCH} characters.", field="q")
    return text


def parse_product_id(raw: str | None) -> str | None:
    """`productId`: a product id, or absent."""
    if not raw:
        return None
    if not _PRODUCT_ID.fullmatch(raw):
        raise InvalidRequest("productId is not a product id.", field="productId")
    return raw


def parse_sort(raw: str | None) -> bool:
    """`sort`: `-createdAt` (newest first, the default) or `createdAt`; True for oldest first."""
    if not raw:
        return False
    if raw not in _SORTS:
        raise InvalidRequest("sort must be createdAt or -createdAt.", field="sort")
    return _SORTS[raw]


def list_query(req: func.HttpRequest) -> ListQuery:
    """`status`, `q`, `productId`, `sort`, `limit` and `cursor` of the Requests list."""
    return _deps.queries.ListQuery(
        view=parse_view(req.params.get("status")),
        limit=parse_limit(req.params.get("limit")),
        cursor=req.params.get("cursor") or None,
        search=parse_search(req.params.get("q")),
        product_id=parse_product_id(req.params.get("productId")),
        oldest_first=parse_sort(req.params.get("sort")),
    )


def endpoint(handler: Handler) -> Handler:
    """Map typed errors to problem+json; no input ever produces a 500."""

    @functools.wraps(handler)
    def wrapper(req: func.HttpRequest) -> func.HttpResponse:
        try:
            return handler(req)
        except AppError as error:
            return problem_response(error)
        except Exception:
            # A bug or an unexpected storage answer: log it, and tell the client to retry
            # rather than leak internals with a 500.
            log.exception("unhandled error in %s", handler.__name__)
            return problem_response(
                Unavailable("The service could not complete this request; try again.")
            )

    return wrapper

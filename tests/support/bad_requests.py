"""Generated bad requests for the probe of tests/e2e/test_openapi_fuzz.py.

Each `BadRequest` says what it is and which statuses may answer it: every one is wrong
by construction (unknown path, another method, no or a forged token, a user on an admin
endpoint, a malformed body or query, an id that names nothing), so the app must refuse
it with a 4xx problem and change nothing.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import jwt
from hypothesis import strategies as st

from shared.adapters.auth import mint_dev_token
from shared.config import DEV_JWT_SECRET_DEFAULT

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")
# The first segment of every route (all are literals).
FIRST_SEGMENTS = {
    "health",
    "products",
    "settings",
    "requests",
    "me",
    "dev",
    "console",
    "setup",
    "directory",
    "openapi.json",
}
MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class Endpoint:
    """A route of the document with its parameters filled in."""

    method: str
    path: str
    admin_only: bool
    authenticated: bool
    body: Any = None


@dataclass(frozen=True)
class BadRequest:
    """One request and the statuses that may answer it."""

    kind: str
    method: str
    path: str
    expect: frozenset[int]
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    query: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Identities:
    """The probe tenant's people and the ids of its rows."""

    tenant: str
    admin: str
    user: str
    product_id: str
    request_id: str
    decided_id: str


def _raw_segment() -> st.SearchStrategy[str]:
    text = st.text(st.characters(codec="utf-8", exclude_characters="/?#"), min_size=1, max_size=12)
    # Dot segments are resolved by the client before the request is sent.
    return text.filter(lambda s: s not in (".", ".."))


def _is_route_segment(raw: str) -> bool:
    return any(re.fullmatch(re.escape(f), raw, re.IGNORECASE) for f in FIRST_SEGMENTS) or (
        raw.casefold() in FIRST_SEGMENTS
    )


def _is_json_object(body: bytes) -> bool:
    try:
        return isinstance(json.loads(body), dict)
    except (ValueError, RecursionError):
        return False


def _id() -> st.SearchStrategy[str]:
    return st.from_regex(r"\Ap[a-z0-9]{1,12}\Z")


def valid_endpoints(ids: Identities, draw_id: str) -> list[Endpoint]:
    """Every endpoint with well-formed input (ids of rows that do not exist where noted)."""
    product = {
        "name": "Probe",
        "selfServicePurchase": "blocked",
        "totalLicenses": 3,
        "servicePlans": [{"id": "probe", "name": "Probe"}],
    }
    process = {"useOwnProcess": True, "message": "Ask the service desk."}
    return [
        Endpoint("GET", "/api/products", False, True),
        Endpoint("PUT", f"/api/products/{draw_id}", True, True, product),
        Endpoint("POST", "/api/products/sync", True, True),
        Endpoint("GET", "/api/settings/request-process", False, True),
        Endpoint("PUT", "/api/settings/request-process", True, True, process),
        Endpoint("POST", "/api/requests", False, True, {"productId": ids.product_id}),
        Endpoint("GET", "/api/requests", True, True),
        Endpoint("GET", f"/api/requests/{ids.request_id}", False, True),
        Endpoint("POST", f"/api/requests/{ids.request_id}/approve", True, True, {}),
        Endpoint("POST", f"/api/requests/{ids.request_id}/deny", True, True, {}),
        Endpoint("POST", f"/api/requests/{ids.request_id}/retry-fulfilment", True, True),
        Endpoint("GET", "/api/me/requests", False, True),
        Endpoint("GET", "/api/setup/microsoft365", True, True),
        Endpoint("DELETE", "/api/setup/microsoft365", True, True),
        Endpoint("GET", "/api/setup/microsoft365/consent", True, True),
        Endpoint("GET", "/api/directory/users?search=meg", False, True),
    ]


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@st.composite
def unknown_paths(draw: st.DrawFn, ids: Identities) -> BadRequest:
    """A path under /api that no route has: 404."""
    first = draw(_raw_segment().filter(lambda s: not _is_route_segment(s)))
    rest = draw(st.lists(_raw_segment(), max_size=3))
    method = draw(st.sampled_from(METHODS))
    token = draw(st.sampled_from([ids.admin, ids.user, ""]))
    return BadRequest(
        "unknown path",
        method,
        "/api/" + "/".join(quote(s, safe="") for s in [first, *rest]),
        frozenset({404}),
        _bearer(token) if token else {},
    )


@st.composite
def wrong_methods(draw: st.DrawFn, ids: Identities) -> BadRequest:
    """An endpoint's path with a method it does not answer: 405 with Allow."""
    endpoints = valid_endpoints(ids, draw(_id()))
    chosen = draw(st.sampled_from(endpoints))
    allowed = {e.method for e in endpoints if e.path.split("?")[0] == chosen.path.split("?")[0]}
    method = draw(st.sampled_from([m for m in METHODS if m not in allowed]))
    return BadRequest(
        "wrong method", method, chosen.path, frozenset({405}), _bearer(ids.admin), _json({})
    )


def _forged_tokens(ids: Identities) -> st.SearchStrategy[dict[str, str]]:
    now = datetime.now(UTC)
    other = "x" * 40
    claims = {"tid": ids.tenant, "oid": "o1", "preferred_username": "a@b.c", "wids": []}
    tokens = [
        mint_dev_token(other, ids.tenant, "admin@contoso.com", admin=True),
        mint_dev_token(
            DEV_JWT_SECRET_DEFAULT,
            ids.tenant,
            "admin@contoso.com",
            admin=True,
            now=now - timedelta(hours=10),
            lifetime=timedelta(hours=1),
        ),
        jwt.encode(claims, key=None, algorithm="none"),
        jwt.encode(claims, DEV_JWT_SECRET_DEFAULT, algorithm="HS256"),
        ids.admin[:-3] + ("AAA" if not ids.admin.endswith("AAA") else "BBB"),
        "x" * (16 * 1024 + 1),
    ]
    text = st.text(st.characters(codec="latin-1", exclude_categories=["Cc"]), max_size=60)
    return st.one_of(
        st.just({}),
        st.sampled_from(tokens).map(_bearer),
        text.map(lambda t: {"Authorization": f"Bearer {t}"}),
        text.map(lambda t: {"Authorization": f"Basic {t}"}),
        st.sampled_from(["Bearer", "Bearer  ", "bearer", "Token abc", "Bearer a b"]).map(
            lambda v: {"Authorization": v}
        ),
    )


@st.composite
def bad_tokens(draw: st.DrawFn, ids: Identities) -> BadRequest:
    """No token, or one that is forged, expired, unsigned or malformed: 401."""
    chosen = draw(st.sampled_from(valid_endpoints(ids, draw(_id()))))
    headers = draw(_forged_tokens(ids))
    body = None if chosen.body is None else _json(chosen.body)
    return BadRequest("bad token", chosen.method, chosen.path, frozenset({401}), headers, body)


@st.composite
def users_on_admin_endpoints(draw: st.DrawFn, ids: Identities) -> BadRequest:
    """A user (not a Global admin) on an admin endpoint, with a well-formed body: 403."""
    admin_only = [e for e in valid_endpoints(ids, draw(_id())) if e.admin_only]
    chosen = draw(st.sampled_from(admin_only))
    body = None if chosen.body is None else _json(chosen.body)
    return BadRequest(
        "user on an admin endpoint",
        chosen.method,
        chosen.path,
        frozenset({403}),
        _bearer(ids.user),
        body,
    )


def _malformed_bodies() -> st.SearchStrategy[bytes]:
    nested = st.integers(min_value=100, max_value=20_000)
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.text(max_size=20), st.lists(st.integers())
    )
    return st.one_of(
        # Never `{}` or blank: an empty approval or denial is a well-formed one.
        st.binary(min_size=1, max_size=200).filter(
            lambda b: b.strip() != b"" and not _is_json_object(b)
        ),
        st.just(b"\xff\xfe{}"),
        scalars.map(_json),
        nested.map(lambda n: b"[" * n + b"]" * n),
        nested.map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
        nested.map(lambda n: b"[" * n),
        st.integers(min_value=MAX_BODY + 1, max_value=MAX_BODY + 4096).map(
            lambda n: b'{"name": "' + b"x" * n + b'"}'
        ),
    )


def _invalid_objects(ids: Identities) -> st.SearchStrategy[dict[str, Any]]:
    controls = st.sampled_from(["\r\n", "\n", "\r", "\x00", "\x1b", "\x85"]).map(
        lambda c: f"Mallory{c}Bcc: x@y.z"
    )
    return st.one_of(
        st.just({"unknown": 1}),
        st.fixed_dictionaries({"productId": st.integers()}),
        st.fixed_dictionaries(
            {"productId": st.just(ids.product_id), "users": st.just([{"email": "not-an-email"}])}
        ),
        controls.map(
            lambda n: {
                "productId": ids.product_id,
                "users": [{"email": "a@contoso.com", "name": n}],
            }
        ),
        controls.map(lambda n: {"name": n, "selfServicePurchase": "blocked", "totalLicenses": 1}),
        st.just({"productId": ids.product_id, "justification": "x" * 1001}),
        st.just({"useOwnProcess": "yes"}),
        st.just({"useOwnProcess": True, "documentationUrl": "javascript:alert(1)", "message": "m"}),
        st.just({"excludeUsers": ["nope"]}),
        st.just({"message": ""}),
        st.just({"selfServicePurchase": "maybe"}),
        st.just({"totalLicenses": -1, "selfServicePurchase": "blocked", "name": "n"}),
        st.just({"totalLicenses": 1e309, "selfServicePurchase": "blocked", "name": "n"}),
    )


@st.composite
def malformed_bodies(draw: st.DrawFn, ids: Identities) -> BadRequest:
    """A body that is not JSON, not an object, too deep, too large or of the wrong shape."""
    with_body = [e for e in valid_endpoints(ids, draw(_id())) if e.body is not None]
    chosen = draw(st.sampled_from(with_body))
    body = draw(st.one_of(_malformed_bodies(), _invalid_objects(ids).map(_json)))
    return BadRequest(
        "malformed body",
        chosen.method,
        chosen.path,
        frozenset({400, 413}),
        {**_bearer(ids.admin), "Content-Type": "application/json"},
        body,
    )


@st.composite
def bad_queries(draw: st.DrawFn, ids: Identities) -> BadRequest:
    """A page size, filter, cursor or search text the app must refuse: 400."""
    digits = st.sampled_from(["²", "٣", "５", "0", "101", "-1", "1e2", " 5", "5 ", "0x10", "+5"])
    junk = st.text(max_size=40)
    path, params = draw(
        st.one_of(
            st.tuples(st.just("/api/requests"), digits.map(lambda d: {"limit": d})),
            st.tuples(st.just("/api/me/requests"), digits.map(lambda d: {"limit": d})),
            st.tuples(
                st.just("/api/requests"),
                junk.filter(lambda s: s not in ("", "pending", "completed", "all")).map(
                    lambda s: {"status": s}
                ),
            ),
            st.tuples(
                st.sampled_from(["/api/requests", "/api/me/requests"]),
                st.one_of(
                    junk.filter(bool),
                    st.just("eyJwIjoieCJ9.%C3%A9"),
                    st.just("eyJwIjoieCJ9.é"),
                    st.integers(100, 5000).map(lambda n: "[" * n + ".x"),
                    st.integers(1000, 5000).map(
                        lambda n: base64.urlsafe_b64encode(b"[" * n).decode().rstrip("=") + ".x"
                    ),
                ).map(lambda c: {"cursor": c}),
            ),
            st.tuples(
                st.just("/api/directory/users"),
                st.one_of(
                    st.just(""),
                    st.just("x" * 65),
                    st.sampled_from(["a(b)", "a*", 'x"y', "a\\b", "$filter", "a&b", "<x>"]),
                ).map(lambda s: {"search": s}),
            ),
        )
    )
    return BadRequest("bad query", "GET", path, frozenset({400}), _bearer(ids.admin), None, params)


@st.composite
def unknown_ids(draw: st.DrawFn, ids: Identities) -> BadRequest:
    """A request id that names nothing (or is not an id at all): 404; a product id that is
    not one: 400."""
    raw = draw(st.text(st.characters(codec="utf-8"), min_size=1, max_size=40))
    rid = quote(raw, safe="") if raw not in (".", "..") else "x.y"
    if draw(st.booleans()):
        action = draw(st.sampled_from(["", "/approve", "/deny", "/retry-fulfilment"]))
        method = "GET" if action == "" else "POST"
        body = None if action in ("", "/retry-fulfilment") else _json({})
        return BadRequest(
            "unknown request id",
            method,
            f"/api/requests/{rid}{action}",
            # A dot segment resolved by the client can leave another endpoint's path.
            frozenset({404, 405}),
            _bearer(ids.admin),
            body,
        )
    bad = draw(
        st.from_regex(r"\A[._-][A-Za-z0-9]{0,5}\Z|\A[A-Za-z0-9]{65,70}\Z|\A.*[^A-Za-z0-9._-].*\Z")
    )
    body = _json({"name": "n", "selfServicePurchase": "blocked", "totalLicenses": 1})
    return BadRequest(
        "bad product id",
        "PUT",
        f"/api/products/{quote(bad, safe='')}",
        frozenset({400, 404, 405}),
        _bearer(ids.admin),
        body,
    )


def bad_requests(ids: Identities) -> st.SearchStrategy[BadRequest]:
    """Every kind of bad request, mixed."""
    return st.one_of(
        unknown_paths(ids),
        wrong_methods(ids),
        bad_tokens(ids),
        users_on_admin_endpoints(ids),
        malformed_bodies(ids),
        bad_queries(ids),
        unknown_ids(ids),
    )


# C0, DEL, C1 and the Unicode line and paragraph separators: never in names, product names
# or addresses (SPEC §6; shared/domain/text.py).
CONTROL_CHARACTERS = (
    "\r\n",
    "\n",
    "\r",
    "\t",
    "\x00",
    "\x1b",
    "\x0b",
    "\x7f",
    "\x85",
    "\x9f",
    "\u2028",
    "\u2029",
)


def known_bad_requests(ids: Identities) -> list[BadRequest]:
    """Every reproducer of issue 14's probe, and each control character in each free-text
    field a notice carries, on every endpoint that takes it: sent every time."""
    admin = {**_bearer(ids.admin), "Content-Type": "application/json"}
    out: list[BadRequest] = []

    def refused(kind: str, method: str, path: str, body: Any, **query: str) -> None:
        data = body if isinstance(body, bytes) or body is None else _json(body)
        out.append(BadRequest(kind, method, path, frozenset({400}), admin, data, query))

    product = f"/api/products/{ids.product_id}"
    for char in CONTROL_CHARACTERS:
        text = f"Mallory{char}Bcc: eve@example.com"
        refused(
            "control character",
            "PUT",
            product,
            {"name": text, "selfServicePurchase": "blocked", "totalLicenses": 5},
        )
        refused(
            "control character",
            "PUT",
            "/api/products/pctl",
            {"name": text, "selfServicePurchase": "blocked", "totalLicenses": 5},
        )
        refused(
            "control character",
            "PUT",
            product,
            {
                "name": "Visio",
                "selfServicePurchase": "blocked",
                "totalLicenses": 5,
                "servicePlans": [{"id": "visio", "name": text}],
            },
        )
        users = [{"email": "lee@contoso.com", "name": text}]
        refused(
            "control character",
            "POST",
            "/api/requests",
            {"productId": ids.product_id, "users": users},
        )
        refused(
            "control character",
            "POST",
            "/api/requests",
            {"productId": ids.product_id, "users": [{"email": f"lee{char}@contoso.com"}]},
        )
        refused(
            "control character",
            "POST",
            "/api/dev/token",
            {"tenant": ids.tenant, "email": "a@contoso.com", "name": text},
        )
    for body in (b"[" * 5000, b"[" * 5000 + b"]" * 5000, b'{"a":' * 5000 + b"1" + b"}" * 5000):
        for path, method in (
            (product, "PUT"),
            ("/api/requests", "POST"),
            ("/api/settings/request-process", "PUT"),
            (f"/api/requests/{ids.request_id}/approve", "POST"),
            (f"/api/requests/{ids.request_id}/deny", "POST"),
        ):
            refused("deep JSON", method, path, body)
    nested_cursor = base64.urlsafe_b64encode(b"[" * 5000).decode().rstrip("=") + ".x"
    for path in ("/api/requests", "/api/me/requests"):
        for limit in ("²", "٣", "５", "0", "101", "-1", " 5"):
            refused("bad limit", "GET", path, None, limit=limit)
        for cursor in ("eyJwIjoieCJ9.é", "eyJwIjoieCJ9.\u00e9\u00e9", nested_cursor, "x" * 5000):
            refused("bad cursor", "GET", path, None, cursor=cursor)
    return out

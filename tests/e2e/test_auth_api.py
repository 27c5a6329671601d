"""Tokens and roles at the HTTP edge (SPEC §5)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from shared.adapters.auth import mint_dev_token
from shared.config import DEV_JWT_SECRET_DEFAULT
from tests.support.api import Api, Tenant

PROTECTED = [
    ("GET", "/api/products"),
    ("PUT", "/api/products/visio"),
    ("GET", "/api/settings/request-process"),
    ("PUT", "/api/settings/request-process"),
    ("POST", "/api/requests"),
    ("GET", "/api/requests"),
    ("GET", "/api/requests/8204485029407abcdef"),
    ("POST", "/api/requests/8204485029407abcdef/approve"),
    ("POST", "/api/requests/8204485029407abcdef/deny"),
    ("GET", "/api/me/requests"),
]


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _bad_tokens(tenant_id: str) -> dict[str, str]:
    now = datetime.now(UTC)
    claims = {
        "tid": tenant_id,
        "oid": "u1",
        "preferred_username": "a@contoso.com",
        "wids": ["62e90394-69f5-4237-9190-012177145e10"],
        "iss": "license-requests-dev",
        "aud": "license-requests-dev",
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    return {
        "expired": mint_dev_token(
            DEV_JWT_SECRET_DEFAULT,
            tenant_id,
            "a@contoso.com",
            admin=True,
            now=now - timedelta(hours=9),
        ),
        "wrong signature": jwt.encode(claims, "another-secret-0123456789abcdef0123456789", "HS256"),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "garbage": "not.a.token",
    }


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_endpoint_but_health_needs_a_token(anonymous: Api, method: str, path: str) -> None:
    response = anonymous.call(method, path, {} if method != "GET" else None)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_wrongly_signed_and_unsigned_tokens_get_401(tenant: Tenant) -> None:
    for label, bad in _bad_tokens(tenant.id).items():
        api = Api(tenant.base, bad, tenant.session)
        for method, path in PROTECTED:
            response = api.call(method, path, {} if method != "GET" else None)
            assert response.status_code == 401, (label, path)
            assert response.json()["code"] == "unauthorized"


def test_dev_sign_in_mints_a_token_in_dev_mode(anonymous: Api) -> None:
    response = anonymous.post(
        "/api/dev/token", {"tenant": "contoso", "email": "megan@contoso.com", "admin": True}
    )
    assert response.status_code == 200
    api = Api(anonymous.base, response.json()["token"], anonymous.session)
    assert api.get("/api/requests").status_code == 200
    assert (
        anonymous.post("/api/dev/token", {"tenant": "x y", "email": "a@b.com"}).status_code == 400
    )

"""A small HTTP client for the app under the dev host, plus test identities."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import requests

from shared.adapters.auth import mint_dev_token
from shared.config import DEV_JWT_SECRET_DEFAULT
from shared.domain.identity import AdminRole


def unique_tenant() -> str:
    """A fresh tenant per test, so tests never see each other's data."""
    return f"t{uuid.uuid4().hex[:16]}"


def token(
    tenant: str,
    email: str,
    *,
    admin: bool = False,
    role: AdminRole | None = None,
    name: str | None = None,
    user_id: str | None = None,
) -> str:
    """A dev token for `email` in `tenant` (its `oid` is `user_id` when given); `admin` is
    a Global Administrator, `role` any admin role of R5."""
    return mint_dev_token(
        DEV_JWT_SECRET_DEFAULT, tenant, email, name=name, admin=admin, role=role, user_id=user_id
    )


@dataclass
class Api:
    """Calls the API as one signed-in person."""

    base: str
    bearer: str | None
    session: requests.Session

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if self.bearer:
            headers.setdefault("Authorization", f"Bearer {self.bearer}")
        return self.session.request(
            method, self.base + path, json=body, headers=headers, timeout=30, **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.call("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.call("PUT", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("DELETE", path, **kwargs)


def product_body(
    name: str = "Visio Plan 2",
    *,
    total: int = 10,
    plans: list[str] | None = None,
    self_service: str = "blocked",
) -> dict[str, Any]:
    """A PUT /api/products body."""
    return {
        "name": name,
        "selfServicePurchase": self_service,
        "totalLicenses": total,
        "servicePlans": [{"id": p, "name": p.title()} for p in (plans or ["visio"])],
    }


@dataclass
class Tenant:
    """A fresh tenant with an admin and a user, both signed in."""

    id: str
    admin: Api
    user: Api
    base: str
    session: requests.Session

    def person(
        self,
        email: str,
        *,
        admin: bool = False,
        role: AdminRole | None = None,
        name: str | None = None,
        user_id: str | None = None,
    ) -> Api:
        """Another signed-in person of this tenant."""
        bearer = token(self.id, email, admin=admin, role=role, name=name, user_id=user_id)
        return Api(self.base, bearer, self.session)

    def add_product(self, product_id: str, **kwargs: Any) -> dict[str, Any]:
        response = self.admin.put(f"/api/products/{product_id}", product_body(**kwargs))
        assert response.status_code == 200, response.text
        return dict(response.json())

    def submit(
        self, product_id: str, others: list[str] | None = None, who: Api | None = None
    ) -> dict[str, Any]:
        body = {"productId": product_id, "users": [{"email": e} for e in others or []]}
        response = (who or self.user).post("/api/requests", body)
        assert response.status_code == 201, response.text
        return dict(response.json())

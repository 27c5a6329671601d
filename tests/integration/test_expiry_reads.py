"""X8: a request past its retention is never returned, before any sweep (frozen clock)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.integration.conftest import App
from tools.inprocess import call

PRODUCT = {
    "name": "Visio Plan 2",
    "selfServicePurchase": "blocked",
    "totalLicenses": 10,
    "servicePlans": [{"id": "visio", "name": "Visio"}],
}
AGES = [
    (timedelta(days=29, hours=23), True),
    (timedelta(days=30), False),
    (timedelta(days=30, seconds=1), False),
]


def _setup(app: App) -> dict[str, Any]:
    put = call(
        "put_product",
        "PUT",
        "http://l/api/products/visio",
        token=app.admin,
        body=PRODUCT,
        route_params={"productId": "visio"},
    )
    assert put.status == 200
    made = call(
        "submit_request",
        "POST",
        "http://l/api/requests",
        token=app.user,
        body={"productId": "visio"},
    )
    assert made.status == 201
    return dict(made.body)


@pytest.mark.parametrize(("age", "visible"), AGES)
def test_get_hides_expired_requests(app: App, age: timedelta, visible: bool) -> None:
    made = _setup(app)
    app.clock.advance(age)
    for who in (app.admin, app.user):
        reply = call(
            "get_request",
            "GET",
            "http://l/api/requests/x",
            token=who,
            route_params={"id": made["id"]},
        )
        assert reply.status == (200 if visible else 404)


@pytest.mark.parametrize(("age", "visible"), AGES)
def test_lists_hide_expired_requests(app: App, age: timedelta, visible: bool) -> None:
    made = _setup(app)
    app.clock.advance(age)
    for status in ("pending", "all", ""):
        reply = call(
            "list_requests",
            "GET",
            "http://l/api/requests",
            token=app.admin,
            params={"status": status} if status else {},
        )
        assert [r["id"] for r in reply.body["items"]] == ([made["id"]] if visible else []), status
    mine = call("my_requests", "GET", "http://l/api/me/requests", token=app.user)
    assert [r["id"] for r in mine.body["items"]] == ([made["id"]] if visible else [])


@pytest.mark.parametrize(("age", "visible"), AGES)
def test_completed_lists_hide_expired_requests(app: App, age: timedelta, visible: bool) -> None:
    made = _setup(app)
    call(
        "deny_request",
        "POST",
        "http://l/x",
        token=app.admin,
        body={},
        route_params={"id": made["id"]},
    )
    app.clock.advance(age)
    reply = call(
        "list_requests",
        "GET",
        "http://l/api/requests",
        token=app.admin,
        params={"status": "completed"},
    )
    assert [r["id"] for r in reply.body["items"]] == ([made["id"]] if visible else [])


@pytest.mark.parametrize(("age", "visible"), AGES)
def test_the_duplicate_check_ignores_expired_requests(
    app: App, age: timedelta, visible: bool
) -> None:
    made = _setup(app)
    app.clock.advance(age)
    again = call(
        "submit_request",
        "POST",
        "http://l/api/requests",
        token=app.user,
        body={"productId": "visio"},
    )
    if visible:
        assert (again.status, again.body["id"]) == (200, made["id"])
    else:
        assert again.status == 201 and again.body["id"] != made["id"]
        # and the new one is now the pending one
        third = call(
            "submit_request",
            "POST",
            "http://l/api/requests",
            token=app.user,
            body={"productId": "visio"},
        )
        assert (third.status, third.body["id"]) == (200, again.body["id"])


@pytest.mark.parametrize(("age", "visible"), AGES)
def test_expired_requests_cannot_be_decided(app: App, age: timedelta, visible: bool) -> None:
    made = _setup(app)
    app.clock.advance(age)
    for name in ("approve_request", "deny_request"):
        reply = call(
            name, "POST", "http://l/x", token=app.admin, body={}, route_params={"id": made["id"]}
        )
        if visible:
            assert reply.status == 200
            break
        assert reply.status == 404


def test_expires_at_is_created_at_plus_the_retention_period(app: App) -> None:
    made = _setup(app)
    assert made["createdAt"] == "2026-11-01T09:00:00Z"
    assert made["expiresAt"] == "2026-12-01T09:00:00Z"

"""POST /api/requests/{id}/approve and /deny (R8-R12, X1, X2, X5, X9)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Tenant


def _products(tenant: Tenant) -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in tenant.admin.get("/api/products").json()["items"]}


def test_an_admin_approves_every_user_of_a_request(tenant: Tenant) -> None:
    tenant.add_product("visio", total=5)
    made = tenant.submit("visio", ["alex@contoso.com"])
    response = tenant.admin.post(f"/api/requests/{made['id']}/approve", {"message": "Enjoy"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "approved"
    assert [u["outcome"] for u in body["users"]] == ["assigned", "assigned"]
    decision = body["decision"]
    assert decision["action"] == "approve"
    assert decision["productId"] == "visio"
    assert decision["message"] == "Enjoy"
    assert decision["disabledServicePlans"] == []
    assert decision["decidedBy"]["email"] == "admin@contoso.com"
    assert decision["decidedAt"] >= body["createdAt"]
    assert _products(tenant)["visio"]["assignedLicenses"] == 2
    assert tenant.admin.get(f"/api/requests/{made['id']}").json() == body


def test_an_empty_body_approves_as_requested(tenant: Tenant) -> None:
    tenant.add_product("visio", total=5)
    made = tenant.submit("visio")
    response = tenant.admin.call("POST", f"/api/requests/{made['id']}/approve")
    assert response.status_code == 200


def test_approving_in_part_leaves_removed_users_unassigned(tenant: Tenant) -> None:
    tenant.add_product("visio", total=5)
    made = tenant.submit("visio", ["alex@contoso.com", "lee@contoso.com"])
    body = tenant.admin.post(
        f"/api/requests/{made['id']}/approve", {"excludeUsers": ["ALEX@contoso.com"]}
    ).json()
    assert [(u["email"], u["outcome"]) for u in body["users"]] == [
        ("megan@contoso.com", "assigned"),
        ("alex@contoso.com", "notAssigned"),
        ("lee@contoso.com", "assigned"),
    ]
    assert _products(tenant)["visio"]["assignedLicenses"] == 2


def test_the_admin_chooses_a_fulfilling_product_and_switches_apps_off(tenant: Tenant) -> None:
    tenant.add_product("e3", name="Office 365 E3", total=5, plans=["exchange", "teams"])
    tenant.add_product("e5", name="Microsoft 365 E5", total=5, plans=["exchange", "teams", "bi"])
    made = tenant.submit("e3", ["alex@contoso.com"])
    body = tenant.admin.post(
        f"/api/requests/{made['id']}/approve",
        {"productId": "e5", "disabledServicePlans": ["teams"]},
    ).json()
    assert body["decision"]["productId"] == "e5"
    assert body["decision"]["disabledServicePlans"] == ["teams"]
    counts = _products(tenant)
    assert counts["e5"]["assignedLicenses"] == 2
    assert counts["e3"]["assignedLicenses"] == 0


def test_only_fulfilling_products_may_be_chosen(tenant: Tenant) -> None:
    tenant.add_product("e5", name="Microsoft 365 E5", total=5, plans=["exchange", "teams", "bi"])
    tenant.add_product("e3", name="Office 365 E3", total=5, plans=["exchange", "teams"])
    made = tenant.submit("e5")
    for product_id in ("e3", "missing"):
        response = tenant.admin.post(
            f"/api/requests/{made['id']}/approve", {"productId": product_id}
        )
        assert response.status_code == 422, product_id
        assert response.json()["code"] == "invalid_product"
    assert tenant.admin.get(f"/api/requests/{made['id']}").json()["status"] == "pending"


def test_unknown_service_plans_are_refused(tenant: Tenant) -> None:
    tenant.add_product("visio", total=5)
    made = tenant.submit("visio")
    response = tenant.admin.post(
        f"/api/requests/{made['id']}/approve", {"disabledServicePlans": ["teams"]}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_service_plan"


def test_removing_every_user_is_not_an_approval(tenant: Tenant) -> None:
    tenant.add_product("visio", total=5)
    made = tenant.submit("visio", ["alex@contoso.com"])
    response = tenant.admin.post(
        f"/api/requests/{made['id']}/approve",
        {"excludeUsers": ["megan@contoso.com", "alex@contoso.com"]},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "no_users_left"


def test_removing_someone_outside_the_request_is_refused(tenant: Tenant) -> None:
    tenant.add_product("visio", total=5)
    made = tenant.submit("visio")
    response = tenant.admin.post(
        f"/api/requests/{made['id']}/approve", {"excludeUsers": ["stranger@contoso.com"]}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_user"


def test_too_few_licences_fail_cleanly_saying_how_many_are_missing(tenant: Tenant) -> None:
    tenant.add_product("visio", total=2)
    made = tenant.submit("visio", ["a@contoso.com", "b@contoso.com", "c@contoso.com"])
    response = tenant.admin.post(f"/api/requests/{made['id']}/approve", {})
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "insufficient_licenses"
    assert (problem["available"], problem["needed"], problem["missing"]) == (2, 4, 2)
    assert _products(tenant)["visio"]["assignedLicenses"] == 0
    assert tenant.admin.get(f"/api/requests/{made['id']}").json()["status"] == "pending"


# With 3 licences the plan first looks short of seats; with 10 the transaction finds the
# existing assignment. Both paths must end the same way.
@pytest.mark.parametrize("total", [3, 10])
def test_a_user_who_already_holds_the_product_is_not_charged_twice(
    tenant: Tenant, total: int
) -> None:
    tenant.add_product("visio", total=total)
    first = tenant.submit("visio", ["alex@contoso.com"])
    tenant.admin.post(f"/api/requests/{first['id']}/approve", {})
    second = tenant.submit("visio", ["alex@contoso.com"], who=tenant.person("lee@contoso.com"))
    response = tenant.admin.post(f"/api/requests/{second['id']}/approve", {})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(u["email"], u["outcome"]) for u in body["users"]] == [
        ("lee@contoso.com", "assigned"),
        ("alex@contoso.com", "alreadyLicensed"),
    ]
    assert _products(tenant)["visio"]["assignedLicenses"] == 3
    mine = tenant.person("lee@contoso.com").get(f"/api/requests/{second['id']}").json()
    assert mine == body


def test_an_admin_denies_a_whole_request(tenant: Tenant) -> None:
    tenant.add_product("visio", total=5)
    made = tenant.submit("visio", ["alex@contoso.com"])
    response = tenant.admin.post(
        f"/api/requests/{made['id']}/deny", {"message": "Not this quarter"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "denied"
    assert [u["outcome"] for u in body["users"]] == ["notAssigned", "notAssigned"]
    assert body["decision"]["action"] == "deny"
    assert body["decision"]["message"] == "Not this quarter"
    assert body["decision"]["decidedBy"]["name"] == "Ada Admin"
    assert _products(tenant)["visio"]["assignedLicenses"] == 0


def test_a_decided_request_cannot_be_decided_again(tenant: Tenant) -> None:
    tenant.add_product("visio", total=5)
    made = tenant.submit("visio")
    tenant.admin.post(f"/api/requests/{made['id']}/deny", {})
    for action in ("approve", "deny"):
        response = tenant.admin.post(f"/api/requests/{made['id']}/{action}", {})
        assert response.status_code == 409
        assert response.json()["code"] == "already_decided"
    assert _products(tenant)["visio"]["assignedLicenses"] == 0


def test_deciding_unknown_requests_is_not_found(tenant: Tenant) -> None:
    for action in ("approve", "deny"):
        response = tenant.admin.post(f"/api/requests/8204485029407abcdef/{action}", {})
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_only_admins_decide(tenant: Tenant) -> None:
    tenant.add_product("visio", total=5)
    made = tenant.submit("visio")
    for action in ("approve", "deny"):
        response = tenant.user.post(f"/api/requests/{made['id']}/{action}", {})
        assert response.status_code == 403
    assert tenant.admin.get(f"/api/requests/{made['id']}").json()["status"] == "pending"


def test_bad_decision_bodies_are_refused(tenant: Tenant) -> None:
    tenant.add_product("visio", total=5)
    made = tenant.submit("visio")
    for action, body in (
        ("approve", {"excludeUsers": "alex"}),
        ("approve", {"extra": 1}),
        ("approve", {"message": "x" * 1001}),
        ("approve", {"excludeUsers": ["not-an-email"]}),
        ("deny", {"reason": "x"}),
        ("deny", []),
    ):
        response = tenant.admin.post(f"/api/requests/{made['id']}/{action}", body)
        assert response.status_code == 400, body
    assert tenant.admin.get(f"/api/requests/{made['id']}").json()["status"] == "pending"

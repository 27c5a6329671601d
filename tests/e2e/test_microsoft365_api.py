"""Microsoft 365 over HTTP through the dev host, against the local Graph emulator (X11)."""

from __future__ import annotations

import time
from typing import Any

from tests.support.api import Api, Tenant, token
from tests.support.graph import Graph, user_id

E3 = "m365-enterprisepack"
E3_SKU = "6fd2c87f-b296-42f0-b197-1e91e994b900"
VISIO = "m365-visioclient"


def _block(tenant: Tenant, product_id: str, **extra: Any) -> dict[str, Any]:
    reply = tenant.admin.put(
        f"/api/products/{product_id}", {"selfServicePurchase": "blocked", **extra}
    )
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def _settled(tenant: Tenant, request_id: str, timeout: float = 30) -> dict[str, Any]:
    """The request once its fulfilment is no longer pending (the queue trigger ran)."""
    deadline = time.monotonic() + timeout
    while True:
        request = dict(tenant.admin.get(f"/api/requests/{request_id}").json())
        if request.get("fulfilment", {}).get("status") != "pending":
            return request
        assert time.monotonic() < deadline, request
        time.sleep(0.3)


def test_the_catalogue_is_the_tenants_subscribed_skus_with_real_seats(
    m365: Tenant, graph: Graph
) -> None:
    items = {p["id"]: p for p in m365.admin.get("/api/products").json()["items"]}
    skus = {s["skuId"]: s for s in graph.graph(m365.id, "GET", "/subscribedSkus").json()["value"]}
    e3 = items[E3]
    assert e3["source"] == "microsoft365" and e3["name"] == "Office 365 E3"
    assert e3["totalLicenses"] == skus[E3_SKU]["prepaidUnits"]["enabled"]
    assert e3["assignedLicenses"] == skus[E3_SKU]["consumedUnits"]
    # A SKU for the company, and a suspended one, are not products.
    assert "m365-sharepointstorage" not in items and "m365-projectpremium" not in items


def test_a_colleague_outside_the_directory_is_refused(m365: Tenant) -> None:
    _block(m365, E3)
    reply = m365.user.post(
        "/api/requests", {"productId": E3, "users": [{"email": "bob@fabrikam.com"}]}
    )
    assert reply.status_code == 422
    assert reply.json()["code"] == "unknown_user"
    assert reply.json()["users"] == ["bob@fabrikam.com"]
    assert m365.user.get("/api/me/requests").json()["items"] == []


def test_an_approval_assigns_the_licence_with_the_app_switched_off(
    m365: Tenant, graph: Graph
) -> None:
    product = _block(m365, E3)
    teams = next(p["id"] for p in product["servicePlans"] if "Teams" in p["name"])
    made = m365.user.post(
        "/api/requests", {"productId": E3, "users": [{"email": "lee@contoso.com"}]}
    )
    assert made.status_code == 201, made.text
    request_id = made.json()["id"]
    approved = m365.admin.post(
        f"/api/requests/{request_id}/approve", {"disabledServicePlans": [teams]}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["fulfilment"]["status"] == "pending"
    done = _settled(m365, request_id)
    assert done["fulfilment"]["status"] == "done"
    lee = next(u for u in done["users"] if u["email"] == "lee@contoso.com")
    assert lee["outcome"] == "assigned"
    user = graph.graph(m365.id, "GET", "/users/lee@contoso.com?$select=assignedLicenses").json()
    [licence] = [a for a in user["assignedLicenses"] if a["skuId"] == E3_SKU]
    assert licence["disabledPlans"] == [teams]
    skus = {s["skuId"]: s for s in graph.graph(m365.id, "GET", "/subscribedSkus").json()["value"]}
    [e3] = [p for p in m365.admin.get("/api/products").json()["items"] if p["id"] == E3]
    assert e3["assignedLicenses"] == skus[E3_SKU]["consumedUnits"]


def test_a_missing_usage_location_fails_truthfully_and_a_retry_assigns(
    m365: Tenant, graph: Graph
) -> None:
    _block(m365, E3)
    request_id = m365.user.post(
        "/api/requests", {"productId": E3, "users": [{"email": "nestor@contoso.com"}]}
    ).json()["id"]
    m365.admin.post(f"/api/requests/{request_id}/approve", {})
    done = _settled(m365, request_id)
    nestor = next(u for u in done["users"] if u["email"] == "nestor@contoso.com")
    assert nestor["outcome"] == "failed"
    assert nestor["failure"]["code"] == "usage_location_missing"
    assert "usage location" in nestor["failure"]["message"]
    assert done["fulfilment"]["status"] == "partial"
    patched = graph.graph(m365.id, "PATCH", "/users/nestor@contoso.com", {"usageLocation": "US"})
    assert patched.status_code == 204, patched.text
    retry = m365.admin.post(f"/api/requests/{request_id}/retry-fulfilment", {})
    assert retry.status_code == 200, retry.text
    again = _settled(m365, request_id)
    assert {u["email"]: u["outcome"] for u in again["users"]}["nestor@contoso.com"] == "assigned"
    assert again["fulfilment"]["status"] == "done"
    assert E3_SKU in {
        a["skuId"]
        for a in graph.graph(
            m365.id, "GET", "/users/nestor@contoso.com?$select=assignedLicenses"
        ).json()["assignedLicenses"]
    }


def test_seats_and_plans_of_a_microsoft365_product_are_read_only(m365: Tenant) -> None:
    reply = m365.admin.put(
        f"/api/products/{E3}", {"selfServicePurchase": "blocked", "totalLicenses": 999}
    )
    assert reply.status_code == 400 and reply.json()["code"] == "invalid_request"


def test_the_people_picker_searches_the_directory(m365: Tenant) -> None:
    reply = m365.user.get("/api/directory/users", params={"search": "ale"})
    assert reply.status_code == 200, reply.text
    assert [u["userPrincipalName"] for u in reply.json()["items"]] == ["alex@contoso.com"]
    bad = m365.user.get("/api/directory/users", params={"search": '"x" OR "y"'})
    assert bad.status_code == 400


def test_a_graph_outage_at_submit_answers_503_and_stores_nothing(
    m365: Tenant, graph: Graph
) -> None:
    _block(m365, E3)
    graph.fault(kind="outage", count=5, retryAfter=3, tenant=m365.id)
    try:
        reply = m365.user.post("/api/requests", {"productId": E3})
    finally:
        graph.clear_faults()
    assert reply.status_code == 503
    assert reply.json()["code"] == "directory_unavailable"
    assert int(reply.headers["Retry-After"]) >= 1
    assert m365.user.get("/api/me/requests").json()["items"] == []


def test_setup_status_and_disconnect(m365: Tenant) -> None:
    status = m365.admin.get("/api/setup/microsoft365").json()
    assert status["connected"] is True and status["available"] is True
    assert m365.user.get("/api/setup/microsoft365").status_code == 403
    assert m365.admin.delete("/api/setup/microsoft365").status_code == 200
    assert m365.admin.get("/api/products").json()["items"] == []
    assert m365.admin.post("/api/products/sync").json()["code"] == "not_connected"


def test_asking_again_checks_the_added_users_in_the_directory_and_they_see_it(
    m365: Tenant,
) -> None:
    _block(m365, E3)
    first = m365.user.post("/api/requests", {"productId": E3}).json()
    refused = m365.user.post(
        "/api/requests", {"productId": E3, "users": [{"email": "bob@fabrikam.com"}]}
    )
    assert refused.status_code == 422 and refused.json()["users"] == ["bob@fabrikam.com"]
    assert m365.admin.get(f"/api/requests/{first['id']}").json() == first
    added = m365.user.post(
        "/api/requests", {"productId": E3, "users": [{"email": "lee@contoso.com"}]}
    )
    assert added.status_code == 200, added.text
    lee_entry = next(u for u in added.json()["users"] if u["email"] == "lee@contoso.com")
    assert lee_entry["name"] == "Lee Gu"  # the directory's name
    # Lee signs in with his directory object id: the request names him by it.
    lee = Api(
        m365.base,
        token(m365.id, "lee@contoso.com", user_id=user_id("lee@contoso.com")),
        m365.session,
    )
    [seen] = lee.get("/api/me/requests").json()["items"]
    assert (seen["id"], seen["role"], seen["myOutcome"]) == (first["id"], "included", "pending")

"""GET/PUT /api/products and GET /api/health, over HTTP through the dev host."""

from __future__ import annotations

from tests.support.api import Api, Tenant, product_body


def test_health_answers_ok_without_a_token(anonymous: Api) -> None:
    response = anonymous.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_an_admin_creates_a_product_and_sees_its_licence_counts(tenant: Tenant) -> None:
    created = tenant.add_product("visio", total=7, plans=["visio", "viewer"])
    assert created == {
        "id": "visio",
        "name": "Visio Plan 2",
        "selfServicePurchase": "blocked",
        "servicePlans": [{"id": "visio", "name": "Visio"}, {"id": "viewer", "name": "Viewer"}],
        "totalLicenses": 7,
        "assignedLicenses": 0,
        "approvers": [],
        "source": "manual",
        "waiting": 0,
    }
    listed = tenant.admin.get("/api/products").json()["items"]
    assert listed == [{**created, "fulfils": ["visio"], "pendingUsers": 0}]


def test_admins_see_which_requests_each_product_can_fulfil(tenant: Tenant) -> None:
    # X2: B fulfils a request for A when B's plans include all of A's; A always fulfils A.
    tenant.add_product("e3", name="E3", plans=["exchange", "teams"])
    tenant.add_product("e5", name="E5", plans=["exchange", "teams", "bi"])
    tenant.add_product("visio", name="Visio", plans=["visio"])
    listed = {p["id"]: p for p in tenant.admin.get("/api/products").json()["items"]}
    assert listed["e3"]["fulfils"] == ["e3"]
    assert listed["e5"]["fulfils"] == ["e3", "e5"]
    assert listed["visio"]["fulfils"] == ["visio"]
    [item, *_] = tenant.user.get("/api/products").json()["items"]
    assert "fulfils" not in item


def test_users_see_products_without_licence_counts(tenant: Tenant) -> None:
    tenant.add_product("visio")
    [item] = tenant.user.get("/api/products").json()["items"]
    assert item["id"] == "visio"
    assert "totalLicenses" not in item and "assignedLicenses" not in item


def test_only_admins_change_the_catalogue(tenant: Tenant) -> None:
    response = tenant.user.put("/api/products/visio", product_body())
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert tenant.admin.get("/api/products").json()["items"] == []


def test_replacing_a_product_keeps_its_assigned_count(tenant: Tenant) -> None:
    tenant.add_product("visio", total=5)
    request = tenant.submit("visio", ["alex@contoso.com"])
    assert tenant.admin.post(f"/api/requests/{request['id']}/approve", {}).status_code == 200
    replaced = tenant.add_product("visio", name="Visio Plan 2 (new)", total=4)
    assert replaced["assignedLicenses"] == 2
    assert replaced["totalLicenses"] == 4


def test_total_licences_cannot_drop_below_those_assigned(tenant: Tenant) -> None:
    tenant.add_product("visio", total=5)
    request = tenant.submit("visio", ["alex@contoso.com"])
    tenant.admin.post(f"/api/requests/{request['id']}/approve", {})
    response = tenant.admin.put("/api/products/visio", product_body(total=1))
    assert response.status_code == 409
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "licenses_in_use"
    [product] = tenant.admin.get("/api/products").json()["items"]
    assert product["totalLicenses"] == 5


def test_bad_product_bodies_are_refused_and_nothing_is_stored(tenant: Tenant) -> None:
    bad = [
        {**product_body(), "totalLicenses": -1},
        {**product_body(), "totalLicenses": "5"},
        {**product_body(), "selfServicePurchase": "maybe"},
        {**product_body(), "colour": "blue"},
        {"name": "x"},
        {**product_body(), "servicePlans": [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}]},
    ]
    for body in bad:
        response = tenant.admin.put("/api/products/visio", body)
        assert response.status_code == 400, body
        assert response.json()["code"] == "invalid_request"
    for bad_id in ["has%20space", "-lead", "x" * 65]:
        response = tenant.admin.put(f"/api/products/{bad_id}", product_body())
        assert response.status_code in (400, 404), bad_id
    assert tenant.admin.get("/api/products").json()["items"] == []

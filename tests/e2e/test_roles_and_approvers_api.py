"""R5: Global, License and User Administrators manage requests unless the tenant narrows
it; product approvers manage their products' requests only (X14)."""

from __future__ import annotations

from tests.support.api import Tenant

SETTINGS = "/api/settings/request-process"


def test_license_and_user_administrators_decide_and_a_plain_user_is_refused(
    tenant: Tenant,
) -> None:
    tenant.add_product("visio", total=10)
    licence_admin = tenant.person("lia@contoso.com", role="license")
    user_admin = tenant.person("uma@contoso.com", role="user")
    first = tenant.submit("visio")
    second = tenant.submit("visio", who=tenant.person("lee@contoso.com"))
    assert licence_admin.get("/api/requests").status_code == 200
    approved = licence_admin.post(f"/api/requests/{first['id']}/approve", {})
    assert approved.status_code == 200, approved.text
    assert approved.json()["decision"]["decidedBy"]["email"] == "lia@contoso.com"
    assert user_admin.post(f"/api/requests/{second['id']}/deny", {}).status_code == 200
    assert "notifyAdmins" in licence_admin.get(SETTINGS).json()  # the admin view
    for call in (
        lambda: tenant.user.get("/api/requests"),
        lambda: tenant.user.post(f"/api/requests/{first['id']}/deny", {}),
        lambda: tenant.user.put(SETTINGS, {"useOwnProcess": False}),
    ):
        refused = call()
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


def test_a_tenant_can_narrow_request_management_to_global_administrators(
    tenant: Tenant,
) -> None:
    tenant.add_product("visio", total=10)
    licence_admin = tenant.person("lia@contoso.com", role="license")
    made = tenant.submit("visio")
    narrowed = tenant.admin.put(SETTINGS, {"useOwnProcess": False, "approverRoles": ["global"]})
    assert narrowed.status_code == 200 and narrowed.json()["approverRoles"] == ["global"]
    assert licence_admin.get("/api/requests").status_code == 403
    assert licence_admin.post(f"/api/requests/{made['id']}/approve", {}).status_code == 403
    assert "notifyAdmins" not in licence_admin.get(SETTINGS).json()
    # The Global Administrator cannot be left out.
    bad = tenant.admin.put(SETTINGS, {"useOwnProcess": False, "approverRoles": ["license"]})
    assert bad.status_code == 400
    assert tenant.admin.post(f"/api/requests/{made['id']}/approve", {}).status_code == 200


def test_a_product_approver_manages_that_product_s_requests_only(tenant: Tenant) -> None:
    tenant.add_product("visio", total=10)
    tenant.add_product("bi", name="Power BI Pro", plans=["bi"], total=10)
    set_approvers = tenant.admin.put(
        "/api/products/visio",
        {
            "name": "Visio Plan 2",
            "selfServicePurchase": "blocked",
            "totalLicenses": 10,
            "servicePlans": [{"id": "visio", "name": "Visio"}],
            "approvers": ["Pat@Contoso.com"],
        },
    )
    assert set_approvers.status_code == 200 and set_approvers.json()["approvers"] == [
        "Pat@contoso.com"
    ]
    pat = tenant.person("pat@contoso.com")
    visio = tenant.submit("visio")
    bi = tenant.submit("bi")
    reply = pat.get("/api/requests")
    assert reply.status_code == 200, reply.text
    listed = reply.json()["items"]
    assert [r["id"] for r in listed] == [visio["id"]]
    assert [r["id"] for r in pat.get("/api/requests?status=pending").json()["items"]] == [
        visio["id"]
    ]
    assert pat.get(f"/api/requests/{visio['id']}").status_code == 200
    for call in (
        lambda: pat.get(f"/api/requests/{bi['id']}"),
        lambda: pat.post(f"/api/requests/{bi['id']}/approve", {}),
        lambda: pat.post(f"/api/requests/{bi['id']}/deny", {}),
    ):
        hidden = call()
        assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
    assert pat.post(f"/api/requests/{visio['id']}/approve", {}).status_code == 200
    assert pat.put(SETTINGS, {"useOwnProcess": False}).status_code == 403
    # Approvers see their product's seats, not the others'.
    products = {p["id"]: p for p in pat.get("/api/products").json()["items"]}
    assert products["visio"]["assignedLicenses"] == 1
    assert "assignedLicenses" not in products["bi"]
    # Replacing the product without `approvers` keeps them.
    tenant.add_product("visio", total=12)
    assert tenant.admin.get("/api/products").json()["items"][1]["approvers"] == ["Pat@contoso.com"]

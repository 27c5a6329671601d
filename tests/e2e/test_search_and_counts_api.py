"""The admin's Requests list (X14): search, product filter, order and counts."""

from __future__ import annotations

from typing import Any

from tests.support.api import Tenant


def _ids(tenant: Tenant, query: str) -> list[str]:
    reply = tenant.admin.get(f"/api/requests?{query}")
    assert reply.status_code == 200, reply.text
    return [r["id"] for r in reply.json()["items"]]


def _all_pages(tenant: Tenant, query: str) -> list[str]:
    seen: list[str] = []
    cursor = ""
    while True:
        page: dict[str, Any] = tenant.admin.get(f"/api/requests?{query}&limit=2{cursor}").json()
        seen += [r["id"] for r in page["items"]]
        if not page["nextCursor"]:
            return seen
        cursor = f"&cursor={page['nextCursor']}"


def test_search_filter_sort_and_counts(tenant: Tenant) -> None:
    tenant.add_product("visio", total=10)
    tenant.add_product("bi", name="Power BI Pro", plans=["bi"], total=10)
    megan = tenant.submit("visio")
    lee = tenant.submit("bi", who=tenant.person("lee@contoso.com", name="Lee Gu"))
    alex = tenant.submit("visio", who=tenant.person("alex@contoso.com", name="Alex Wilber"))
    diego = tenant.submit("bi", who=tenant.person("diego@contoso.com", name="Diego Siciliani"))
    tenant.admin.post(f"/api/requests/{lee['id']}/approve", {})
    newest_first = [diego["id"], alex["id"], lee["id"], megan["id"]]

    assert _ids(tenant, "status=all") == newest_first
    assert _ids(tenant, "status=all&sort=createdAt") == newest_first[::-1]
    assert _all_pages(tenant, "status=all&sort=createdAt") == newest_first[::-1]
    assert _all_pages(tenant, "status=all&sort=-createdAt") == newest_first
    # q: requester name or address, or product name, case-blind.
    assert _ids(tenant, "status=all&q=GU") == [lee["id"]]
    assert _ids(tenant, "status=all&q=contoso.com") == newest_first
    assert _ids(tenant, "status=all&q=power%20bi") == [diego["id"], lee["id"]]
    assert _ids(tenant, "status=pending&q=power") == [diego["id"]]
    assert _all_pages(tenant, "status=all&q=o") == newest_first
    assert _all_pages(tenant, "status=all&q=o&sort=createdAt") == newest_first[::-1]
    # productId, with the other filters.
    assert _ids(tenant, "status=all&productId=visio") == [alex["id"], megan["id"]]
    assert _ids(tenant, "status=completed&productId=bi") == [lee["id"]]
    assert _ids(tenant, "status=all&productId=visio&q=alex&sort=createdAt") == [alex["id"]]
    assert _ids(tenant, "status=all&productId=nope") == []
    # Counts of the tenant, whatever the filter.
    counts = tenant.admin.get("/api/requests?status=all&q=zzz").json()["counts"]
    assert counts == {"pending": 3, "completed": 1}
    demand = {p["id"]: p["pendingUsers"] for p in tenant.admin.get("/api/products").json()["items"]}
    assert demand == {"visio": 2, "bi": 1}


def test_a_cursor_belongs_to_its_own_order_and_filter(tenant: Tenant) -> None:
    tenant.add_product("visio", total=10)
    for i in range(3):
        tenant.submit("visio", who=tenant.person(f"u{i}@contoso.com"))
    cursor = tenant.admin.get("/api/requests?status=all&limit=1").json()["nextCursor"]
    for other in ("sort=createdAt", "q=u1", "productId=visio"):
        reply = tenant.admin.get(f"/api/requests?status=all&limit=1&{other}&cursor={cursor}")
        assert reply.status_code == 400, other


def test_bad_search_parameters_are_refused(tenant: Tenant) -> None:
    for query in ("sort=name", "sort=", "q=" + "x" * 101, "q=a%0Ab", "productId=%2Fx"):
        reply = tenant.admin.get(f"/api/requests?{query}")
        if query == "sort=":
            assert reply.status_code == 200  # empty means not given
            continue
        assert reply.status_code == 400, query
        assert reply.json()["code"] == "invalid_request"

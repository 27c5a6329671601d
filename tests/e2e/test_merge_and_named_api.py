"""X3: asking again adds to the pending request; X12: everyone named sees it."""

from __future__ import annotations

from typing import Any

from tests.support.api import Tenant


def _mine(api: Any) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in api.get("/api/me/requests").json()["items"]}


def test_asking_again_adds_the_new_users_and_the_justification(tenant: Tenant) -> None:
    tenant.add_product("visio", total=10)
    first = tenant.user.post(
        "/api/requests", {"productId": "visio", "justification": "Diagrams for Q3"}
    ).json()
    again = tenant.user.post(
        "/api/requests",
        {
            "productId": "visio",
            "users": [{"email": "alex@contoso.com", "name": "Alex Wilber"}],
            "justification": "Alex draws them with me",
        },
    )
    assert again.status_code == 200, again.text
    merged = again.json()
    assert merged["id"] == first["id"]
    assert [u["email"] for u in merged["users"]] == ["megan@contoso.com", "alex@contoso.com"]
    assert merged["justification"] == "Diagrams for Q3\n\nAlex draws them with me"
    # What the admins read is the merged request, counted in their list.
    assert tenant.admin.get(f"/api/requests/{first['id']}").json() == merged
    [row] = tenant.admin.get("/api/requests?status=pending").json()["items"]
    assert row["userCount"] == 2
    # The same again adds nothing: no repeated user, no repeated justification.
    same = tenant.user.post(
        "/api/requests",
        {
            "productId": "visio",
            "users": [{"email": "Alex@Contoso.com"}],
            "justification": "Alex draws them with me",
        },
    )
    assert same.status_code == 200 and same.json() == merged


def test_a_merge_beyond_the_limits_is_refused_and_changes_nothing(tenant: Tenant) -> None:
    tenant.add_product("visio", total=100)
    first = tenant.submit("visio", [f"user{i}@contoso.com" for i in range(40)])
    too_many = tenant.user.post(
        "/api/requests",
        {"productId": "visio", "users": [{"email": f"more{i}@contoso.com"} for i in range(11)]},
    )
    assert too_many.status_code == 400
    assert too_many.json()["code"] == "invalid_request"
    long = tenant.user.post("/api/requests", {"productId": "visio", "justification": "x" * 600})
    assert long.status_code == 200
    longer = tenant.user.post("/api/requests", {"productId": "visio", "justification": "y" * 600})
    assert longer.status_code == 400
    stored = tenant.admin.get(f"/api/requests/{first['id']}").json()
    assert len(stored["users"]) == 41
    assert stored["justification"] == "x" * 600


def test_a_user_named_by_someone_else_sees_the_request_with_their_outcome(
    tenant: Tenant,
) -> None:
    tenant.add_product("visio", total=10)
    tenant.add_product("bi", name="Power BI Pro", plans=["bi"], total=10)
    lee = tenant.person("lee@contoso.com", name="Lee Gu")
    diego = tenant.person("Diego@Contoso.com", name="Diego Siciliani")
    stranger = tenant.person("nestor@contoso.com")
    approved = tenant.submit("visio", ["diego@contoso.com", "alex@contoso.com"], who=lee)
    denied = tenant.submit("bi", ["diego@contoso.com"], who=tenant.user)
    tenant.admin.post(
        f"/api/requests/{approved['id']}/approve", {"excludeUsers": ["alex@contoso.com"]}
    )
    tenant.admin.post(f"/api/requests/{denied['id']}/deny", {"message": "Not this year"})

    mine = diego.get("/api/me/requests").json()
    assert [r["id"] for r in mine["items"]] == [denied["id"], approved["id"]]
    seen = {r["id"]: r for r in mine["items"]}
    assert seen[approved["id"]]["role"] == "included"
    assert seen[approved["id"]]["myOutcome"] == "assigned"
    assert seen[approved["id"]]["assignedProduct"] == {"id": "visio", "name": "Visio Plan 2"}
    assert seen[denied["id"]]["myOutcome"] == "notAssigned"
    assert seen[denied["id"]]["assignedProduct"] is None
    # Alex, removed from the approval, sees that too; the requester sees their role.
    alex = tenant.person("alex@contoso.com")
    assert _mine(alex)[approved["id"]]["myOutcome"] == "notAssigned"
    assert _mine(lee)[approved["id"]]["role"] == "requester"
    # A person named may open the request; anyone else gets 404, as for an unknown id.
    assert diego.get(f"/api/requests/{approved['id']}").status_code == 200
    assert stranger.get(f"/api/requests/{approved['id']}").status_code == 404
    assert _mine(stranger) == {}


def test_users_added_by_a_merge_see_the_request(tenant: Tenant) -> None:
    tenant.add_product("visio", total=10)
    first = tenant.submit("visio")
    tenant.user.post(
        "/api/requests", {"productId": "visio", "users": [{"email": "lee@contoso.com"}]}
    )
    lee = tenant.person("lee@contoso.com")
    assert _mine(lee)[first["id"]]["role"] == "included"


def test_the_caller_s_pages_mix_own_and_named_requests_newest_first(tenant: Tenant) -> None:
    lee = tenant.person("lee@contoso.com")
    made = []
    for i in range(5):
        tenant.add_product(f"p{i}", name=f"Product {i}", plans=[f"plan{i}"])
        if i % 2:
            made.append(tenant.submit(f"p{i}", ["megan@contoso.com"], who=lee)["id"])
        else:
            made.append(tenant.submit(f"p{i}")["id"])
    seen: list[str] = []
    cursor = ""
    while True:
        page = tenant.user.get(f"/api/me/requests?limit=2{cursor}").json()
        seen += [r["id"] for r in page["items"]]
        if not page["nextCursor"]:
            break
        cursor = f"&cursor={page['nextCursor']}"
    assert seen == list(reversed(made))

"""/v1.0/users: reads with $select, $filter, $search, paging and $count; create; update;
authentication and permissions."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tools.graph_emulator.server import GraphEmulator

from .conftest import USERS, Graph, graph_error

DEFAULT_KEYS = {
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
}


def _new_user(upn: str, **extra: Any) -> dict[str, Any]:
    return {
        "accountEnabled": True,
        "displayName": upn.split("@")[0].title(),
        "mailNickname": upn.split("@")[0],
        "userPrincipalName": upn,
        "passwordProfile": {"forceChangePasswordNextSignIn": True, "password": "x-Secret-1"},
        **extra,
    }


def test_get_user_by_upn_and_id_with_the_default_properties(graph: Graph) -> None:
    by_upn = graph.get("/users/megan@contoso.com")
    assert by_upn.status_code == 200
    body = by_upn.json()
    assert body.pop("@odata.context").endswith("/v1.0/$metadata#users/$entity")
    assert set(body) == DEFAULT_KEYS
    assert body["id"] == USERS["megan"] and body["displayName"] == "Megan Bowen"
    assert (
        "assignedLicenses" not in body
        and "usageLocation" not in body
        and "accountEnabled" not in body
    )
    assert (
        graph.get(f"/users/{USERS['megan'].upper()}").json()["userPrincipalName"]
        == "megan@contoso.com"
    )


def test_select_returns_only_those_properties(graph: Graph) -> None:
    body = graph.get(
        "/users/nestor@contoso.com?$select=usageLocation,accountEnabled,preferredLanguage"
    ).json()
    assert body["@odata.context"].endswith(
        "#users(usageLocation,accountEnabled,preferredLanguage)/$entity"
    )
    assert {k: v for k, v in body.items() if k != "@odata.context"} == {
        "usageLocation": None,
        "accountEnabled": True,
        "preferredLanguage": "en-US",
    }
    johanna = graph.get("/users/johanna@contoso.com?$select=accountEnabled").json()
    assert johanna["accountEnabled"] is False
    status, code, message = graph_error(graph.get("/users/megan@contoso.com?$select=shoeSize"))
    assert (status, code) == (400, "Request_UnsupportedQuery")
    assert (
        message
        == "Property 'shoeSize' does not exist as a declared property or extension property."
    )


def test_unknown_user_is_404(graph: Graph) -> None:
    assert graph_error(graph.get("/users/bob@fabrikam.com")) == (
        404,
        "Request_ResourceNotFound",
        "Resource 'bob@fabrikam.com' does not exist or one of its queried reference-property "
        "objects are not present.",
    )


def test_filter_by_mail_upn_and_or(graph: Graph) -> None:
    one = graph.get("/users", params={"$filter": "mail eq 'ALEX@contoso.com'"}).json()["value"]
    assert [u["id"] for u in one] == [USERS["alex"]]
    both = graph.get(
        "/users",
        params={
            "$filter": "userPrincipalName eq 'lee@contoso.com' or mail eq 'diego@contoso.com'",
            "$select": "id",
        },
    ).json()["value"]
    assert both == [{"id": USERS["lee"]}, {"id": USERS["diego"]}]
    licensed = graph.get(
        "/users",
        params={
            "$filter": "assignedLicenses/any(x:x/skuId eq 6fd2c87f-b296-42f0-b197-1e91e994b900)"
        },
    ).json()["value"]
    assert {u["id"] for u in licensed} == {USERS["megan"], USERS["diego"]}
    disabled = graph.get("/users", params={"$filter": "accountEnabled eq false"}).json()["value"]
    assert [u["id"] for u in disabled] == [USERS["johanna"]]
    status, code, _ = graph_error(graph.get("/users", params={"$filter": "shoeSize eq 42"}))
    assert (status, code) == (400, "Request_UnsupportedQuery")
    assert graph.get("/users", params={"$filter": "mail eq"}).status_code == 400


def test_paging_follows_next_links(graph: Graph) -> None:
    seen: list[str] = []
    url = "/users?$top=3&$select=id"
    pages = 0
    while url:
        body = graph.get(url).json()
        pages += 1
        seen += [u["id"] for u in body["value"]]
        url = body.get("@odata.nextLink", "")
        if url:
            assert url.startswith(f"{graph.base}/v1.0/users?") and "$skiptoken=" in url
    assert pages == 3 and sorted(seen) == sorted(USERS.values())
    status, code, message = graph_error(graph.get("/users?$top=1000"))
    assert (status, code) == (400, "Request_UnsupportedQuery")
    assert message == "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive."


def test_search_needs_consistency_level(graph: Graph) -> None:
    status, code, message = graph_error(graph.get('/users?$search="displayName:meg"'))
    assert (status, code) == (400, "Request_UnsupportedQuery")
    assert message == (
        "Request with $search query parameter only works through MSGraph with a special request "
        "header: 'ConsistencyLevel: eventual'"
    )
    eventual = {"ConsistencyLevel": "eventual"}
    found = graph.get('/users?$search="displayName:meg"&$count=true', headers=eventual).json()
    assert [u["userPrincipalName"] for u in found["value"]] == ["megan@contoso.com"]
    assert found["@odata.count"] == 1
    by_surname_word = graph.get('/users?$search="displayName:bow"', headers=eventual).json()[
        "value"
    ]
    assert [u["id"] for u in by_surname_word] == [USERS["megan"]]
    either = graph.get('/users?$search="displayName:lee" OR "mail:dieg"', headers=eventual).json()[
        "value"
    ]
    assert {u["id"] for u in either} == {USERS["lee"], USERS["diego"]}
    assert graph.get('/users?$search="mail:zz"', headers=eventual).json()["value"] == []


def test_count(graph: Graph) -> None:
    status, code, message = graph_error(graph.get("/users/$count"))
    assert (status, code, message) == (
        400,
        "Request_BadRequest",
        "$count is not currently supported.",
    )
    counted = graph.get("/users/$count", headers={"ConsistencyLevel": "eventual"})
    assert counted.status_code == 200 and counted.text == str(len(USERS))
    ignored = graph.get("/users?$count=true").json()
    assert "@odata.count" not in ignored


def test_orderby(graph: Graph) -> None:
    names = [
        u["displayName"]
        for u in graph.get("/users?$orderby=displayName desc&$select=displayName").json()["value"]
    ]
    assert names == sorted(names, key=str.lower, reverse=True)


def test_create_user(graph: Graph) -> None:
    created = graph.post("/users", _new_user("adele@contoso.com", givenName="Adele"))
    assert created.status_code == 201
    body = created.json()
    assert set(body) - {"@odata.context"} == DEFAULT_KEYS and body["mail"] is None
    user = graph.get(
        f"/users/{body['id']}?$select=usageLocation,accountEnabled,assignedLicenses"
    ).json()
    assert user["usageLocation"] is None and user["assignedLicenses"] == []
    located = graph.post(
        "/users", _new_user("pradeep@contoso.com", usageLocation="IN", mail="pradeep@contoso.com")
    )
    assert located.status_code == 201 and located.json()["mail"] == "pradeep@contoso.com"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            _new_user("megan@contoso.com"),
            "Another object with the same value for property userPrincipalName already exists.",
        ),
        (
            _new_user("x@fabrikam.com"),
            "The domain portion of the userPrincipalName property is invalid. You must use one "
            "of the verified domain names in your organization.",
        ),
        (
            {**_new_user("y@contoso.com"), "passwordProfile": None},
            "Invalid value specified for property 'passwordProfile' of resource 'User'.",
        ),
        (
            _new_user("z@contoso.com", usageLocation="usa"),
            "Invalid value specified for property 'usageLocation' of resource 'User'.",
        ),
        (
            _new_user("w@contoso.com", shoeSize=42),
            "Property 'shoeSize' does not exist as a declared property or extension property.",
        ),
    ],
)
def test_create_user_errors(graph: Graph, body: dict[str, Any], message: str) -> None:
    assert graph_error(graph.post("/users", body)) == (400, "Request_BadRequest", message)


def test_update_user(graph: Graph) -> None:
    response = graph.patch(
        f"/users/{USERS['nestor']}", {"usageLocation": "US", "preferredLanguage": "ko-KR"}
    )
    assert response.status_code == 204 and response.content == b""
    body = graph.get("/users/nestor@contoso.com?$select=usageLocation,preferredLanguage").json()
    assert (body["usageLocation"], body["preferredLanguage"]) == ("US", "ko-KR")
    assert graph.patch("/users/johanna@contoso.com", {"accountEnabled": True}).status_code == 204
    assert (
        graph.get("/users/johanna@contoso.com?$select=accountEnabled").json()["accountEnabled"]
        is True
    )
    status, code, _ = graph_error(
        graph.patch("/users/nestor@contoso.com", {"assignedLicenses": []})
    )
    assert (status, code) == (400, "Request_BadRequest")
    assert graph.patch("/users/nestor@contoso.com", {"accountEnabled": "yes"}).status_code == 400
    assert graph.patch("/users/nobody@contoso.com", {"usageLocation": "US"}).status_code == 404


def test_unknown_segment_and_method(graph: Graph) -> None:
    assert graph_error(graph.get("/widgets")) == (
        400,
        "BadRequest",
        "Resource not found for the segment 'widgets'.",
    )
    assert graph_error(graph.delete("/users")) == (
        405,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
    )


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, "Access token is empty."),
        ("Bearer not-a-jwt", "CompactToken parsing failed with error code: 80049217"),
        (
            "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ0aWQiOiJjb250b3NvIn0.c2lnbmF0dXJl",
            "Access token validation failure.",
        ),
    ],
)
def test_missing_or_invalid_token_is_401(
    emulator: GraphEmulator, session: requests.Session, authorization: str | None, message: str
) -> None:
    headers = {"client-request-id": "my-id-1"} | (
        {"Authorization": authorization} if authorization else {}
    )
    response = session.get(f"{emulator.base_url}/v1.0/users", headers=headers)
    assert graph_error(response) == (401, "InvalidAuthenticationToken", message)
    assert response.json()["error"]["innerError"]["client-request-id"] == "my-id-1"
    assert response.headers["client-request-id"] == "my-id-1" and response.headers["request-id"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_roles_are_enforced(emulator: GraphEmulator, session: requests.Session) -> None:
    reader = Graph(session, emulator.base_url, emulator.token("contoso", roles=["User.Read.All"]))
    assert reader.get("/users/megan@contoso.com").status_code == 200
    denied = reader.post(
        "/users/megan@contoso.com/assignLicense", {"addLicenses": [], "removeLicenses": []}
    )
    assert graph_error(denied) == (
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
    assert reader.get("/subscribedSkus").status_code == 403


def test_filter_by_id_in_takes_at_most_fifteen_values(graph: Graph) -> None:
    ids = ["2a24c757-e70d-5dac-8cde-ca5691579ada", "6482a89f-a93f-5022-af77-f8bcf6b86501"]
    listed = graph.get("/users?$filter=id in ('" + "','".join(ids) + "')")
    assert listed.status_code == 200
    assert sorted(u["id"] for u in listed.json()["value"]) == sorted(ids)
    many = ",".join(f"'{i:08d}-0000-0000-0000-000000000000'" for i in range(16))
    refused = graph.get(f"/users?$filter=id in ({many})")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "Request_UnsupportedQuery"

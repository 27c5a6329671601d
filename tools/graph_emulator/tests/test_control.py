"""The /_emulator control API: throttling and outages, statistics, seeding, inspection."""

from __future__ import annotations

import requests

from tools.graph_emulator.server import GraphEmulator

from .conftest import DEV_CLIENT_ID, DEV_CLIENT_SECRET, E3, USERS, VISIO, Graph, graph_error


def _control(emulator: GraphEmulator) -> str:
    return f"{emulator.base_url}/_emulator"


def test_throttle_the_next_calls(
    emulator: GraphEmulator, session: requests.Session, graph: Graph
) -> None:
    fault = session.post(
        f"{_control(emulator)}/faults", json={"kind": "throttle", "count": 2, "retryAfter": 3}
    )
    assert fault.status_code == 201 and fault.json()["remaining"] == 2
    for _ in range(2):
        response = graph.get("/users/megan@contoso.com")
        assert graph_error(response) == (429, "TooManyRequests", "Please retry again later.")
        assert response.headers["Retry-After"] == "3"
        inner = response.json()["error"]["innerError"]
        assert (inner["code"], inner["status"], inner["message"]) == (
            "429",
            "429",
            "Please retry after",
        )
    assert graph.get("/users/megan@contoso.com").status_code == 200
    assert session.get(f"{_control(emulator)}/faults").json() == {"faults": []}
    assert emulator.stats()["tenants"]["contoso"]["throttled"] == 2


def test_throttle_one_tenant_only(
    emulator: GraphEmulator, session: requests.Session, graph: Graph
) -> None:
    session.post(
        f"{_control(emulator)}/faults", json={"kind": "throttle", "count": 1, "tenant": "fabrikam"}
    )
    assert graph.get("/subscribedSkus").status_code == 200
    assert len(session.get(f"{_control(emulator)}/faults").json()["faults"]) == 1


def test_outage_until_cleared(
    emulator: GraphEmulator, session: requests.Session, graph: Graph
) -> None:
    session.post(
        f"{_control(emulator)}/faults", json={"kind": "outage", "count": None, "retryAfter": 5}
    )
    for _ in range(3):
        response = graph.get("/subscribedSkus")
        assert response.status_code == 503 and response.headers["Retry-After"] == "5"
        assert response.json()["error"]["code"] == "serviceNotAvailable"
    assert session.delete(f"{_control(emulator)}/faults").status_code == 200
    assert graph.get("/subscribedSkus").status_code == 200


def test_token_endpoint_outage(emulator: GraphEmulator, session: requests.Session) -> None:
    session.post(
        f"{_control(emulator)}/faults",
        json={"kind": "outage", "count": 1, "target": "token", "retryAfter": 2},
    )
    form = {
        "grant_type": "client_credentials",
        "client_id": DEV_CLIENT_ID,
        "client_secret": DEV_CLIENT_SECRET,
        "scope": "https://graph.microsoft.com/.default",
    }
    first = session.post(f"{emulator.base_url}/contoso/oauth2/v2.0/token", data=form)
    assert first.status_code == 503 and first.json()["error"] == "temporarily_unavailable"
    assert first.headers["Retry-After"] == "2"
    assert (
        session.post(f"{emulator.base_url}/contoso/oauth2/v2.0/token", data=form).status_code == 200
    )


def test_bad_fault_requests(emulator: GraphEmulator, session: requests.Session) -> None:
    assert session.post(f"{_control(emulator)}/faults", json={"kind": "flood"}).status_code == 400
    assert session.post(f"{_control(emulator)}/faults", json={"count": 0}).status_code == 400


def test_stats_count_calls_per_tenant_and_kind(
    emulator: GraphEmulator, session: requests.Session, graph: Graph
) -> None:
    graph.get("/subscribedSkus")
    graph.get("/users/megan@contoso.com")
    graph.assign("alex@contoso.com", [VISIO])
    graph.get("/users/megan@contoso.com", headers={"Authorization": "Bearer x.y.z"})
    stats = session.get(f"{_control(emulator)}/stats").json()
    contoso = stats["tenants"]["contoso"]
    assert contoso["httpRequests"] == 3 and contoso["calls"] == 3
    assert contoso["byKind"] == {"subscribedSkus.list": 1, "users.get": 1, "users.assignLicense": 1}
    assert stats["total"]["httpRequests"] == 4  # the unauthenticated one counts under "-"
    assert session.delete(f"{_control(emulator)}/stats").status_code == 200
    assert session.get(f"{_control(emulator)}/stats").json()["total"]["httpRequests"] == 0


def test_replace_a_tenant_and_read_licences(
    emulator: GraphEmulator, session: requests.Session
) -> None:
    doc = {
        "displayName": "Fabrikam",
        "domains": ["fabrikam.com"],
        "consentedApps": [DEV_CLIENT_ID],
        "subscribedSkus": [
            {
                "skuId": E3,
                "skuPartNumber": "ENTERPRISEPACK",
                "prepaidUnits": {"enabled": 1},
                "servicePlans": [],
            }
        ],
        "users": [
            {
                "userPrincipalName": "kim@fabrikam.com",
                "displayName": "Kim",
                "usageLocation": "US",
                "assignedLicenses": [{"skuId": E3}],
            }
        ],
    }
    put = session.put(f"{_control(emulator)}/tenants/fabrikam", json=doc)
    assert put.status_code == 200 and put.json()["users"][0]["id"]
    licences = session.get(
        f"{_control(emulator)}/tenants/fabrikam/users/kim@fabrikam.com/licenses"
    ).json()
    assert licences["assignedLicenses"] == [{"disabledPlans": [], "skuId": E3}]
    token = session.get(f"{_control(emulator)}/token", params={"tenant": "fabrikam"}).text
    fabrikam = Graph(session, emulator.base_url, token)
    assert fabrikam.consumed(E3) == 1
    assert fabrikam.get("/users/megan@contoso.com").status_code == 404  # tenants are separate
    assert session.get(f"{_control(emulator)}/tenants").json()["tenants"] == ["contoso", "fabrikam"]
    assert session.delete(f"{_control(emulator)}/tenants/fabrikam").status_code == 200
    assert session.get(f"{_control(emulator)}/tenants/fabrikam").status_code == 404


def test_seats_and_consent_can_be_changed(
    emulator: GraphEmulator, session: requests.Session, graph: Graph
) -> None:
    patched = session.patch(
        f"{_control(emulator)}/tenants/contoso/skus/{VISIO}", json={"prepaidUnits": {"enabled": 2}}
    )
    assert patched.status_code == 200
    assert graph_error(graph.assign("alex@contoso.com", [VISIO]))[2].startswith(
        "Subscription with SKU"
    )
    revoked = session.delete(f"{_control(emulator)}/tenants/contoso/consents/{DEV_CLIENT_ID}")
    assert revoked.status_code == 200
    form = {
        "grant_type": "client_credentials",
        "client_id": DEV_CLIENT_ID,
        "client_secret": DEV_CLIENT_SECRET,
        "scope": "https://graph.microsoft.com/.default",
    }
    assert (
        session.post(f"{emulator.base_url}/contoso/oauth2/v2.0/token", data=form).status_code == 400
    )
    session.put(f"{_control(emulator)}/tenants/contoso/consents/{DEV_CLIENT_ID}", json={})
    assert (
        session.post(f"{emulator.base_url}/contoso/oauth2/v2.0/token", data=form).status_code == 200
    )


def test_reset_to_a_seed(emulator: GraphEmulator, session: requests.Session, graph: Graph) -> None:
    graph.assign("alex@contoso.com", [VISIO])
    assert session.post(f"{_control(emulator)}/reset", json={"seed": "demo"}).status_code == 200
    assert graph.consumed(VISIO) == 2
    assert session.post(f"{_control(emulator)}/reset", json={"seed": "none"}).json() == {
        "status": "reset"
    }
    assert session.get(f"{_control(emulator)}/tenants").json() == {"tenants": []}
    assert session.post(f"{_control(emulator)}/reset", json={"seed": "nope"}).status_code == 400


def test_plain_http_on_the_same_port(emulator: GraphEmulator, session: requests.Session) -> None:
    token = session.get(
        f"http://127.0.0.1:{emulator.port}/_emulator/token?tenant=contoso", timeout=5
    ).text
    response = session.get(
        f"http://127.0.0.1:{emulator.port}/v1.0/users/{USERS['megan']}?$select=displayName",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert response.json()["@odata.context"].startswith("http://127.0.0.1:")
    assert response.json()["displayName"] == "Megan Bowen"


def test_unknown_paths(emulator: GraphEmulator, session: requests.Session) -> None:
    assert session.get(f"{emulator.base_url}/nowhere").status_code == 404
    assert session.get(f"{_control(emulator)}/nowhere").status_code == 404
    assert (
        session.get(f"{_control(emulator)}/token", params={"tenant": "nowhere"}).status_code == 404
    )

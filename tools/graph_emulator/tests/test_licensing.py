"""assignLicense: seats and consumedUnits, and every error Graph gives."""

from __future__ import annotations

import pytest

from tools.graph_emulator.server import GraphEmulator

from .conftest import (
    E3,
    E5,
    EXCHANGE_P1,
    EXCHANGE_S_ENTERPRISE,
    EXCHANGE_S_STANDARD,
    POWER_BI,
    PROJECT,
    PROJECT_PREMIUM,
    SHAREPOINT_PROJECT,
    SHAREPOINTENTERPRISE,
    SHAREPOINTSTANDARD,
    STORAGE,
    TEAMS,
    USERS,
    VISIO,
    Graph,
    graph_error,
)


def _bad(message: str) -> tuple[int, str, str]:
    return 400, "Request_BadRequest", message


def test_subscribed_skus_count_seats(graph: Graph) -> None:
    body = graph.get("/subscribedSkus").json()
    assert body["@odata.context"].endswith("/v1.0/$metadata#subscribedSkus")
    skus = {s["skuPartNumber"]: s for s in body["value"]}
    visio = skus["VISIOCLIENT"]
    assert visio["id"] == f"b24f041e-c589-53b7-85fa-ee2eaa701457_{VISIO}"
    assert (
        visio["accountId"] == "395726e5-7737-5e3f-bd11-566309147685"
        and visio["accountName"] == "Contoso"
    )
    assert (
        visio["consumedUnits"] == 2 and visio["prepaidUnits"]["enabled"] == 3
    )  # lee direct, diego by group
    assert visio["servicePlans"][0] == {
        "servicePlanId": "663a804f-1c30-4ff0-9915-9db84f0d1cea",
        "servicePlanName": "VISIO_CLIENT_SUBSCRIPTION",
        "provisioningStatus": "Success",
        "appliesTo": "User",
    }
    assert skus["SHAREPOINTSTORAGE"]["appliesTo"] == "Company"
    assert skus["PROJECTPREMIUM"]["capabilityStatus"] == "Suspended"
    selected = graph.get("/subscribedSkus?$select=skuId,consumedUnits").json()
    assert selected["@odata.context"].endswith("#subscribedSkus(skuId,consumedUnits)")
    assert all(set(s) == {"skuId", "consumedUnits"} for s in selected["value"])
    one = graph.get(f"/subscribedSkus/{visio['id']}").json()
    assert one["skuPartNumber"] == "VISIOCLIENT"


def test_assign_takes_a_seat_and_answers_the_user(graph: Graph, emulator: GraphEmulator) -> None:
    before = graph.consumed(POWER_BI)
    response = graph.assign("alex@contoso.com", [{"skuId": POWER_BI.upper(), "disabledPlans": []}])
    assert response.status_code == 200
    body = response.json()
    assert body["@odata.context"].endswith("#users/$entity") and body["id"] == USERS["alex"]
    assert graph.consumed(POWER_BI) == before + 1
    licenses = graph.licenses(USERS["alex"])
    assert {"disabledPlans": [], "skuId": POWER_BI} in licenses["assignedLicenses"]
    state = next(s for s in licenses["licenseAssignmentStates"] if s["skuId"] == POWER_BI)
    assert (
        state["assignedByGroup"] is None and state["state"] == "Active" and state["error"] == "None"
    )
    assert (
        emulator.user_licenses("contoso", "alex@contoso.com")["assignedLicenses"]
        == licenses["assignedLicenses"]
    )


def test_reassigning_updates_disabled_plans_without_another_seat(graph: Graph) -> None:
    before = graph.consumed(E3)
    response = graph.assign("megan@contoso.com", [{"skuId": E3, "disabledPlans": [TEAMS]}])
    assert response.status_code == 200
    assert graph.consumed(E3) == before
    e3 = next(
        a for a in graph.licenses("megan@contoso.com")["assignedLicenses"] if a["skuId"] == E3
    )
    assert e3["disabledPlans"] == [TEAMS]


def test_remove_frees_the_seat(graph: Graph) -> None:
    before = graph.consumed(E3)
    assert graph.assign("megan@contoso.com", [], [E3]).status_code == 200
    assert graph.consumed(E3) == before - 1
    assert E3 not in {a["skuId"] for a in graph.licenses("megan@contoso.com")["assignedLicenses"]}


def test_seats_exhausted(graph: Graph) -> None:
    assert graph.assign("alex@contoso.com", [VISIO]).status_code == 200  # the last free seat
    assert graph.consumed(VISIO) == 3
    assert graph_error(graph.assign("megan@contoso.com", [VISIO])) == _bad(
        f"Subscription with SKU {VISIO} does not have any available licenses."
    )
    assert graph_error(graph.assign("megan@contoso.com", [PROJECT_PREMIUM])) == _bad(
        f"Subscription with SKU {PROJECT_PREMIUM} does not have any available licenses."
    )


def test_no_usage_location(graph: Graph) -> None:
    assert graph_error(graph.assign("nestor@contoso.com", [VISIO])) == _bad(
        "License assignment cannot be done for user with invalid usage location."
    )
    assert graph.patch("/users/nestor@contoso.com", {"usageLocation": "US"}).status_code == 204
    assert graph.assign("nestor@contoso.com", [VISIO]).status_code == 200


def test_mutually_exclusive_plans(graph: Graph) -> None:
    # alex holds Exchange Online (Plan 1); E3 brings Exchange Online (Plan 2).
    assert graph_error(graph.assign("alex@contoso.com", [E3])) == _bad(
        "License assignment failed because service plans "
        f"{EXCHANGE_S_STANDARD},{EXCHANGE_S_ENTERPRISE} are mutually exclusive"
    )
    without_exchange = {"skuId": E3, "disabledPlans": [EXCHANGE_S_ENTERPRISE]}
    assert graph.assign("alex@contoso.com", [without_exchange]).status_code == 200
    assert graph_error(graph.assign("megan@contoso.com", [EXCHANGE_P1]))[2].endswith(
        "are mutually exclusive"
    )


def test_dependent_plans(graph: Graph) -> None:
    # Project Plan 3's Project Online Service needs a SharePoint plan; alex has none besides it.
    no_sharepoint = {"skuId": PROJECT, "disabledPlans": [SHAREPOINTSTANDARD]}
    assert graph_error(graph.assign("alex@contoso.com", [no_sharepoint])) == _bad(
        f"License assignment failed because service plan {SHAREPOINT_PROJECT} depends on the "
        f"service plan(s) {SHAREPOINTSTANDARD},{SHAREPOINTENTERPRISE}"
    )
    # megan's E3 brings SharePoint (Plan 2): the same request succeeds for her.
    assert graph.assign("megan@contoso.com", [no_sharepoint]).status_code == 200
    assert graph.assign("alex@contoso.com", [PROJECT]).status_code == 200


@pytest.mark.parametrize("sku", ["00000000-0000-0000-0000-000000000001", STORAGE])
def test_unknown_or_company_sku(graph: Graph, sku: str) -> None:
    assert graph_error(graph.assign("megan@contoso.com", [sku])) == _bad(
        f"License {sku} does not correspond to a valid company License."
    )


def test_removing_what_the_user_lacks(graph: Graph) -> None:
    assert graph_error(graph.assign("megan@contoso.com", [], [VISIO])) == _bad(
        "User does not have a corresponding license."
    )


def test_removing_a_group_licence(graph: Graph) -> None:
    assert graph_error(graph.assign("diego@contoso.com", [], [VISIO])) == _bad(
        "User license is inherited from a group membership and it cannot be removed directly "
        "from the user."
    )


def test_unknown_user(graph: Graph) -> None:
    status, code, message = graph_error(graph.assign("nobody@contoso.com", [VISIO]))
    assert (status, code) == (404, "Request_ResourceNotFound")
    assert message.startswith("Resource 'nobody@contoso.com' does not exist")


def test_disabled_accounts_can_be_licensed_as_in_graph(graph: Graph) -> None:
    assert graph.assign("johanna@contoso.com", [E5]).status_code == 200
    body = graph.get("/users/johanna@contoso.com?$select=accountEnabled,assignedLicenses").json()
    assert body["accountEnabled"] is False and body["assignedLicenses"][0]["skuId"] == E5


def test_all_or_nothing(graph: Graph) -> None:
    before = graph.licenses("alex@contoso.com")["assignedLicenses"]
    response = graph.assign("alex@contoso.com", [POWER_BI, "00000000-0000-0000-0000-000000000001"])
    assert response.status_code == 400
    assert graph.licenses("alex@contoso.com")["assignedLicenses"] == before


def test_malformed_bodies(graph: Graph) -> None:
    missing = graph.post("/users/megan@contoso.com/assignLicense", {"addLicenses": []})
    assert graph_error(missing) == _bad(
        "One or more parameters of the operation 'assignLicense' are missing from the request "
        "payload. The missing parameters are: removeLicenses."
    )
    not_guid = graph.post(
        "/users/megan@contoso.com/assignLicense",
        {"addLicenses": [{"skuId": "visio"}], "removeLicenses": []},
    )
    assert graph_error(not_guid)[:2] == (400, "BadRequest")
    not_json = graph.request(
        "POST",
        "/users/megan@contoso.com/assignLicense",
        data=b"{",
        headers={"Content-Type": "application/json"},
    )
    assert not_json.status_code == 400


def test_a_failed_call_leaves_disabled_plans_alone(graph: Graph) -> None:
    # Re-assigning E3 with a new disabled plan and adding a SKU with no seat fails as a whole.
    before = graph.licenses("megan@contoso.com")["assignedLicenses"]
    response = graph.assign(
        "megan@contoso.com", [{"skuId": E3, "disabledPlans": [TEAMS]}, PROJECT_PREMIUM]
    )
    assert response.status_code == 400
    assert graph.licenses("megan@contoso.com")["assignedLicenses"] == before

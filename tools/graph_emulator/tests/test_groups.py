"""Group-based licensing: members inherit a group's licences, with Entra's error states."""

from __future__ import annotations

from typing import Any

from .conftest import E3, EXCHANGE_P1, USERS, VISIO, VISIO_GROUP, Graph, graph_error

REF = "https://graph.microsoft.com/v1.0/directoryObjects/{}"


def _add(graph: Graph, user: str) -> int:
    return graph.post(
        f"/groups/{VISIO_GROUP}/members/$ref", {"@odata.id": REF.format(USERS[user])}
    ).status_code


def _group_state(graph: Graph, user: str) -> dict[str, Any]:
    states = graph.licenses(USERS[user])["licenseAssignmentStates"]
    return next(s for s in states if s["assignedByGroup"] == VISIO_GROUP)


def test_get_group(graph: Graph) -> None:
    body = graph.get(f"/groups/{VISIO_GROUP}").json()
    assert body["displayName"] == "Visio users" and body["securityEnabled"] is True
    assert "assignedLicenses" not in body
    selected = graph.get(f"/groups/{VISIO_GROUP}?$select=assignedLicenses,displayName").json()
    assert selected["assignedLicenses"] == [{"disabledPlans": [], "skuId": VISIO}]
    assert selected["@odata.context"].endswith("#groups(assignedLicenses,displayName)/$entity")
    assert graph.get("/groups/00000000-0000-0000-0000-000000000000").status_code == 404


def test_seeded_member_inherits(graph: Graph) -> None:
    state = _group_state(graph, "diego")
    assert (state["skuId"], state["state"], state["error"]) == (VISIO, "Active", "None")
    assert VISIO in {a["skuId"] for a in graph.licenses(USERS["diego"])["assignedLicenses"]}
    members = graph.get(f"/groups/{VISIO_GROUP}/members").json()["value"]
    assert [(m["@odata.type"], m["id"]) for m in members] == [
        ("#microsoft.graph.user", USERS["diego"])
    ]


def test_adding_a_member_assigns_and_counts(graph: Graph) -> None:
    assert _add(graph, "megan") == 204
    assert _group_state(graph, "megan")["state"] == "Active"
    assert graph.consumed(VISIO) == 3
    assert graph_error(
        graph.post(f"/groups/{VISIO_GROUP}/members/$ref", {"@odata.id": REF.format(USERS["megan"])})
    ) == (
        400,
        "Request_BadRequest",
        "One or more added object references already exist for the following modified "
        "properties: 'members'.",
    )


def test_count_violation_when_no_seat_is_left(graph: Graph) -> None:
    assert _add(graph, "megan") == 204  # takes the last seat
    assert _add(graph, "alex") == 204  # the membership holds; the licence cannot
    state = _group_state(graph, "alex")
    assert (state["state"], state["error"]) == ("Error", "CountViolation")
    assert VISIO not in {a["skuId"] for a in graph.licenses(USERS["alex"])["assignedLicenses"]}
    assert graph.consumed(VISIO) == 3
    # Free a seat, then ask Entra to try again.
    assert graph.delete(f"/groups/{VISIO_GROUP}/members/{USERS['megan']}/$ref").status_code == 204
    assert graph.consumed(VISIO) == 2
    assert graph.post(f"/users/{USERS['alex']}/reprocessLicenseAssignment").status_code == 200
    assert _group_state(graph, "alex")["state"] == "Active" and graph.consumed(VISIO) == 3


def test_member_without_usage_location_gets_the_licence(graph: Graph) -> None:
    # Group-based licensing falls back to the directory's country.
    assert _add(graph, "nestor") == 204
    assert _group_state(graph, "nestor")["state"] == "Active"


def test_direct_and_group_take_one_seat(graph: Graph) -> None:
    assert _add(graph, "lee") == 204  # lee already holds Visio directly
    assert graph.consumed(VISIO) == 2
    assert graph.assign("lee@contoso.com", [], [VISIO]).status_code == 200
    assert VISIO in {
        a["skuId"] for a in graph.licenses(USERS["lee"])["assignedLicenses"]
    }  # still, by group
    assert graph.consumed(VISIO) == 2


def test_mutually_exclusive_group_licence(graph: Graph, emulator: Any) -> None:
    doc = emulator.tenant_doc("contoso")
    doc["groups"].append(
        {
            "id": "11111111-2222-4333-8444-555555555555",
            "displayName": "Exchange P1",
            "assignedLicenses": [{"skuId": EXCHANGE_P1, "disabledPlans": []}],
            "members": [],
        }
    )
    emulator.put_tenant(doc)
    add = {"@odata.id": REF.format(USERS["megan"])}  # megan has E3 (Exchange Plan 2)
    assert (
        graph.post("/groups/11111111-2222-4333-8444-555555555555/members/$ref", add).status_code
        == 204
    )
    states = graph.licenses(USERS["megan"])["licenseAssignmentStates"]
    state = next(s for s in states if s["skuId"] == EXCHANGE_P1)
    assert (state["state"], state["error"]) == ("Error", "MutuallyExclusiveViolation")
    assert E3 in {a["skuId"] for a in graph.licenses(USERS["megan"])["assignedLicenses"]}


def test_removing_members(graph: Graph) -> None:
    assert graph.delete(f"/groups/{VISIO_GROUP}/members/{USERS['diego']}/$ref").status_code == 204
    assert graph.consumed(VISIO) == 1
    assert all(
        s["assignedByGroup"] is None
        for s in graph.licenses(USERS["diego"])["licenseAssignmentStates"]
    )
    assert graph.delete(f"/groups/{VISIO_GROUP}/members/{USERS['diego']}/$ref").status_code == 404
    bad_ref = graph.post(f"/groups/{VISIO_GROUP}/members/$ref", {"@odata.id": "nope"})
    assert bad_ref.status_code == 400
    unknown = graph.post(
        f"/groups/{VISIO_GROUP}/members/$ref",
        {"@odata.id": REF.format("0" * 8 + "-0000-0000-0000-" + "0" * 12)},
    )
    assert unknown.status_code == 404

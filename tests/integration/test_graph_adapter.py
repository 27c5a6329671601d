"""The Graph adapter against the local Graph emulator: the requests it sends, what it
makes of Graph's answers, every failure code, batches, throttling, outages and tokens.

The emulator speaks Graph's documented contract (its own contract tests hold it to
the documented example bodies in tests/fixtures/graph); the adapter is held to it here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared import bootstrap
from shared.adapters.graph.directory import GraphDirectory
from shared.app.directory import Assignment
from shared.config import load_settings
from shared.domain.errors import DirectoryThrottled, DirectoryUnavailable
from tools.graph_emulator.seed import seeded_user_id
from tools.graph_emulator.server import GraphEmulator
from tools.localstack import DEV_CLIENT_ID, DEV_CLIENT_SECRET

ROOT = Path(__file__).resolve().parents[2]
SEED = json.loads((ROOT / "tools/graph_emulator/seed/demo.json").read_text())
E3, VISIO, PROJECT = (
    "6fd2c87f-b296-42f0-b197-1e91e994b900",
    "c5928f49-12ba-48f7-ada3-0d743a3601d5",
    "53818b1b-4a27-454b-8896-0dba576410e6",
)


def _plan(part: str, plan: str) -> str:
    [sku] = [s for s in SEED["tenants"][0]["subscribedSkus"] if s["skuPartNumber"] == part]
    return str(
        next(p["servicePlanId"] for p in sku["servicePlans"] if p["servicePlanName"] == plan)
    )


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[GraphEmulator]:
    server = GraphEmulator(port=0, state_dir=tmp_path, persist=False)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def directory(emulator: GraphEmulator, tmp_path: Path) -> GraphDirectory:
    base = emulator.base_url
    settings = load_settings(
        {
            "GRAPH_BASE_URL": base,
            "GRAPH_AUTHORITY_HOST": base,
            "GRAPH_CA_BUNDLE": str(tmp_path / "ca-bundle.pem"),
            "GRAPH_CLIENT_ID": DEV_CLIENT_ID,
            "GRAPH_CLIENT_SECRET": DEV_CLIENT_SECRET,
        }
    )
    built = bootstrap.build_directory(settings)
    assert isinstance(built, GraphDirectory)
    return built


def _id(email: str) -> str:
    found = seeded_user_id(email)
    assert found
    return found


def test_subscribed_skus_carry_seats_plans_and_state(directory: GraphDirectory) -> None:
    skus = {s.part_number: s for s in directory.subscribed_skus("contoso")}
    e3 = skus["ENTERPRISEPACK"]
    assert (e3.sku_id, e3.enabled, e3.consumed, e3.assignable) == (E3, 25, 2, True)
    assert ("57ff2da0-773e-42df-b2af-ffb7a2317929", "TEAMS1") in e3.service_plans
    assert not skus["SHAREPOINTSTORAGE"].assignable  # appliesTo Company
    assert not skus["PROJECTPREMIUM"].assignable  # Suspended


def test_users_resolve_by_object_id_upn_and_mail_in_one_batch(
    directory: GraphDirectory,
) -> None:
    found = directory.users_by_address(
        "contoso", [_id("megan@contoso.com"), "ALEX@contoso.com", "bob@fabrikam.com"]
    )
    megan = found[_id("megan@contoso.com")]
    assert megan and megan.user_principal_name == "megan@contoso.com"
    assert E3 in megan.sku_ids and megan.usage_location == "US"
    assert found["alex@contoso.com"] and found["alex@contoso.com"].display_name == "Alex Wilber"
    assert found["bob@fabrikam.com"] is None
    johanna = directory.users_by_address("contoso", ["johanna@contoso.com"])["johanna@contoso.com"]
    assert johanna and johanna.enabled is False


def test_search_finds_people_by_name_prefix(directory: GraphDirectory) -> None:
    found = directory.search_users("contoso", "meg", 20)
    assert [u.user_principal_name for u in found] == ["megan@contoso.com"]
    assert directory.search_users("contoso", '"x" OR "y"', 20) == []  # never sent


def test_assignment_with_a_plan_switched_off(
    directory: GraphDirectory, emulator: GraphEmulator
) -> None:
    teams = _plan("ENTERPRISEPACK", "TEAMS1")
    [result] = directory.assign_licenses(
        "contoso", [Assignment(_id("lee@contoso.com"), E3, (teams,))]
    )
    assert result.outcome == "assigned"
    licences = emulator.user_licenses("contoso", "lee@contoso.com")
    [e3] = [a for a in licences["assignedLicenses"] if a["skuId"] == E3]
    assert e3["disabledPlans"] == [teams]


@pytest.mark.parametrize(
    ("who", "sku", "disabled", "code"),
    [
        ("nestor@contoso.com", E3, (), "usage_location_missing"),
        ("alex@contoso.com", E3, (), "conflicting_service_plans"),
        ("lee@contoso.com", PROJECT, ("SHAREPOINTSTANDARD",), "dependent_service_plans"),
        ("00000000-0000-0000-0000-000000000000", E3, (), "user_not_found"),
        ("lee@contoso.com", "11111111-1111-1111-1111-111111111111", (), "graph_error"),
    ],
)
def test_each_graph_refusal_becomes_its_failure_code(
    directory: GraphDirectory, who: str, sku: str, disabled: tuple[str, ...], code: str
) -> None:
    user = _id(who) if "@" in who else who
    plans = tuple(_plan("PROJECTPROFESSIONAL", p) for p in disabled)
    [result] = directory.assign_licenses("contoso", [Assignment(user, sku, plans)])
    assert result.outcome == "failed" and result.failure
    assert result.failure.code == code
    assert result.failure.message  # Graph's own words are kept


def test_seats_running_out_inside_a_batch_fail_only_the_late_ones(
    directory: GraphDirectory,
) -> None:
    # Visio has one free seat.
    results = directory.assign_licenses(
        "contoso",
        [Assignment(_id(e), VISIO) for e in ("megan@contoso.com", "alex@contoso.com")],
    )
    assert [r.outcome for r in results] == ["assigned", "failed"]
    assert results[1].failure and results[1].failure.code == "no_licenses_available"


def test_a_throttled_sub_request_is_answered_on_its_own(
    directory: GraphDirectory, emulator: GraphEmulator
) -> None:
    directory.subscribed_skus("contoso")  # the token, before the fault
    emulator.add_fault("throttle", count=1, retry_after=4)
    users = ("megan@contoso.com", "diego@contoso.com", "lee@contoso.com")
    results = directory.assign_licenses(
        "contoso", [Assignment(_id(e), "f8a1db68-be16-40ed-86d5-cb42ce701560") for e in users]
    )
    outcomes = [r.outcome for r in results]
    # The batch itself, or one of its requests, is throttled; never all of them silently.
    assert "retry" in outcomes and outcomes.count("retry") == 1
    assert [r.retry_after for r in results if r.outcome == "retry"] == [4]


def test_a_throttled_call_and_an_outage_are_unavailable_with_a_wait(
    directory: GraphDirectory, emulator: GraphEmulator
) -> None:
    directory.subscribed_skus("contoso")
    emulator.add_fault("throttle", count=1, retry_after=3)
    with pytest.raises(DirectoryThrottled) as throttled:
        directory.subscribed_skus("contoso")
    assert throttled.value.headers["Retry-After"] == "3"
    emulator.add_fault("outage", count=1, retry_after=2)
    with pytest.raises(DirectoryUnavailable):
        directory.subscribed_skus("contoso")
    emulator.stop()
    with pytest.raises(DirectoryUnavailable):
        directory.subscribed_skus("contoso")


def test_tokens_are_cached_per_tenant(directory: GraphDirectory, emulator: GraphEmulator) -> None:
    for _ in range(5):
        directory.subscribed_skus("contoso")
    stats: dict[str, Any] = emulator.stats()
    assert stats["tenants"]["contoso"]["tokenRequests"] == 1


def test_group_licensing_adds_members_and_reads_their_state(
    directory: GraphDirectory, emulator: GraphEmulator
) -> None:
    group = "c3248085-d132-52c8-90bd-17decf5fdbdd"
    results = directory.add_group_members(
        "contoso", group, [_id("megan@contoso.com"), _id("alex@contoso.com")]
    )
    assert [r.outcome for r in results] == ["assigned", "assigned"]
    states = directory.users_by_id("contoso", [_id("megan@contoso.com"), _id("alex@contoso.com")])
    megan, alex = states[_id("megan@contoso.com")], states[_id("alex@contoso.com")]
    assert megan and VISIO in megan.sku_ids  # the one free seat
    assert alex and alex.license_errors[VISIO].code == "no_licenses_available"
    # Adding a member again is not an error.
    [again] = directory.add_group_members("contoso", group, [_id("megan@contoso.com")])
    assert again.outcome == "assigned"


def test_users_by_object_id_take_one_call_for_fifteen_at_a_time(
    directory: GraphDirectory, emulator: GraphEmulator
) -> None:
    directory.subscribed_skus("contoso")  # the token first
    emulator.reset_stats()
    emails = ["admin", "megan", "alex", "lee", "diego", "nestor", "johanna"]
    ids = [_id(f"{e}@contoso.com") for e in emails] + ["00000000-0000-0000-0000-000000000000"]
    found = directory.users_by_id("contoso", ids)
    assert [u.user_principal_name if u else None for u in found.values()] == [
        *(f"{e}@contoso.com" for e in emails),
        None,
    ]
    stats = emulator.stats()["tenants"]["contoso"]
    assert stats["httpRequests"] == 1  # one $batch holding one `id in (...)` query

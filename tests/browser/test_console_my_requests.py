"""Links to a request (emails link to {PUBLIC_BASE_URL}/api/console/#/requests/{id}) and My
requests (X4, X12): each request with the person's part in it (asked, or included by
whom), their own outcome and what was really assigned.

The tests named `..._included_user_...` need the API of X12 (GET /api/me/requests lists
the requests a person is named in, with `role`, `myOutcome`, `assignedProduct` and
`disabledApps`; GET /api/requests/{id} answers them): they fail until it is there."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import OpenConsole
from tests.support.api import Tenant


def _approve_suite_without_whiteboard(tenant: Tenant) -> dict[str, Any]:
    """Megan asked for Visio Plan 2 for herself, Alex and Lynne; the admin approved Visio
    Suite (it includes Visio) with Whiteboard off, and left Lynne out."""
    tenant.add_product("visio-plan-2", name="Visio Plan 2", total=5, plans=["visio"])
    tenant.add_product("visio-suite", name="Visio Suite", total=5, plans=["visio", "whiteboard"])
    submitted = tenant.submit("visio-plan-2", ["alex@contoso.com", "lynne@contoso.com"])
    decided = tenant.admin.post(
        f"/api/requests/{submitted['id']}/approve",
        {
            "productId": "visio-suite",
            "disabledServicePlans": ["whiteboard"],
            "excludeUsers": ["lynne@contoso.com"],
            "message": "Suite for the Falcon team",
        },
    )
    assert decided.status_code == 200, decided.text
    return dict(decided.json())


def test_a_request_link_opens_the_request_in_the_admins_pane(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"])
    submitted = tenant.submit("visio-plan-2", ["alex@contoso.com"])

    admin = open_console().open(f"#/requests/{submitted['id']}")
    # Signing in keeps the link: the pane opens on the request, its row selected.
    admin.sign_in(tenant.id, "admin@contoso.com", admin=True)
    page = admin.page
    expect(page).to_have_url(f"{admin.url}#/requests/{submitted['id']}")
    pane = page.locator("aside.pane")
    expect(pane.get_by_role("heading", name="Visio Plan 2")).to_be_focused()
    expect(pane).to_contain_text("Requested by Megan Bowen")
    expect(page.locator("#requests-table tr.is-selected")).to_have_attribute(
        "data-request", submitted["id"]
    )


def test_a_request_link_opens_my_requests_on_it_for_its_requester(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"])
    tenant.add_product("project", name="Project Plan 3", plans=["project"])
    submitted = tenant.submit("visio-plan-2", ["alex@contoso.com"])
    tenant.submit("project")

    user = open_console().open(f"#/requests/{submitted['id']}")
    user.sign_in(tenant.id, "megan@contoso.com", name="Megan Bowen")
    page = user.page
    expect(page.get_by_role("heading", name="My requests", level=1)).to_be_visible()
    expect(page).to_have_url(f"{user.url}#/my/{submitted['id']}")
    rows = page.locator("#my-requests tbody tr")
    expect(rows).to_have_count(2)
    selected = page.locator("#my-requests tr.is-selected")
    expect(selected).to_have_attribute("data-request", submitted["id"])
    expect(selected).to_have_attribute("aria-current", "true")
    expect(selected.get_by_role("rowheader")).to_be_focused()
    user.screenshot("requester-link-opened")
    user.check_accessibility("my requests opened from a link")

    # A link to a request that is not theirs (or gone) says so, and lists theirs.
    user.open("#/requests/00000000000000000000000000000000")
    expect(page.get_by_role("alert")).to_contain_text("isn't one of yours")
    expect(rows).to_have_count(2)
    expect(page.locator("#my-requests tr.is-selected")).to_have_count(0)


def test_my_requests_show_my_part_and_what_was_really_assigned(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    request = _approve_suite_without_whiteboard(tenant)

    user = open_console().open("#/my")
    user.sign_in(tenant.id, "megan@contoso.com", name="Megan Bowen")
    row = user.page.locator(f'#my-requests tr[data-request="{request["id"]}"]')
    expect(row.get_by_role("rowheader")).to_contain_text("Requested by you")
    mine = row.locator(".mine")
    expect(mine).to_contain_text("License assigned")
    expect(mine).to_contain_text(
        "Visio Suite assigned instead of Visio Plan 2 · Whiteboard switched off"
    )
    expect(row.locator('.outcomes li[data-email="lynne@contoso.com"]')).to_contain_text(
        "Not assigned"
    )
    user.screenshot("requester-my-part")
    user.check_accessibility("my requests with my part")


def _with_my_part(page: Page, part: dict[str, Any]) -> None:
    """GET /api/me/requests as the X12 API gives it: every item with `part` merged in."""

    def handle(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        for item in body["items"]:
            item.update(part)
        route.fulfill(response=response, body=json.dumps(body))

    page.route(re.compile(r"/api/me/requests(\?.*)?$"), handle)


def test_my_requests_show_the_part_the_api_gives(tenant: Tenant, open_console: OpenConsole) -> None:
    """The API's own fields win over what the console would work out."""
    request = _approve_suite_without_whiteboard(tenant)
    user = open_console()
    _with_my_part(
        user.page,
        {
            "role": "included",
            "myOutcome": "assigned",
            "assignedProduct": {"id": "m365-e5", "name": "Office 365 E5"},
            "disabledApps": [{"id": "teams", "name": "Microsoft Teams"}],
        },
    )
    user.open("#/my")
    user.sign_in(tenant.id, "megan@contoso.com", name="Megan Bowen")
    row = user.page.locator(f'#my-requests tr[data-request="{request["id"]}"]')
    expect(row.get_by_role("rowheader")).to_contain_text("Included by Megan Bowen")
    expect(row.locator(".mine")).to_contain_text(
        "Office 365 E5 assigned instead of Visio Plan 2 · Microsoft Teams switched off"
    )


def test_an_empty_my_requests_says_how_to_request(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"])
    user = open_console().open("#/my")
    user.sign_in(tenant.id, "megan@contoso.com", name="Megan Bowen")
    empty = user.page.locator("#my-empty")
    expect(empty).to_contain_text("You have no license requests from the last 30 days")
    expect(empty).to_contain_text("go to Request a license, choose a product")
    empty.get_by_role("link", name="Request a license").click()
    expect(user.page.get_by_role("link", name="Request Visio Plan 2")).to_be_visible()


def test_an_included_user_sees_the_request_with_their_own_outcome(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    """X12 (needs the API): Alex, named in Megan's request, finds it in his My requests."""
    request = _approve_suite_without_whiteboard(tenant)

    alex = open_console().open("#/my")
    alex.sign_in(tenant.id, "alex@contoso.com", name="Alex Wilber")
    row = alex.page.locator(f'#my-requests tr[data-request="{request["id"]}"]')
    expect(row).to_have_attribute("data-role", "included")
    expect(row.get_by_role("rowheader")).to_contain_text("Included by Megan Bowen")
    expect(row.locator(".mine")).to_contain_text("License assigned")
    expect(row.locator(".mine")).to_contain_text(
        "Visio Suite assigned instead of Visio Plan 2 · Whiteboard switched off"
    )
    alex.screenshot("included-my-requests")
    alex.check_accessibility("my requests of an included user")

    # Lynne was left out: her own outcome says so, and nothing was assigned to her.
    lynne = open_console().open("#/my")
    lynne.sign_in(tenant.id, "lynne@contoso.com", name="Lynne Robbins")
    row = lynne.page.locator(f'#my-requests tr[data-request="{request["id"]}"]')
    expect(row.locator(".mine")).to_contain_text("Not assigned")
    expect(row.locator(".mine")).not_to_contain_text("instead of")


def test_an_included_user_follows_the_emailed_link(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    """X12 (needs the API): the email's link opens Alex's My requests on the request."""
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"])
    submitted = tenant.submit("visio-plan-2", ["alex@contoso.com"])

    alex = open_console().open(f"#/requests/{submitted['id']}")
    alex.sign_in(tenant.id, "alex@contoso.com", name="Alex Wilber")
    page = alex.page
    expect(page).to_have_url(f"{alex.url}#/my/{submitted['id']}")
    selected = page.locator("#my-requests tr.is-selected")
    expect(selected).to_have_attribute("data-request", submitted["id"])
    expect(selected.get_by_role("rowheader")).to_contain_text("Included by Megan Bowen")
    expect(selected.locator(".mine")).to_contain_text("Pending")

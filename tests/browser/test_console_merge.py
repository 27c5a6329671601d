"""One pending request per person and product (X3): asking again adds to the pending
request, and the request form says so before sending and after."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import OpenConsole
from tests.support.api import Tenant


def test_the_form_says_it_adds_to_the_pending_request_before_and_after_sending(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"])
    tenant.add_product("project", name="Project Plan 3", plans=["project"])
    pending = tenant.submit("visio-plan-2", ["alex@contoso.com"])

    user = open_console().open("#/request")
    user.sign_in(tenant.id, "megan@contoso.com", name="Megan Bowen")
    page = user.page
    page.get_by_role("link", name="Request Visio Plan 2").click()
    form = page.locator("form", has_text="Request Visio Plan 2")
    notice = form.locator("#merge-notice")
    expect(notice).to_contain_text("You already have a pending request for Visio Plan 2 from")
    expect(notice).to_contain_text("Sending adds the people and the reason below to that request")
    expect(notice.get_by_role("link", name="See it in My requests")).to_have_attribute(
        "href", f"#/my/{pending['id']}"
    )
    email = form.get_by_label("Email address")
    email.fill("lynne@contoso.com")
    email.press("Enter")
    form.get_by_label("Why do you need it? (optional)").fill("Lynne joins the project")
    user.screenshot("requester-merge-warning")
    user.check_accessibility("request form adding to a pending request")
    form.get_by_role("button", name="Send request").click()

    # After: said plainly, and the (one) request shown, with Lynne added.
    expect(page).to_have_url(f"{user.url}#/my/{pending['id']}")
    status = page.locator(".page").get_by_role("status").first
    expect(status).to_contain_text("Added to your pending request")
    expect(page.get_by_text("You already have a pending request")).to_have_count(0)
    rows = page.locator("#my-requests tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_class("is-selected")
    expect(rows.first.locator(".outcomes li")).to_have_count(3)
    expect(rows.first.locator('.outcomes li[data-email="lynne@contoso.com"]')).to_be_visible()
    merged = tenant.admin.get(f"/api/requests/{pending['id']}").json()
    assert [u["email"] for u in merged["users"]] == [
        "megan@contoso.com",
        "alex@contoso.com",
        "lynne@contoso.com",
    ]
    assert "Lynne joins the project" in (merged["justification"] or "")

    # Another product has no pending request: no notice, and a new request.
    user.nav("Request a license")
    page.get_by_role("link", name="Request Project Plan 3").click()
    form = page.locator("form", has_text="Request Project Plan 3")
    expect(form.get_by_role("button", name="Send request")).to_be_visible()
    expect(form.locator("#merge-notice")).to_have_count(0)
    form.get_by_role("button", name="Send request").click()
    expect(page.locator(".page").get_by_role("status").first).to_contain_text("Request sent")
    expect(rows).to_have_count(2)


def test_a_decided_request_is_not_added_to(tenant: Tenant, open_console: OpenConsole) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"])
    decided = tenant.submit("visio-plan-2")
    assert tenant.admin.post(f"/api/requests/{decided['id']}/deny", {}).status_code == 200

    user = open_console().open("#/request/visio-plan-2")
    user.sign_in(tenant.id, "megan@contoso.com", name="Megan Bowen")
    form = user.page.locator("form", has_text="Request Visio Plan 2")
    expect(form.get_by_role("button", name="Send request")).to_be_visible()
    expect(form.locator("#merge-notice")).to_have_count(0)

"""Requesters in the console: products, the request form, own process, My requests; languages."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import OpenConsole
from tests.support.api import Tenant


def test_requester_asks_for_themselves_and_two_others_and_sees_it_in_my_requests(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"])
    tenant.add_product("flow", name="Power Automate", plans=["flow"], self_service="allowed")

    user = open_console().open()
    user.sign_in(tenant.id, "megan@contoso.com", name="Megan Bowen")
    page = user.page
    # Not an admin: no admin tabs, and the requester's page is home.
    expect(
        page.get_by_role("navigation").get_by_role("link", name="Requests", exact=True)
    ).to_be_hidden()
    products = page.locator("#request-products")
    expect(products.locator("tr", has_text="Power Automate")).to_contain_text(
        "You can buy this yourself"
    )
    user.screenshot("requester-products")
    user.check_accessibility("requester products")

    products.get_by_role("link", name="Request Visio Plan 2").click()
    form = page.locator("form", has_text="Request Visio Plan 2")
    expect(form).to_contain_text("You're included in this request.")
    email = form.get_by_label("Email address")
    email.fill("not-an-email")
    form.get_by_role("button", name="Add user").click()
    expect(form.locator("#other-email-error")).to_contain_text("Enter a valid email address")
    email.fill("alex@contoso.com")
    form.get_by_role("button", name="Add user").click()
    email.fill("lynne@contoso.com")
    email.press("Enter")  # Enter adds, it does not submit
    expect(form.locator("#other-users li")).to_have_count(2)
    form.get_by_label("Why do you need it? (optional)").fill("Diagrams for the Q3 plan")
    user.screenshot("requester-form")
    user.check_accessibility("request form")
    form.get_by_role("button", name="Send request").click()

    expect(page.get_by_role("heading", name="My requests", level=1)).to_be_visible()
    expect(page.locator(".page").get_by_role("status").first).to_contain_text("Request sent")
    row = page.locator("#my-requests tbody tr", has_text="Visio Plan 2")
    expect(row).to_contain_text("Pending")
    outcomes = row.locator(".outcomes li")
    expect(outcomes).to_have_count(3)
    for address in ("megan@contoso.com", "alex@contoso.com", "lynne@contoso.com"):
        expect(outcomes.filter(has_text=address)).to_contain_text("Pending")
    user.screenshot("requester-my-requests")
    user.check_accessibility("my requests")

    listed = tenant.admin.get("/api/requests?status=pending").json()["items"]
    assert [(r["productId"], r["userCount"]) for r in listed] == [("visio-plan-2", 3)]
    created = tenant.admin.get(f"/api/requests/{listed[0]['id']}").json()
    assert created["justification"] == "Diagrams for the Q3 plan"

    # Asking again while pending adds to the same request (X3): test_console_merge.py.


def test_my_requests_show_each_users_outcome_after_a_decision(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"])
    submitted = tenant.submit("visio-plan-2", ["alex@contoso.com"])
    decided = tenant.admin.post(
        f"/api/requests/{submitted['id']}/approve",
        {"excludeUsers": ["alex@contoso.com"], "message": "Alex has one already"},
    )
    assert decided.status_code == 200

    user = open_console().open("#/my")
    user.sign_in(tenant.id, "megan@contoso.com", name="Megan Bowen")
    row = user.page.locator("#my-requests tbody tr", has_text="Visio Plan 2")
    expect(row).to_contain_text("Approved")
    expect(row).to_contain_text("Alex has one already")
    outcomes = row.locator(".outcomes li")
    expect(outcomes.filter(has_text="megan@contoso.com")).to_contain_text("License assigned")
    expect(outcomes.filter(has_text="alex@contoso.com")).to_contain_text("Not assigned")


def test_own_process_shows_the_requester_its_message_and_link_instead_of_the_form(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"])
    switched = tenant.admin.put(
        "/api/settings/request-process",
        {
            "useOwnProcess": True,
            "message": "Ask the IT service desk for licenses.",
            "documentationUrl": "https://it.contoso.com/licenses",
        },
    )
    assert switched.status_code == 200

    user = open_console().open()
    user.sign_in(tenant.id, "megan@contoso.com")
    page = user.page
    notice = page.locator("section.notice")
    expect(notice).to_contain_text("Your organization uses its own request process")
    expect(notice).to_contain_text("Ask the IT service desk for licenses.")
    link = notice.get_by_role("link", name="Go to your organization's request process")
    expect(link).to_have_attribute("href", "https://it.contoso.com/licenses")
    expect(page.locator("#request-products")).to_have_count(0)
    expect(page.get_by_role("button", name="Send request")).to_have_count(0)
    user.screenshot("requester-own-process")
    user.check_accessibility("own process notice")

    # A form opened by a direct link shows the notice too, and nothing is created.
    user.open("#/request/visio-plan-2")
    expect(page.locator("section.notice")).to_contain_text("Ask the IT service desk")
    assert tenant.admin.get("/api/requests?status=all").json()["items"] == []


def test_korean_from_the_browser_language_and_the_language_switch(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"])
    tenant.submit("visio-plan-2", ["alex@contoso.com"])

    korean = open_console(locale="ko-KR").open()
    page = korean.page
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("heading", name="로그인", level=1)).to_be_visible()
    page.get_by_label("조직(테넌트)").fill(tenant.id)
    page.get_by_label("전자 메일").fill("admin@contoso.com")
    page.get_by_label("전역 관리자").check()
    page.get_by_role("button", name="로그인").click()
    expect(page.get_by_role("heading", name="요청", level=1)).to_be_visible()
    page.get_by_role("link", name="Visio Plan 2").click()
    expect(page.locator("aside.pane")).to_contain_text("다음 사용자에게 할당 안 함")
    korean.screenshot("admin-request-detail-ko")
    korean.check_accessibility("Korean request detail")

    page.get_by_label("언어").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Requests", level=1)).to_be_visible()
    expect(page.locator("aside.pane")).to_contain_text("Do not assign to these users")
    # The choice is remembered over the browser's language.
    page.reload()
    expect(page.get_by_role("heading", name="Requests", level=1)).to_be_visible()

"""Microsoft 365 in the console (X11), against the dev host and the local Graph emulator:
products from subscribedSkus, connecting by admin consent, the people picker, and a
failed assignment with its reason and a retry."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import OpenConsole
from tests.support.api import Tenant, token
from tests.support.graph import Graph, unique_m365_tenant

E3 = "m365-enterprisepack"
E3_SKU = "6fd2c87f-b296-42f0-b197-1e91e994b900"


def _block(tenant: Tenant, product_id: str) -> None:
    reply = tenant.admin.put(f"/api/products/{product_id}", {"selfServicePurchase": "blocked"})
    assert reply.status_code == 200, reply.text


def _product(tenant: Tenant, product_id: str) -> dict[str, Any]:
    items = tenant.admin.get("/api/products").json()["items"]
    return dict(next(p for p in items if p["id"] == product_id))


def _seats(graph: Graph, tenant: str, sku_id: str) -> tuple[int, int]:
    skus = graph.graph(tenant, "GET", "/subscribedSkus").json()["value"]
    sku = next(s for s in skus if s["skuId"] == sku_id)
    return int(sku["prepaidUnits"]["enabled"]), int(sku["consumedUnits"])


def test_a_connected_tenants_products_come_from_microsoft365_and_an_admin_blocks_one(
    m365: Tenant, graph: Graph, open_console: OpenConsole
) -> None:
    total, consumed = _seats(graph, m365.id, E3_SKU)
    admin = open_console().open("#/products")
    admin.sign_in(m365.id, "admin@contoso.com", admin=True)
    page = admin.page

    section = page.locator("#microsoft365")
    expect(section).to_contain_text("Connected")
    expect(section).to_contain_text("admin@contoso.com")
    # Sync is the page's, beside Add product, once connected.
    expect(page.get_by_role("button", name="Sync from Microsoft 365")).to_be_visible()
    expect(page.get_by_role("button", name="Add product")).to_be_visible()
    expect(section.get_by_role("button", name="Connect Microsoft 365")).to_have_count(0)
    row = page.locator(f'#products-table tbody tr[data-product="{E3}"]')
    expect(row.get_by_role("rowheader")).to_contain_text("Office 365 E3")
    free = str(total - consumed)
    expect(row.locator("td")).to_have_text(
        ["Microsoft 365", str(total), str(consumed), free, "Allowed", "EditWaitlist and holders"]
    )
    # Subscriptions for the company or suspended are not products.
    expect(page.locator('#products-table tr[data-source="manual"]')).to_have_count(0)

    row.get_by_role("switch", name="Self-service purchase of Office 365 E3").uncheck()
    expect(row.locator("td").nth(4)).to_have_text("Blocked")
    assert _product(m365, E3)["selfServicePurchase"] == "blocked"

    # Seats and apps are Microsoft 365's: the dialog shows them, and where to buy more.
    row.get_by_role("button", name="Edit Office 365 E3").click()
    dialog = page.get_by_role("dialog", name="Edit Office 365 E3")
    expect(dialog.get_by_label("Total licenses")).to_have_count(0)
    expect(dialog).to_contain_text("License counts and apps come from Microsoft 365")
    expect(dialog).to_contain_text(f"{consumed} of {total} assigned")
    link = dialog.get_by_role("link", name=re.compile("Microsoft 365 admin center"))
    expect(link).to_have_attribute("href", "https://admin.microsoft.com/#/subscriptions")
    expect(dialog.get_by_label("Blocked")).to_be_checked()
    dialog.get_by_label("Licensing group (optional)").fill("not-a-guid")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Enter a group object ID")
    dialog.get_by_label("Licensing group (optional)").fill("")
    dialog.get_by_label("Display name").fill("Office E3 for staff")
    admin.screenshot("admin-product-edit-microsoft365")
    admin.check_accessibility("Microsoft 365 product dialog")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(row.get_by_role("rowheader")).to_contain_text("Office E3 for staff")
    saved = _product(m365, E3)
    assert (saved["name"], saved["selfServicePurchase"]) == ("Office E3 for staff", "blocked")
    assert (saved["totalLicenses"], saved["assignedLicenses"]) == (total, consumed)

    page.get_by_role("button", name="Sync from Microsoft 365").click()
    expect(page.locator("#toast")).to_contain_text("Products synced with Microsoft 365")
    expect(page.locator(":focus")).to_have_id("sync-m365")


def _public_base(base: str, admin_token: str) -> str:
    """Where Microsoft sends the admin back: the app's PUBLIC_BASE_URL, from its consent URL."""
    reply = requests.get(
        f"{base}/api/setup/microsoft365/consent",
        headers={"Authorization": f"Bearer {admin_token}", "Accept": "application/json"},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    redirect = parse_qs(urlsplit(reply.json()["consentUrl"]).query)["redirect_uri"][0]
    parts = urlsplit(redirect)
    return f"{parts.scheme}://{parts.netloc}"


def _consent_for_the_browser(page: Page, graph: Graph, base: str) -> None:
    """Microsoft's consent page and the app's callback, for a browser whose app is not at
    its PUBLIC_BASE_URL.

    The session's dev host listens on a free port while its PUBLIC_BASE_URL keeps the
    default (:7071), so Microsoft's redirect would take the browser to :7071, and Playwright
    cannot re-route a redirect's later hops. The browser's visit to the consent page is
    taken over here: the same consent at the emulator, the same callback on the dev host
    (which connects the tenant), and the browser sent where the callback sends it.
    """

    def consent(route: Route) -> None:
        asked = urlsplit(route.request.url)
        microsoft = graph.call("GET", f"{asked.path}?{asked.query}", allow_redirects=False)
        assert microsoft.status_code == 302, microsoft.text
        back = urlsplit(microsoft.headers["Location"])
        callback = requests.get(
            f"{base}{back.path}?{back.query}", allow_redirects=False, timeout=60
        )
        assert callback.status_code == 302, callback.text
        landing = urlsplit(callback.headers["Location"])
        route.fulfill(status=302, headers={"Location": f"{base}{landing.path}#{landing.fragment}"})

    page.route(
        re.compile(re.escape(graph.emulator.base_url) + r"/[^/?]+/v2\.0/adminconsent\?"), consent
    )


def test_an_admin_connects_microsoft365_by_consent_and_disconnects(
    base_url: str, graph: Graph, open_console: OpenConsole
) -> None:
    tenant = unique_m365_tenant()
    graph.clone_demo(tenant)
    # local_tls: with a PUBLIC_BASE_URL of its own, the browser visits the emulator itself.
    admin = open_console(local_tls=True)
    if _public_base(base_url, token(tenant, "admin@contoso.com", admin=True)) != base_url:
        _consent_for_the_browser(admin.page, graph, base_url)
    admin.open("#/products")
    admin.sign_in(tenant, "admin@contoso.com", name="Ada Admin", admin=True)
    page = admin.page

    section = page.locator("#microsoft365")
    expect(page.locator(".empty")).to_contain_text("no products yet")
    expect(page.get_by_role("button", name="Add product")).to_be_visible()

    # Off to Microsoft's consent page (the emulator's), and back through the app's callback.
    section.get_by_role("button", name="Connect Microsoft 365").click()
    notice = page.locator("#products-alert")
    expect(notice).to_contain_text("Microsoft 365 is connected", timeout=20_000)
    expect(page).to_have_url(re.compile(r"/api/console/#/products$"))
    expect(page.locator(f'#products-table tr[data-product="{E3}"]')).to_contain_text(
        "Office 365 E3"
    )
    expect(section).to_contain_text("Ada Admin (admin@contoso.com)")
    admin.screenshot("admin-products-connected")
    admin.check_accessibility("products after connecting")

    section.get_by_role("button", name="Disconnect").click()
    dialog = page.get_by_role("dialog", name="Disconnect Microsoft 365?")
    expect(dialog).to_contain_text("Licenses already assigned stay assigned")
    expect(page.locator(":focus")).to_have_text("Cancel")
    dialog.get_by_role("button", name="Disconnect").click()
    expect(notice).to_contain_text("Microsoft 365 disconnected")
    expect(section.get_by_role("button", name="Connect Microsoft 365")).to_be_visible()
    expect(page.locator("#products-table")).to_have_count(0)


def test_the_people_picker_adds_a_colleague_from_the_directory(
    m365: Tenant, open_console: OpenConsole
) -> None:
    _block(m365, E3)
    user = open_console().open(f"#/request/{E3}")
    user.sign_in(m365.id, "megan@contoso.com", name="Megan Bowen")
    page = user.page
    form = page.locator("form", has_text="Request Office 365 E3")
    picker = form.get_by_role("combobox", name="Name or email address")
    listbox = page.get_by_role("listbox", name="People in your organization")

    picker.press_sequentially("di")
    expect(listbox.get_by_role("option")).to_have_text([re.compile("Diego Siciliani")])
    picker.press("Escape")
    expect(listbox).to_be_hidden()
    expect(picker).to_have_attribute("aria-expanded", "false")

    picker.fill("")
    picker.press_sequentially("ale")
    option = listbox.get_by_role("option", name=re.compile("Alex Wilber"))
    expect(option).to_be_visible()
    picker.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(picker).to_have_attribute("aria-activedescendant", option.get_attribute("id") or "")
    user.screenshot("requester-people-picker")
    user.check_accessibility("people picker")
    picker.press("Enter")
    added = form.locator("#other-users li")
    expect(added).to_have_count(1)
    expect(added.first).to_contain_text("Alex Wilber")
    expect(added.first).to_contain_text("alex@contoso.com")
    expect(picker).to_have_value("")
    expect(picker).to_be_focused()

    # Someone outside the directory: typed in, refused at submit, and named.
    picker.fill("bob@fabrikam.com")
    form.get_by_role("button", name="Add user").click()
    form.get_by_role("button", name="Send request").click()
    expect(form.get_by_role("alert").first).to_contain_text(
        "Not an active account of your organization: bob@fabrikam.com"
    )
    refused = added.filter(has_text="bob@fabrikam.com")
    expect(refused).to_contain_text("Not in your organization")
    user.screenshot("requester-unknown-user")
    refused.get_by_role("button", name="Remove bob@fabrikam.com").click()
    form.get_by_role("button", name="Send request").click()

    row = page.locator("#my-requests tbody tr", has_text="Office 365 E3")
    expect(row.locator(".outcomes li")).to_have_count(2)
    expect(row).to_contain_text("Alex Wilber (alex@contoso.com)")
    [made] = m365.user.get("/api/me/requests").json()["items"]
    assert [(u["email"], u["name"]) for u in made["users"]][1] == (
        "alex@contoso.com",
        "Alex Wilber",
    )


def test_a_failed_assignment_shows_why_and_an_admin_retries_it(
    m365: Tenant, graph: Graph, open_console: OpenConsole
) -> None:
    """The admin asked for themselves and Nestor, who has no usage location, and approves:
    the pane follows the assignment in Microsoft 365, My requests and the pane say why
    Nestor's license is missing, and a retry assigns it."""
    _block(m365, E3)
    made = m365.admin.post(
        "/api/requests", {"productId": E3, "users": [{"email": "nestor@contoso.com"}]}
    )
    assert made.status_code == 201, made.text
    request_id = made.json()["id"]

    admin = open_console().open(f"#/requests/{request_id}")
    admin.sign_in(m365.id, "admin@contoso.com", admin=True)
    page = admin.page
    pane = page.locator("aside.pane")
    choice = pane.locator("#product-choice")
    expect(choice.get_by_role("radio").first).to_be_checked()
    pane.get_by_role("button", name="Approve", exact=True).click()
    expect(pane.locator("#pane-alert")).to_contain_text(
        "The licenses are being assigned in Microsoft 365"
    )
    status = pane.locator("#fulfilment-status")
    # Shown until the pane looks again (a second later), then what Microsoft 365 did.
    expect(status).to_contain_text("Assigning in Microsoft 365…")
    expect(status).to_contain_text(
        "Some licenses couldn't be assigned in Microsoft 365", timeout=20_000
    )
    person = pane.locator('#request-users li[data-email="nestor@contoso.com"]')
    expect(person).to_contain_text("No usage location is set for this user in Microsoft 365")
    expect(person).to_contain_text("Microsoft 365 said: License assignment cannot be done")
    admin.screenshot("admin-request-failed-assignment", height=1000)
    admin.check_accessibility("failed assignment")

    admin.open("#/my")
    row = page.locator("#my-requests tbody tr", has_text="Office 365 E3")
    expect(row).to_contain_text("Partly assigned in Microsoft 365")
    expect(row.locator('.outcomes li[data-email="admin@contoso.com"]')).to_contain_text(
        "License assigned"
    )
    nestor = row.locator('.outcomes li[data-email="nestor@contoso.com"]')
    expect(nestor).to_contain_text("Assignment failed")
    expect(nestor).to_contain_text("No usage location is set for this user")
    admin.screenshot("requester-my-requests-failed")
    admin.check_accessibility("my requests with a failed assignment")

    patched = graph.graph(m365.id, "PATCH", "/users/nestor@contoso.com", {"usageLocation": "US"})
    assert patched.status_code == 204, patched.text
    admin.open(f"#/requests/{request_id}")
    pane.get_by_role("button", name="Retry failed assignments").click()
    expect(status).to_contain_text("Licenses assigned in Microsoft 365", timeout=20_000)
    expect(person).to_contain_text("License assigned")
    expect(person).not_to_contain_text("No usage location")
    expect(pane.get_by_role("button", name="Retry failed assignments")).to_have_count(0)
    admin.screenshot("admin-request-retried")
    done = m365.admin.get(f"/api/requests/{request_id}").json()
    assert done["fulfilment"] == {**done["fulfilment"], "status": "done", "round": 2}
    licenses = graph.graph(m365.id, "GET", "/users/nestor@contoso.com?$select=assignedLicenses")
    assert E3_SKU in {a["skuId"] for a in licenses.json()["assignedLicenses"]}

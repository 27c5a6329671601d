"""GET/PUT /api/settings/request-process (R6, R7, X9, X10)."""

from __future__ import annotations

from tests.support.api import Tenant

PATH = "/api/settings/request-process"


def test_the_own_process_is_off_by_default(tenant: Tenant) -> None:
    assert tenant.user.get(PATH).json() == {
        "useOwnProcess": False,
        "message": None,
        "documentationUrl": None,
        "updatedAt": None,
        "updatedBy": None,
    }
    assert tenant.admin.get(PATH).json()["notifyAdmins"] == []


def test_an_admin_switches_the_own_process_on_with_audit(tenant: Tenant) -> None:
    body = {
        "useOwnProcess": True,
        "message": "Ask the service desk.",
        "documentationUrl": "https://intranet.contoso.com/licences",
        "notifyAdmins": ["it@contoso.com"],
    }
    saved = tenant.admin.put(PATH, body).json()
    assert saved["useOwnProcess"] is True
    assert saved["message"] == "Ask the service desk."
    assert saved["documentationUrl"] == "https://intranet.contoso.com/licences"
    assert saved["notifyAdmins"] == ["it@contoso.com"]
    assert saved["updatedBy"]["email"] == "admin@contoso.com"
    assert saved["updatedAt"].endswith("Z")
    seen_by_user = tenant.user.get(PATH).json()
    assert seen_by_user["message"] == "Ask the service desk."
    assert "notifyAdmins" not in seen_by_user


def test_switching_off_keeps_the_message_and_omitted_notify_list(tenant: Tenant) -> None:
    tenant.admin.put(
        PATH,
        {"useOwnProcess": True, "message": "Use the portal.", "notifyAdmins": ["a@contoso.com"]},
    )
    saved = tenant.admin.put(PATH, {"useOwnProcess": False, "message": "Use the portal."}).json()
    assert saved["useOwnProcess"] is False
    assert saved["notifyAdmins"] == ["a@contoso.com"]


def test_a_message_is_required_while_the_own_process_is_on(tenant: Tenant) -> None:
    for body in (
        {"useOwnProcess": True},
        {"useOwnProcess": True, "message": ""},
        {"useOwnProcess": True, "message": "x" * 1001},
    ):
        response = tenant.admin.put(PATH, body)
        assert response.status_code == 400, body
        assert response.json()["code"] == "invalid_request"
    assert tenant.admin.get(PATH).json()["useOwnProcess"] is False


def test_documentation_links_must_be_http_or_https(tenant: Tenant) -> None:
    for url in ("ftp://x.contoso.com/a", "javascript:alert(1)", "/relative", "not a url"):
        body = {"useOwnProcess": True, "message": "m", "documentationUrl": url}
        response = tenant.admin.put(PATH, body)
        assert response.status_code == 400, url
        assert response.json()["code"] == "invalid_request"


def test_notify_admins_holds_at_most_twenty_valid_emails(tenant: Tenant) -> None:
    many = [f"a{i}@contoso.com" for i in range(21)]
    assert tenant.admin.put(PATH, {"useOwnProcess": False, "notifyAdmins": many}).status_code == 400
    bad = {"useOwnProcess": False, "notifyAdmins": ["not-an-email"]}
    assert tenant.admin.put(PATH, bad).status_code == 400


def test_only_admins_change_settings(tenant: Tenant) -> None:
    response = tenant.user.put(PATH, {"useOwnProcess": True, "message": "m"})
    assert response.status_code == 403
    assert tenant.user.get(PATH).json()["useOwnProcess"] is False

"""Entra sign-in in a real browser: the vendored MSAL.js runs PKCE in a pop-up.

Microsoft's endpoints are played by Playwright routes (nothing leaves the machine): the
authorize page redirects straight back with a code, the token endpoint checks the PKCE
verifier against the challenge and answers with an access token the dev-mode API accepts.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from playwright.sync_api import Route, expect

from tests.browser.conftest import OpenConsole
from tests.support.api import Tenant, token

CLIENT_ID = "5c1f2a3e-7d1b-4b8e-9a55-0c1e2d3f4a5b"
SCOPE = f"api://{CLIENT_ID}/.default"
ENTRA = "https://login.microsoftonline.com"
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "*"}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class FakeEntra:
    """Just enough of the Microsoft identity platform for MSAL.js's pop-up flow."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.oid = str(uuid.uuid4())
        self.authorize: dict[str, str] = {}
        self.token_form: dict[str, str] = {}

    def metadata(self, tenant: str) -> dict[str, Any]:
        base = f"{ENTRA}/{tenant}"
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "issuer": f"{ENTRA}/{{tenantid}}/v2.0",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
        }

    def handle(self, route: Route) -> None:
        request = route.request
        url = urlsplit(request.url)
        if request.method == "OPTIONS":
            route.fulfill(status=204, headers={**CORS, "Access-Control-Allow-Methods": "*"})
        elif url.path.endswith("/.well-known/openid-configuration"):
            route.fulfill(json=self.metadata(url.path.split("/")[1]), headers=CORS)
        elif url.path.endswith("/discovery/instance"):
            route.fulfill(
                json={
                    "tenant_discovery_endpoint": (
                        f"{ENTRA}/organizations/v2.0/.well-known/openid-configuration"
                    ),
                    "api-version": "1.1",
                    "metadata": [
                        {
                            "preferred_network": "login.microsoftonline.com",
                            "preferred_cache": "login.windows.net",
                            "aliases": ["login.microsoftonline.com", "login.windows.net"],
                        }
                    ],
                },
                headers=CORS,
            )
        elif url.path.endswith("/oauth2/v2.0/authorize"):
            self.authorize = {k: v[0] for k, v in parse_qs(url.query).items()}
            answer = urlencode(
                {
                    "code": "fake-code",
                    "state": self.authorize["state"],
                    "client_info": _b64url(
                        json.dumps({"uid": self.oid, "utid": self.tenant.id}).encode()
                    ),
                }
            )
            mode = self.authorize.get("response_mode", "fragment")
            target = self.authorize["redirect_uri"] + ("?" if mode == "query" else "#") + answer
            route.fulfill(status=302, headers={"Location": target})
        elif url.path.endswith("/oauth2/v2.0/token"):
            self.token_form = {k: v[0] for k, v in parse_qs(request.post_data or "").items()}
            route.fulfill(json=self.tokens(), headers=CORS)
        else:
            route.fulfill(status=404, headers=CORS, body="")

    def tokens(self) -> dict[str, Any]:
        now = int(time.time())
        id_token = jwt.encode(
            {
                "aud": CLIENT_ID,
                "iss": f"{ENTRA}/{self.tenant.id}/v2.0",
                "iat": now,
                "nbf": now,
                "exp": now + 3600,
                "name": "Ada Admin",
                "oid": self.oid,
                "sub": self.oid,
                "tid": self.tenant.id,
                "preferred_username": "admin@contoso.com",
                "nonce": self.authorize.get("nonce", ""),
                "ver": "2.0",
            },
            "not-checked-by-msal-" + "x" * 32,
            algorithm="HS256",
        )
        return {
            "token_type": "Bearer",
            "scope": f"{SCOPE} openid profile offline_access",
            "expires_in": 3600,
            "ext_expires_in": 3600,
            # The dev-mode API accepts this token: it stands in for Entra's access token.
            "access_token": token(
                self.tenant.id, "admin@contoso.com", admin=True, name="Ada Admin"
            ),
            "refresh_token": "fake-refresh-token",
            "id_token": id_token,
            "client_info": _b64url(json.dumps({"uid": self.oid, "utid": self.tenant.id}).encode()),
        }


def test_entra_sign_in_runs_msal_pkce_in_a_popup_and_calls_the_api(
    tenant: Tenant, open_console: OpenConsole
) -> None:
    tenant.add_product("visio-plan-2", name="Visio Plan 2", plans=["visio"])
    tenant.submit("visio-plan-2")
    entra = FakeEntra(tenant)
    console = open_console()
    context = console.page.context
    context.route(f"{ENTRA}/**", entra.handle)
    config = {
        "authMode": "entra",
        "clientId": CLIENT_ID,
        "authority": f"{ENTRA}/organizations",
        "scopes": [SCOPE],
        "redirectPath": "auth-redirect.html",
    }
    context.route("**/api/console/config.json", lambda route: route.fulfill(json=config))

    page = console.open().page
    expect(page.get_by_text("You sign in with your work account")).to_be_visible()
    console.screenshot("sign-in-entra")
    console.check_accessibility("entra sign-in")
    with page.expect_popup() as popup:
        page.get_by_role("button", name="Sign in with Microsoft").click()
    popup.value.wait_for_event("close", timeout=15_000)

    expect(page.get_by_role("heading", name="Requests", level=1)).to_be_visible()
    expect(page.locator("#requests-table")).to_contain_text("Visio Plan 2")
    expect(page.locator("#who")).to_contain_text("Ada Admin")

    # PKCE: S256 challenge in the pop-up, its verifier in the code redemption.
    assert entra.authorize["client_id"] == CLIENT_ID
    assert entra.authorize["code_challenge_method"] == "S256"
    assert SCOPE in entra.authorize["scope"]
    assert entra.authorize["redirect_uri"].endswith("/api/console/auth-redirect.html")
    verifier = entra.token_form["code_verifier"]
    assert _b64url(hashlib.sha256(verifier.encode()).digest()) == entra.authorize["code_challenge"]
    assert entra.token_form["grant_type"] == "authorization_code"
    assert entra.token_form["code"] == "fake-code"

    # Signed in for the tab's session: a reload gets the token from MSAL's cache.
    page.reload()
    expect(page.locator("#requests-table")).to_contain_text("Visio Plan 2")

"""The identity platform side: discovery, client-credentials tokens (with azure-identity),
their errors, and admin consent."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientAssertionCredential, ClientSecretCredential

from tools.graph_emulator.server import GraphEmulator

from .conftest import DEV_CLIENT_ID, DEV_CLIENT_SECRET, local_session

SCOPE = "https://graph.microsoft.com/.default"
OTHER_APP = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"


def _token_call(
    session: requests.Session, base: str, tenant: str, **form: str
) -> requests.Response:
    data = {"grant_type": "client_credentials", "scope": SCOPE, "client_id": DEV_CLIENT_ID, **form}
    return session.post(f"{base}/{tenant}/oauth2/v2.0/token", data=data, timeout=10)


def _identity_error(response: requests.Response) -> tuple[int, str, int]:
    body = response.json()
    assert {
        "error",
        "error_description",
        "error_codes",
        "timestamp",
        "trace_id",
        "correlation_id",
    } <= set(body)
    assert body["error_description"].startswith(f"AADSTS{body['error_codes'][0]}: ")
    return response.status_code, body["error"], body["error_codes"][0]


def test_openid_configuration_points_msal_at_the_emulator(
    emulator: GraphEmulator, session: requests.Session
) -> None:
    config = session.get(
        f"{emulator.base_url}/contoso/v2.0/.well-known/openid-configuration"
    ).json()
    assert config["token_endpoint"] == f"{emulator.base_url}/contoso/oauth2/v2.0/token"
    assert config["authorization_endpoint"] == f"{emulator.base_url}/contoso/oauth2/v2.0/authorize"
    assert config["issuer"] == f"{emulator.base_url}/contoso/v2.0"
    common = session.get(
        f"{emulator.base_url}/organizations/v2.0/.well-known/openid-configuration"
    ).json()
    assert common["issuer"].endswith("/{tenantid}/v2.0")


def test_unknown_tenant_has_no_configuration(
    emulator: GraphEmulator, session: requests.Session
) -> None:
    response = session.get(f"{emulator.base_url}/fabrikam/v2.0/.well-known/openid-configuration")
    assert _identity_error(response) == (400, "invalid_tenant", 90002)


def test_instance_discovery(emulator: GraphEmulator, session: requests.Session) -> None:
    endpoint = f"{emulator.base_url}/contoso/oauth2/v2.0/authorize"
    answer = session.get(
        f"{emulator.base_url}/common/discovery/instance",
        params={"api-version": "1.1", "authorization_endpoint": endpoint},
    ).json()
    assert (
        answer["tenant_discovery_endpoint"]
        == f"{emulator.base_url}/contoso/v2.0/.well-known/openid-configuration"
    )
    assert answer["metadata"][0]["aliases"] == [f"127.0.0.1:{emulator.port}"]


def test_azure_identity_client_secret_credential_gets_a_graph_token(
    emulator: GraphEmulator, ca_bundle: Path
) -> None:
    credential = ClientSecretCredential(
        "contoso",
        DEV_CLIENT_ID,
        DEV_CLIENT_SECRET,
        authority=emulator.base_url,
        disable_instance_discovery=True,
        connection_verify=str(ca_bundle),
    )
    token = credential.get_token(SCOPE)
    claims = jwt.decode(token.token, options={"verify_signature": False})
    assert claims["tid"] == "contoso" and claims["appid"] == DEV_CLIENT_ID
    assert claims["roles"] == sorted(
        ["GroupMember.ReadWrite.All", "LicenseAssignment.ReadWrite.All", "User.Read.All"]
    )
    assert token.expires_on > time.time() + 3000
    users = local_session().get(
        f"{emulator.base_url}/v1.0/users/megan@contoso.com",
        headers={"Authorization": f"Bearer {token.token}"},
        verify=str(ca_bundle),
        timeout=10,
    )
    assert users.status_code == 200 and users.json()["displayName"] == "Megan Bowen"
    assert emulator.stats()["tenants"]["contoso"]["tokenRequests"] == 1


def test_azure_identity_wrong_secret_is_invalid_client(
    emulator: GraphEmulator, ca_bundle: Path
) -> None:
    credential = ClientSecretCredential(
        "contoso",
        DEV_CLIENT_ID,
        "not-the-secret",
        authority=emulator.base_url,
        disable_instance_discovery=True,
        connection_verify=str(ca_bundle),
    )
    with pytest.raises(
        ClientAuthenticationError, match="AADSTS7000215: Invalid client secret provided"
    ):
        credential.get_token(SCOPE)


def test_federated_assertion_credential(emulator: GraphEmulator, ca_bundle: Path) -> None:
    def assertion() -> str:
        now = int(time.time())
        claims = {
            "aud": "api://AzureADTokenExchange",
            "iss": "https://login.example/mi",
            "sub": "mi-object-id",
            "iat": now,
            "exp": now + 600,
        }
        return jwt.encode(claims, "unused-signing-key-for-the-test-only", algorithm="HS256")

    credential = ClientAssertionCredential(
        "contoso",
        DEV_CLIENT_ID,
        assertion,
        authority=emulator.base_url,
        disable_instance_discovery=True,
        connection_verify=str(ca_bundle),
    )
    claims = jwt.decode(credential.get_token(SCOPE).token, options={"verify_signature": False})
    assert claims["appidacr"] == "2"


def test_certificate_style_assertion(emulator: GraphEmulator, session: requests.Session) -> None:
    endpoint = f"{emulator.base_url}/contoso/oauth2/v2.0/token"
    now = int(time.time())
    good = {
        "aud": endpoint,
        "iss": DEV_CLIENT_ID,
        "sub": DEV_CLIENT_ID,
        "jti": "1",
        "nbf": now,
        "exp": now + 600,
    }
    form = {"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}
    ok = _token_call(
        session, emulator.base_url, "contoso", client_assertion=jwt.encode(good, "k" * 32), **form
    )
    assert ok.status_code == 200 and set(ok.json()) == {
        "token_type",
        "expires_in",
        "ext_expires_in",
        "access_token",
    }
    wrong_app = {**good, "iss": OTHER_APP, "sub": OTHER_APP}
    bad = _token_call(
        session,
        emulator.base_url,
        "contoso",
        client_assertion=jwt.encode(wrong_app, "k" * 32),
        **form,
    )
    assert _identity_error(bad) == (401, "invalid_client", 700021)
    expired = {**good, "exp": now - 3600}
    late = _token_call(
        session,
        emulator.base_url,
        "contoso",
        client_assertion=jwt.encode(expired, "k" * 32),
        **form,
    )
    assert _identity_error(late) == (401, "invalid_client", 700024)
    garbage = _token_call(
        session, emulator.base_url, "contoso", client_assertion="not-a-jwt", **form
    )
    assert _identity_error(garbage) == (401, "invalid_client", 50027)


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"client_secret": "x", "client_id": OTHER_APP}, (400, "unauthorized_client", 700016)),
        ({}, (401, "invalid_client", 7000218)),
        (
            {"client_secret": DEV_CLIENT_SECRET, "scope": "User.Read"},
            (400, "invalid_scope", 1002012),
        ),
        (
            {"client_secret": DEV_CLIENT_SECRET, "scope": "https://vault.azure.net/.default"},
            (400, "invalid_resource", 500011),
        ),
        (
            {"client_secret": DEV_CLIENT_SECRET, "grant_type": "password"},
            (400, "unsupported_grant_type", 70003),
        ),
        ({"client_secret": DEV_CLIENT_SECRET, "grant_type": ""}, (400, "invalid_request", 900144)),
    ],
)
def test_token_errors(
    emulator: GraphEmulator,
    session: requests.Session,
    form: dict[str, str],
    expected: tuple[int, str, int],
) -> None:
    assert _identity_error(_token_call(session, emulator.base_url, "contoso", **form)) == expected


def test_not_consented_message_names_app_and_directory(
    emulator: GraphEmulator, session: requests.Session
) -> None:
    response = _token_call(
        session, emulator.base_url, "contoso", client_id=OTHER_APP, client_secret="s"
    )
    description = response.json()["error_description"]
    assert description.startswith(
        f"AADSTS700016: Application with identifier '{OTHER_APP}' was not found in the "
        "directory 'contoso'."
    )
    assert "\r\nTrace ID: " in description and "\r\nCorrelation ID: " in description


def test_admin_consent_redirects_and_records_consent(
    emulator: GraphEmulator, session: requests.Session
) -> None:
    params = {
        "client_id": OTHER_APP,
        "scope": SCOPE,
        "redirect_uri": "https://app.example/callback?x=1",
        "state": "s1",
    }
    response = session.get(
        f"{emulator.base_url}/contoso/v2.0/adminconsent", params=params, allow_redirects=False
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc == "app.example" and location.path == "/callback"
    query = parse_qs(location.query)
    assert query == {
        "x": ["1"],
        "admin_consent": ["True"],
        "tenant": ["contoso"],
        "scope": [SCOPE],
        "state": ["s1"],
    }
    token = _token_call(
        session, emulator.base_url, "contoso", client_id=OTHER_APP, client_secret="any"
    )
    assert token.status_code == 200


def test_admin_consent_for_organizations_and_a_new_tenant(
    emulator: GraphEmulator, session: requests.Session
) -> None:
    params = {
        "client_id": DEV_CLIENT_ID,
        "redirect_uri": "https://app.example/cb",
        "state": "s2",
        "tenant": "fabrikam",
    }
    response = session.get(
        f"{emulator.base_url}/organizations/v2.0/adminconsent", params=params, allow_redirects=False
    )
    assert parse_qs(urlsplit(response.headers["Location"]).query)["tenant"] == ["fabrikam"]
    token = _token_call(session, emulator.base_url, "fabrikam", client_secret=DEV_CLIENT_SECRET)
    assert token.status_code == 200
    skus = session.get(
        f"{emulator.base_url}/v1.0/subscribedSkus",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
    )
    assert skus.status_code == 200 and skus.json()["value"] == []
    hint = {**params, "tenant": "", "login_hint": "admin@contoso.com"}
    again = session.get(
        f"{emulator.base_url}/common/v2.0/adminconsent", params=hint, allow_redirects=False
    )
    assert parse_qs(urlsplit(again.headers["Location"]).query)["tenant"] == ["contoso"]


def test_admin_consent_denied(emulator: GraphEmulator, session: requests.Session) -> None:
    params = {
        "client_id": OTHER_APP,
        "redirect_uri": "https://app.example/cb",
        "state": "s3",
        "deny": "1",
    }
    response = session.get(
        f"{emulator.base_url}/contoso/v2.0/adminconsent", params=params, allow_redirects=False
    )
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["s3"]
    assert query["error_description"] == [
        "AADSTS65004: User declined to consent to access the app."
    ]
    assert (
        _token_call(
            session, emulator.base_url, "contoso", client_id=OTHER_APP, client_secret="x"
        ).status_code
        == 400
    )


def test_admin_consent_checks_registered_redirect_uris(
    emulator: GraphEmulator, session: requests.Session
) -> None:
    app = {"secrets": [DEV_CLIENT_SECRET], "redirectUris": ["https://app.example/cb"]}
    assert (
        session.put(f"{emulator.base_url}/_emulator/apps/{DEV_CLIENT_ID}", json=app).status_code
        == 200
    )
    params = {"client_id": DEV_CLIENT_ID, "redirect_uri": "https://evil.example/cb"}
    response = session.get(
        f"{emulator.base_url}/contoso/v2.0/adminconsent", params=params, allow_redirects=False
    )
    assert _identity_error(response) == (400, "invalid_request", 50011)

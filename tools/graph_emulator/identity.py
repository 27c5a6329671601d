"""The Microsoft identity platform's part: discovery, client-credentials tokens (minted by
tokens.py), admin consent, and its error answers (`AADSTS...`)."""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt

from .protocol import Request, Response, json_response, utc_now
from .state import DEFAULT_ROLES, EmulatorState
from .tokens import GRAPH_AUDIENCES, TOKEN_LIFETIME, TokenService

GRAPH_SCOPES = {f"{aud}/.default" for aud in GRAPH_AUDIENCES} | {
    "https://graph.microsoft.com//.default"
}
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
GENERIC_TENANTS = ("common", "organizations", "consumers")


class IdentityError(Exception):
    """An identity platform error answer (`error`, `AADSTS{code}: ...`)."""

    def __init__(self, status: int, error: str, code: int, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.code, self.description = status, error, code, description

    def response(self, base: str, headers: dict[str, str] | None = None) -> Response:
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = utc_now().strftime("%Y-%m-%d %H:%M:%SZ")
        payload = {
            "error": self.error,
            "error_description": f"AADSTS{self.code}: {self.description}\r\nTrace ID: {trace}"
            f"\r\nCorrelation ID: {correlation}\r\nTimestamp: {stamp}",
            "error_codes": [self.code],
            "timestamp": stamp,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"{base}/error?code={self.code}",
        }
        return json_response(
            self.status,
            payload,
            {"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        )


def _missing(name: str) -> IdentityError:
    return IdentityError(
        400,
        "invalid_request",
        900144,
        f"The request body must contain the following parameter: '{name}'.",
    )


def _tenant_not_found(name: str) -> IdentityError:
    return IdentityError(
        400,
        "invalid_tenant" if name else "invalid_request",
        90002,
        f"Tenant '{name}' not found. Check to make sure you have the correct tenant ID and are "
        "signing into the correct cloud. Check with your subscription administrator, this may "
        "happen if there are no active subscriptions for the tenant.",
    )


def _not_consented(app_id: str, tenant: str) -> IdentityError:
    return IdentityError(
        400,
        "unauthorized_client",
        700016,
        f"Application with identifier '{app_id}' was not found in the directory '{tenant}'. This "
        "can happen if the application has not been installed by the administrator of the tenant "
        "or consented to by any user in the tenant. You may have sent your authentication request "
        "to the wrong tenant.",
    )


class IdentityApi:
    def __init__(self, state: EmulatorState, tokens: TokenService) -> None:
        self.state = state
        self.tokens = tokens

    def handle(self, req: Request, segs: list[str]) -> Response | None:
        """Answer an identity platform path, or None when `req` is not one."""
        if len(segs) == 3 and [s.lower() for s in segs] == ["common", "discovery", "instance"]:
            return self.instance_discovery(req)
        if len(segs) < 2:
            return None
        tenant, rest = segs[0], [s.lower() for s in segs[1:]]
        try:
            if rest == ["v2.0", ".well-known", "openid-configuration"] and req.method == "GET":
                return self.openid_configuration(req, tenant)
            if rest == ["discovery", "v2.0", "keys"] and req.method == "GET":
                return json_response(200, {"keys": []}, {"Content-Type": "application/json"})
            if rest == ["oauth2", "v2.0", "token"] and req.method == "POST":
                return self.token(req, tenant)
            if rest == ["v2.0", "adminconsent"] and req.method == "GET":
                return self.admin_consent(req, tenant)
        except IdentityError as exc:
            return exc.response(req.base_url)
        return None

    def instance_discovery(self, req: Request) -> Response:
        endpoint = req.query.get("authorization_endpoint", "")
        path = [p for p in urlsplit(endpoint).path.split("/") if p]
        tenant = path[0] if path else "common"
        host = urlsplit(req.base_url).netloc
        discovery = f"{req.base_url}/{tenant}/v2.0/.well-known/openid-configuration"
        payload = {
            "tenant_discovery_endpoint": discovery,
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        }
        return json_response(200, payload, {"Content-Type": "application/json"})

    def openid_configuration(self, req: Request, tenant: str) -> Response:
        if tenant.lower() not in GENERIC_TENANTS and self.state.find_tenant(tenant) is None:
            raise _tenant_not_found(tenant)
        base = f"{req.base_url}/{tenant}"
        issuer_tenant = "{tenantid}" if tenant.lower() in GENERIC_TENANTS else tenant
        payload: dict[str, Any] = {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{req.base_url}/{issuer_tenant}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{req.base_url}/oidc/userinfo",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "tid", "oid"],
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": urlsplit(req.base_url).netloc,
        }
        return json_response(200, payload, {"Content-Type": "application/json; charset=utf-8"})

    def token(self, req: Request, tenant_name: str) -> Response:
        form = dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
        known = self.state.find_tenant(tenant_name)
        key = known.key if known is not None else tenant_name.lower()
        self.state.count(key, "tokenRequests", "token")
        fault = self.state.take_fault(key, "token")
        if fault is not None:
            error = IdentityError(
                429 if fault.kind == "throttle" else 503,
                "temporarily_unavailable",
                90033,
                "A transient error has occurred. Please try again.",
            )
            return error.response(req.base_url, {"Retry-After": str(fault.retry_after)})
        for name in ("grant_type", "client_id", "scope"):
            if not form.get(name):
                raise _missing(name)
        if form["grant_type"] != "client_credentials":
            raise IdentityError(
                400,
                "unsupported_grant_type",
                70003,
                f"The app requested an unsupported grant type '{form['grant_type']}'.",
            )
        app_id = form["client_id"].lower()
        self._check_scope(form["scope"], tenant_name)
        with self.state.lock:
            tenant = self.state.find_tenant(tenant_name)
            if tenant is None:
                raise _tenant_not_found(tenant_name)
            acr = self._check_credentials(form, app_id)
            roles = tenant.consents.get(app_id)
            if roles is None:
                raise _not_consented(form["client_id"], tenant_name)
            app = self.state.app(app_id)
            name = app.display_name if app and app.display_name else app_id
            token = self.tokens.mint(tenant.key, app_id, roles, name, acr)
        payload = {
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "ext_expires_in": TOKEN_LIFETIME,
            "access_token": token,
        }
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Cache-Control": "no-store, no-cache",
        }
        return json_response(200, payload, headers)

    def _check_scope(self, scope: str, tenant: str) -> None:
        scopes = scope.split()
        if len(scopes) == 1 and scopes[0] in GRAPH_SCOPES:
            return
        if not all(s.endswith("/.default") for s in scopes):
            raise IdentityError(
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope {scope} is not valid. Client credential flows must "
                "have a scope value with /.default suffixed to the resource identifier "
                "(application ID URI).",
            )
        resource = scopes[0].removesuffix("/.default")
        raise IdentityError(
            400,
            "invalid_resource",
            500011,
            f"The resource principal named {resource} was not found in the tenant named {tenant}. "
            "This can happen if the application has not been installed by the administrator of "
            "the tenant or consented to by any user in the tenant. You might have sent your "
            "authentication request to the wrong tenant.",
        )

    def _check_credentials(self, form: dict[str, str], app_id: str) -> str:
        """Check the client secret or assertion; the token's `appidacr` (1 secret, 2 other)."""
        app = self.state.app(app_id)
        if form.get("client_secret"):
            if app is not None and app.secrets and form["client_secret"] not in app.secrets:
                raise IdentityError(
                    401,
                    "invalid_client",
                    7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the request "
                    "is the client secret value, not the client secret ID, for a secret added to "
                    f"app '{form['client_id']}'.",
                )
            return "1"
        if form.get("client_assertion"):
            if form.get("client_assertion_type") != JWT_BEARER:
                raise _missing("client_assertion_type")
            _check_assertion(form["client_assertion"], form["client_id"])
            return "2"
        raise IdentityError(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or "
            "'client_secret'.",
        )

    def admin_consent(self, req: Request, tenant_name: str) -> Response:
        q = req.query
        for name in ("client_id", "redirect_uri"):
            if not q.get(name):
                raise _missing(name)
        app_id, redirect = q["client_id"].lower(), q["redirect_uri"]
        app = self.state.app(app_id)
        if app is not None and app.redirect_uris and redirect not in app.redirect_uris:
            raise IdentityError(
                400,
                "invalid_request",
                50011,
                f"The redirect URI '{redirect}' specified in the request does not match the "
                f"redirect URIs configured for the application '{q['client_id']}'.",
            )
        state_param = {"state": q["state"]} if "state" in q else {}
        if q.get("deny") in ("1", "true", "True"):
            params = {
                "error": "access_denied",
                "error_subcode": "cancel",
                "error_description": "AADSTS65004: User declined to consent to access the app.",
                **state_param,
            }
            return _redirect(redirect, params)
        name = tenant_name
        if tenant_name.lower() in GENERIC_TENANTS:
            hint = q.get("tenant") or q.get("login_hint", "").rpartition("@")[2]
            name = hint or self.state.default_tenant
        with self.state.lock:
            tenant = self.state.ensure_tenant(name)
            tenant.consents[app_id] = list(app.roles if app else DEFAULT_ROLES)
            self.state.touch()
        params = {"admin_consent": "True", "tenant": tenant.key}
        if "scope" in q:
            params["scope"] = q["scope"]
        return _redirect(redirect, {**params, **state_param})


def _redirect(target: str, params: dict[str, str]) -> Response:
    separator = "&" if "?" in target else "?"
    location = target + separator + urlencode(params)
    return Response(302, {"Location": location, "Content-Length": "0"}, b"")


def _check_assertion(assertion: str, client_id: str) -> None:
    """A client assertion must be a well-formed JWT, current, and plausibly for this app.

    Signatures are not checked. Accepted: a certificate assertion (iss = sub = client_id,
    aud = a token endpoint) or a federated one (aud = api://AzureADTokenExchange).
    """
    try:
        claims = jwt.decode(assertion, options={"verify_signature": False, "verify_aud": False})
    except jwt.PyJWTError:
        raise IdentityError(
            401, "invalid_client", 50027, "JWT token is invalid or malformed."
        ) from None
    now = time.time()
    if float(claims.get("exp", 0)) < now - 300 or float(claims.get("nbf", 0)) > now + 300:
        raise IdentityError(
            401, "invalid_client", 700024, "Client assertion is not within its valid time range."
        )
    audiences = claims.get("aud")
    aud_list = [audiences] if isinstance(audiences, str) else list(audiences or [])
    if TOKEN_EXCHANGE_AUDIENCE in aud_list:
        if not claims.get("iss") or not claims.get("sub"):
            raise IdentityError(
                401,
                "invalid_client",
                70021,
                "No matching federated identity record found for presented assertion.",
            )
        return
    if (
        str(claims.get("iss", "")).lower() != client_id.lower()
        or str(claims.get("sub", "")).lower() != client_id.lower()
    ):
        raise IdentityError(
            401,
            "invalid_client",
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.",
        )
    if not any("/oauth2/" in str(a) and str(a).endswith("/token") for a in aud_list):
        raise IdentityError(
            401,
            "invalid_client",
            700023,
            "Client assertion audience claim does not match Realm issuer.",
        )

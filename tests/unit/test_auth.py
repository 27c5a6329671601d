"""Bearer-token authentication with real crypto: dev (HS256) and Entra (RS256 + JWKS)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from shared.adapters.auth import (
    DevTokenVerifier,
    EntraTokenVerifier,
    RememberingVerifier,
    build_verifier,
    mint_dev_token,
    principal_from_header,
)
from shared.config import Settings
from shared.domain.errors import AuthUnavailable, Unauthorized
from shared.domain.identity import (
    GLOBAL_ADMIN_ROLE_ID,
    LICENSE_ADMIN_ROLE_ID,
    USER_ADMIN_ROLE_ID,
    Principal,
)
from tests.support.azurite import free_port

SECRET = "unit-test-dev-secret-0123456789abcdef0123456789"
TENANT_ID = "11111111-2222-3333-4444-555555555555"
OTHER_TENANT_ID = "99999999-8888-7777-6666-555555555555"
AUDIENCE = "api://license-requests"
KID = "test-key-1"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def segment(obj: dict[str, Any]) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def unsigned_token(payload: dict[str, Any]) -> str:
    """alg=none: header + payload + empty signature, as an attacker would send it."""
    return f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(payload)}."


def hs256_token(payload: dict[str, Any], key: bytes, header: dict[str, Any] | None = None) -> str:
    """HS256 by hand, so any bytes (even a PEM public key) can be the HMAC secret."""
    signing_input = f"{segment(header or {'alg': 'HS256', 'typ': 'JWT'})}.{segment(payload)}"
    sig = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(sig)}"


def expect_unauthorized(verifier: Any, token: str, fragment: str) -> Unauthorized:
    with pytest.raises(Unauthorized) as info:
        verifier.verify(token)
    assert fragment.lower() in info.value.detail.lower()
    assert token not in info.value.detail
    assert info.value.headers.get("WWW-Authenticate") == "Bearer"
    return info.value


# --------------------------------------------------------------------------- dev


@pytest.fixture
def dev() -> DevTokenVerifier:
    return DevTokenVerifier(SECRET)


def dev_claims(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": "license-requests-dev",
        "aud": "license-requests-dev",
        "tid": "contoso",
        "oid": str(uuid.uuid4()),
        "name": "Alice",
        "preferred_username": "alice@contoso.com",
        "wids": [],
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def test_a_minted_dev_token_yields_the_users_principal(dev: DevTokenVerifier) -> None:
    token = mint_dev_token(SECRET, "contoso", "alice@contoso.com", name="Alice Adams")
    principal = dev.verify(token)
    assert principal == Principal(
        tenant_id="contoso",
        user_id=principal.user_id,
        name="Alice Adams",
        email="alice@contoso.com",
        is_global_admin=False,
    )
    uuid.UUID(principal.user_id)


def test_a_minted_admin_token_marks_the_principal_as_global_admin(dev: DevTokenVerifier) -> None:
    token = mint_dev_token(SECRET, "contoso", "boss@contoso.com", admin=True)
    principal = dev.verify(token)
    assert principal.is_global_admin is True
    assert principal.name == "boss"
    assert jwt.decode(token, options={"verify_signature": False})["wids"] == [GLOBAL_ADMIN_ROLE_ID]


def test_the_same_person_always_gets_the_same_user_id(dev: DevTokenVerifier) -> None:
    first = dev.verify(mint_dev_token(SECRET, "contoso", "alice@contoso.com"))
    again = dev.verify(mint_dev_token(SECRET, "contoso", "  Alice@Contoso.com "))
    elsewhere = dev.verify(mint_dev_token(SECRET, "fabrikam", "alice@contoso.com"))
    someone_else = dev.verify(mint_dev_token(SECRET, "contoso", "bob@contoso.com"))
    assert first.user_id == again.user_id
    assert first.user_id != elsewhere.user_id
    assert first.user_id != someone_else.user_id


def test_an_expired_dev_token_is_refused(dev: DevTokenVerifier) -> None:
    token = mint_dev_token(
        SECRET,
        "contoso",
        "alice@contoso.com",
        lifetime=timedelta(hours=1),
        now=datetime.now(UTC) - timedelta(hours=2),
    )
    expect_unauthorized(dev, token, "expired")


def test_a_dev_token_within_the_leeway_is_still_accepted(dev: DevTokenVerifier) -> None:
    token = mint_dev_token(
        SECRET,
        "contoso",
        "alice@contoso.com",
        lifetime=timedelta(minutes=10),
        now=datetime.now(UTC) - timedelta(minutes=10, seconds=10),
    )
    assert dev.verify(token).tenant_id == "contoso"


def test_a_dev_token_signed_with_another_secret_is_refused(dev: DevTokenVerifier) -> None:
    token = mint_dev_token("another-secret-0123456789abcdef0123456789", "contoso", "a@b.c")
    expect_unauthorized(dev, token, "signature")


def test_an_unsigned_alg_none_token_is_refused(dev: DevTokenVerifier) -> None:
    expect_unauthorized(dev, unsigned_token(dev_claims()), "algorithm")


def test_an_rs256_token_is_refused_in_dev_mode(dev: DevTokenVerifier) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(dev_claims(), key, algorithm="RS256")
    expect_unauthorized(dev, token, "algorithm")


def test_a_dev_token_with_a_foreign_issuer_or_audience_is_refused(dev: DevTokenVerifier) -> None:
    expect_unauthorized(dev, jwt.encode(dev_claims(iss="someone"), SECRET, "HS256"), "issuer")
    expect_unauthorized(dev, jwt.encode(dev_claims(aud="someone"), SECRET, "HS256"), "audience")


@pytest.mark.parametrize("claim", ["exp", "tid", "oid", "iss", "aud"])
def test_a_dev_token_missing_a_required_claim_is_refused(dev: DevTokenVerifier, claim: str) -> None:
    token = jwt.encode(dev_claims(**{claim: None}), SECRET, "HS256")
    expect_unauthorized(dev, token, claim)


@pytest.mark.parametrize("tenant", ["", "../other", "a b", "-leading-dash", "x" * 65, "t|x"])
def test_a_tenant_id_unfit_for_a_partition_key_is_refused(
    dev: DevTokenVerifier, tenant: str
) -> None:
    token = jwt.encode(dev_claims(tid=tenant), SECRET, "HS256")
    expect_unauthorized(dev, token, "tenant")


def test_a_non_string_tenant_or_user_id_is_refused(dev: DevTokenVerifier) -> None:
    expect_unauthorized(dev, jwt.encode(dev_claims(tid=42), SECRET, "HS256"), "tenant")
    expect_unauthorized(dev, jwt.encode(dev_claims(oid="a/b"), SECRET, "HS256"), "user id")


def test_the_email_falls_back_to_email_then_upn(dev: DevTokenVerifier) -> None:
    by_email = dev_claims(preferred_username=None, email=" e@contoso.com ")
    by_upn = dev_claims(preferred_username=None, upn="u@contoso.com", name=None)
    assert dev.verify(jwt.encode(by_email, SECRET, "HS256")).email == "e@contoso.com"
    principal = dev.verify(jwt.encode(by_upn, SECRET, "HS256"))
    assert principal.email == "u@contoso.com"
    assert principal.name == "u@contoso.com"


def test_a_token_without_any_email_claim_is_refused(dev: DevTokenVerifier) -> None:
    token = jwt.encode(dev_claims(preferred_username=None), SECRET, "HS256")
    expect_unauthorized(dev, token, "user name")


def test_a_malformed_wids_claim_is_refused(dev: DevTokenVerifier) -> None:
    expect_unauthorized(dev, jwt.encode(dev_claims(wids="admin"), SECRET, "HS256"), "wids")
    expect_unauthorized(dev, jwt.encode(dev_claims(wids=[1]), SECRET, "HS256"), "wids")


@pytest.mark.parametrize(
    ("wids", "roles"),
    [
        ([GLOBAL_ADMIN_ROLE_ID], {"global"}),
        ([LICENSE_ADMIN_ROLE_ID.upper()], {"license"}),
        ([USER_ADMIN_ROLE_ID, "b79fbf4d-3ef9-4689-8143-76b194e85509"], {"user"}),
        (["b79fbf4d-3ef9-4689-8143-76b194e85509"], set()),
    ],
)
def test_the_admin_roles_come_from_wids(
    dev: DevTokenVerifier, wids: list[str], roles: set[str]
) -> None:
    principal = dev.verify(jwt.encode(dev_claims(wids=wids), SECRET, "HS256"))
    assert principal.roles == roles
    assert principal.is_global_admin is ("global" in roles)


@pytest.mark.parametrize("role", ["global", "license", "user"])
def test_dev_tokens_carry_any_admin_role(dev: DevTokenVerifier, role: str) -> None:
    token = mint_dev_token(SECRET, "contoso", "ada@contoso.com", role=role)  # type: ignore[arg-type]
    assert dev.verify(token).roles == {role}


def test_a_missing_wids_claim_means_not_an_admin(dev: DevTokenVerifier) -> None:
    assert dev.verify(jwt.encode(dev_claims(wids=None), SECRET, "HS256")).is_global_admin is False


@pytest.mark.parametrize("garbage", ["garbage", "a.b.c", "...", "eyJhbGciOiJIUzI1NiJ9.e30"])
def test_garbage_is_refused_as_malformed(dev: DevTokenVerifier, garbage: str) -> None:
    expect_unauthorized(dev, garbage, "")


def test_minting_refuses_an_unusable_tenant_or_email() -> None:
    with pytest.raises(ValueError, match="tenant"):
        mint_dev_token(SECRET, "bad tenant", "a@b.c")
    with pytest.raises(ValueError, match="email"):
        mint_dev_token(SECRET, "contoso", "  ")


# --------------------------------------------------------------------------- header


def test_a_bearer_header_is_verified_into_a_principal(dev: DevTokenVerifier) -> None:
    token = mint_dev_token(SECRET, "contoso", "alice@contoso.com")
    assert principal_from_header(dev, f"Bearer {token}").email == "alice@contoso.com"
    assert principal_from_header(dev, f"bearer   {token} ").tenant_id == "contoso"


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        (None, "missing"),
        ("", "missing"),
        ("Basic dXNlcjpwYXNz", "bearer scheme"),
        ("Bearer", "empty"),
        ("Bearer    ", "empty"),
        ("Bearer a b", "malformed"),
        ("Bearer " + "a" * 20_000, "malformed"),
        ("Bearer not-a-jwt", "malformed"),
    ],
)
def test_a_missing_or_malformed_header_is_refused_with_a_bearer_challenge(
    dev: DevTokenVerifier, header: str | None, fragment: str
) -> None:
    with pytest.raises(Unauthorized) as info:
        principal_from_header(dev, header)
    assert fragment in info.value.detail.lower()
    assert info.value.headers["WWW-Authenticate"] == "Bearer"
    assert info.value.status == 401


def test_the_header_adds_the_challenge_to_errors_from_any_verifier() -> None:
    class Refuses:
        def verify(self, token: str) -> Principal:
            raise Unauthorized("nope")

    with pytest.raises(Unauthorized) as info:
        principal_from_header(Refuses(), "Bearer x.y.z")
    assert info.value.headers["WWW-Authenticate"] == "Bearer"


# --------------------------------------------------------------------------- entra


@dataclass
class Jwks:
    """A JWKS endpoint on loopback, like login.microsoftonline.com/.../discovery/v2.0/keys."""

    base: str
    private_key: rsa.RSAPrivateKey
    requests: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.base}/keys"

    @property
    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@pytest.fixture(scope="module")
def jwks() -> Iterator[Jwks]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update({"kid": KID, "use": "sig"})
    bodies = {
        "/keys": (200, json.dumps({"keys": [jwk]}).encode()),
        "/broken": (500, b"oops"),
        "/notjson": (200, b"<html>not json</html>"),
        "/nokeys": (200, b'{"keys": []}'),
    }
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            status, body = bodies.get(self.path, (404, b"{}"))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Jwks(f"http://127.0.0.1:{server.server_address[1]}", key, seen)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def entra(jwks: Jwks) -> EntraTokenVerifier:
    return EntraTokenVerifier([AUDIENCE], jwks.url)


def entra_claims(tid: str = TENANT_ID, **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "aud": AUDIENCE,
        "iss": f"https://login.microsoftonline.com/{tid}/v2.0",
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
        "tid": tid,
        "oid": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "name": "Alice Adams",
        "preferred_username": "alice@contoso.com",
        "wids": [GLOBAL_ADMIN_ROLE_ID, "b79fbf4d-3ef9-4689-8143-76b194e85509"],
        "ver": "2.0",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def rs256(jwks: Jwks, claims: dict[str, Any], kid: str = KID) -> str:
    return jwt.encode(claims, jwks.private_key, algorithm="RS256", headers={"kid": kid})


def test_a_valid_entra_token_yields_the_users_principal(
    entra: EntraTokenVerifier, jwks: Jwks
) -> None:
    assert entra.verify(rs256(jwks, entra_claims())) == Principal(
        tenant_id=TENANT_ID,
        user_id="aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        name="Alice Adams",
        email="alice@contoso.com",
        is_global_admin=True,
    )


def test_entra_keys_are_fetched_once_and_then_cached(jwks: Jwks) -> None:
    verifier = EntraTokenVerifier([AUDIENCE], jwks.url)
    before = len(jwks.requests)
    for _ in range(3):
        verifier.verify(rs256(jwks, entra_claims()))
    assert len(jwks.requests) - before == 1


def test_any_of_several_audiences_is_accepted(jwks: Jwks) -> None:
    verifier = EntraTokenVerifier(["api://other", AUDIENCE], jwks.url)
    assert verifier.verify(rs256(jwks, entra_claims())).tenant_id == TENANT_ID


def test_an_entra_token_for_another_audience_is_refused(
    entra: EntraTokenVerifier, jwks: Jwks
) -> None:
    expect_unauthorized(entra, rs256(jwks, entra_claims(aud="api://someone-else")), "audience")


def test_an_entra_token_from_a_foreign_issuer_is_refused(
    entra: EntraTokenVerifier, jwks: Jwks
) -> None:
    claims = entra_claims(iss="https://evil.example/v2.0")
    expect_unauthorized(entra, rs256(jwks, claims), "issuer")
    v1 = entra_claims(iss=f"https://sts.windows.net/{TENANT_ID}/")
    expect_unauthorized(entra, rs256(jwks, v1), "issuer")


def test_an_entra_token_whose_issuer_names_another_tenant_is_refused(
    entra: EntraTokenVerifier, jwks: Jwks
) -> None:
    claims = entra_claims(iss=f"https://login.microsoftonline.com/{OTHER_TENANT_ID}/v2.0")
    expect_unauthorized(entra, rs256(jwks, claims), "issuer")


def test_an_expired_entra_token_is_refused(entra: EntraTokenVerifier, jwks: Jwks) -> None:
    past = datetime.now(UTC) - timedelta(hours=2)
    claims = entra_claims(
        iat=int(past.timestamp()),
        nbf=int(past.timestamp()),
        exp=int((past + timedelta(hours=1)).timestamp()),
    )
    expect_unauthorized(entra, rs256(jwks, claims), "expired")


def test_an_entra_token_without_expiry_is_refused(entra: EntraTokenVerifier, jwks: Jwks) -> None:
    expect_unauthorized(entra, rs256(jwks, entra_claims(exp=None)), "exp")


def test_an_hs256_token_keyed_with_the_public_key_pem_is_refused(
    entra: EntraTokenVerifier, jwks: Jwks
) -> None:
    header = {"alg": "HS256", "typ": "JWT", "kid": KID}
    before = len(jwks.requests)
    expect_unauthorized(entra, hs256_token(entra_claims(), jwks.public_pem, header), "algorithm")
    assert len(jwks.requests) == before, "refused before any key was fetched"


def test_an_unsigned_alg_none_token_is_refused_by_entra(
    entra: EntraTokenVerifier, jwks: Jwks
) -> None:
    expect_unauthorized(entra, unsigned_token(entra_claims()), "algorithm")


def test_an_entra_token_with_a_forged_signature_is_refused(
    entra: EntraTokenVerifier, jwks: Jwks
) -> None:
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(entra_claims(), impostor, algorithm="RS256", headers={"kid": KID})
    expect_unauthorized(entra, token, "signature")


def test_an_entra_token_signed_with_an_unknown_key_id_is_refused(
    entra: EntraTokenVerifier, jwks: Jwks
) -> None:
    expect_unauthorized(entra, rs256(jwks, entra_claims(), kid="rotated-away"), "unknown key")


def test_an_entra_token_without_a_key_id_is_refused(entra: EntraTokenVerifier, jwks: Jwks) -> None:
    token = jwt.encode(entra_claims(), jwks.private_key, algorithm="RS256")
    expect_unauthorized(entra, token, "key id")


def test_an_entra_token_whose_tenant_is_not_a_guid_is_refused(
    entra: EntraTokenVerifier, jwks: Jwks
) -> None:
    expect_unauthorized(entra, rs256(jwks, entra_claims(tid="contoso")), "tenant")


def test_an_entra_token_from_a_tenant_outside_the_allow_list_is_refused(jwks: Jwks) -> None:
    verifier = EntraTokenVerifier([AUDIENCE], jwks.url, frozenset({OTHER_TENANT_ID.upper()}))
    expect_unauthorized(verifier, rs256(jwks, entra_claims()), "tenant")
    assert verifier.verify(rs256(jwks, entra_claims(tid=OTHER_TENANT_ID))).tenant_id == (
        OTHER_TENANT_ID
    )


def test_an_unreachable_key_endpoint_is_a_503_not_a_401(jwks: Jwks) -> None:
    verifier = EntraTokenVerifier([AUDIENCE], f"http://127.0.0.1:{free_port()}/keys")
    with pytest.raises(AuthUnavailable) as info:
        verifier.verify(rs256(jwks, entra_claims()))
    assert info.value.status == 503
    assert "Retry-After" in info.value.headers
    # The cause is logged, not shown: no library or exception name in the answer.
    assert str(info.value) == "Token signing keys are unavailable; try again shortly."


@pytest.mark.parametrize("path", ["/broken", "/notjson", "/nokeys", "/missing"])
def test_a_broken_key_endpoint_response_is_a_503(jwks: Jwks, path: str) -> None:
    verifier = EntraTokenVerifier([AUDIENCE], jwks.base + path)
    with pytest.raises(AuthUnavailable) as info:
        verifier.verify(rs256(jwks, entra_claims()))
    assert "Error" not in str(info.value) and "PyJWK" not in str(info.value)


def test_an_entra_verifier_needs_an_audience(jwks: Jwks) -> None:
    with pytest.raises(ValueError, match="audience"):
        EntraTokenVerifier([], jwks.url)


# --------------------------------------------------------------------------- wiring


def test_the_verifier_follows_the_auth_mode(jwks: Jwks) -> None:
    assert isinstance(build_verifier(Settings(auth_mode="dev")), DevTokenVerifier)
    entra = build_verifier(
        Settings(auth_mode="entra", auth_audience=(AUDIENCE,), auth_jwks_url=jwks.url)
    )
    assert isinstance(entra, EntraTokenVerifier)
    assert entra.verify(rs256(jwks, entra_claims())).is_global_admin is True


def test_the_dev_verifier_uses_the_configured_secret() -> None:
    verifier = build_verifier(Settings(auth_mode="dev", dev_jwt_secret=SECRET))
    assert verifier.verify(mint_dev_token(SECRET, "contoso", "a@contoso.com")).email == (
        "a@contoso.com"
    )


# --------------------------------------------------------------------------- remembering


class CountingVerifier:
    def __init__(self) -> None:
        self.inner = DevTokenVerifier(SECRET, leeway_seconds=0)
        self.calls = 0

    def verify(self, token: str) -> Any:
        self.calls += 1
        return self.inner.verify(token)


def test_a_token_is_verified_once_while_it_is_valid() -> None:
    counting = CountingVerifier()
    remembering = RememberingVerifier(counting)
    token = mint_dev_token(SECRET, "contoso", "a@contoso.com", admin=True)
    first = remembering.verify(token)
    assert remembering.verify(token) == first
    assert counting.calls == 1
    other = mint_dev_token(SECRET, "contoso", "b@contoso.com")
    assert remembering.verify(other).email == "b@contoso.com"
    assert counting.calls == 2


def test_a_remembered_token_is_refused_once_it_expires() -> None:
    counting = CountingVerifier()
    remembering = RememberingVerifier(counting)
    issued = datetime.now(UTC) - timedelta(hours=1)
    token = mint_dev_token(
        SECRET, "contoso", "a@contoso.com", now=issued, lifetime=timedelta(hours=1, seconds=2)
    )
    remembering.verify(token)
    time.sleep(2.1)
    with pytest.raises(Unauthorized):
        remembering.verify(token)  # the inner verifier sees it again, and refuses it


def test_forged_tokens_are_never_remembered() -> None:
    remembering = RememberingVerifier(DevTokenVerifier(SECRET))
    forged = mint_dev_token("x" * 40, "contoso", "a@contoso.com", admin=True)
    for _ in range(2):
        with pytest.raises(Unauthorized):
            remembering.verify(forged)

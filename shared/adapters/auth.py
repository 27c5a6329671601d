"""Bearer-token authentication: turn `Authorization: Bearer <JWT>` into a `Principal`.

Two verifiers share one claims-to-principal mapping:

* `EntraTokenVerifier` (AUTH_MODE=entra, production): RS256 tokens from the Microsoft
  identity platform, keys from its JWKS endpoint, audience + per-tenant issuer checked.
* `DevTokenVerifier` (AUTH_MODE=dev, local only): HS256 tokens signed with
  DEV_JWT_SECRET, minted by `mint_dev_token` / `python -m tools.token`.

The tenant always comes from the verified token, never from the request. Every failure is
an `Unauthorized` (401) carrying `WWW-Authenticate: Bearer`, except an unreachable or
broken key endpoint, which is `AuthUnavailable` (503). Error details never echo the token.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from shared.config import Settings
from shared.domain.errors import AuthUnavailable, Unauthorized
from shared.domain.identity import ADMIN_ROLES, ROLE_IDS, AdminRole, Principal, roles_of
from shared.domain.text import one_line

log = logging.getLogger(__name__)

DEV_ISSUER = "license-requests-dev"
DEV_AUDIENCE = "license-requests-dev"
DEV_ALGORITHM = "HS256"
ENTRA_ALGORITHM = "RS256"
ENTRA_ISSUER_TEMPLATE = "https://login.microsoftonline.com/{tid}/v2.0"

# Fixed namespace so a dev user's `oid` is the same on every machine and every run.
DEV_USER_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:license-requests:dev-user")

MAX_TOKEN_LENGTH = 16 * 1024

_WHITESPACE = re.compile(r"\s")
_TENANT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_USER_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_GUID_RE = re.compile(
    r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
)


class TokenVerifier(Protocol):
    """Verifies a raw JWT and returns who it speaks for; raises `Unauthorized` otherwise."""

    def verify(self, token: str) -> Principal: ...


def unauthorized(detail: str) -> Unauthorized:
    """An `Unauthorized` carrying the `WWW-Authenticate: Bearer` challenge (RFC 6750)."""
    err = Unauthorized(detail)
    err.headers["WWW-Authenticate"] = "Bearer"
    return err


def principal_from_header(verifier: TokenVerifier, authorization: str | None) -> Principal:
    """Parse `Authorization: Bearer <token>` and verify the token."""
    if authorization is None or not authorization.strip():
        raise unauthorized("Missing Authorization header; send 'Authorization: Bearer <token>'")
    parts = authorization.strip().split(None, 1)
    if parts[0].lower() != "bearer":
        raise unauthorized("Authorization header must use the Bearer scheme")
    token = parts[1].strip() if len(parts) == 2 else ""
    if not token:
        raise unauthorized("Bearer token is empty")
    if len(token) > MAX_TOKEN_LENGTH or _WHITESPACE.search(token):
        raise unauthorized("Bearer token is malformed")
    try:
        return verifier.verify(token)
    except Unauthorized as err:
        err.headers.setdefault("WWW-Authenticate", "Bearer")
        raise


# --------------------------------------------------------------------------- claims


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """Map verified claims to a Principal; shared by both verifiers."""
    tenant_id = claims.get("tid")
    if not isinstance(tenant_id, str) or not _TENANT_RE.fullmatch(tenant_id):
        raise unauthorized("Token has no valid tenant id (tid)")
    user_id = claims.get("oid")
    if not isinstance(user_id, str) or not _USER_ID_RE.fullmatch(user_id):
        raise unauthorized("Token has no valid user id (oid)")
    email = _first_text(claims, ("preferred_username", "email", "upn"))
    if email is None:
        raise unauthorized("Token has no user name (preferred_username, email or upn)")
    # A token's name is shown and mailed: made one line, as no one can refuse it.
    name = one_line(_first_text(claims, ("name",)) or "") or email
    wids = claims.get("wids", [])
    if not isinstance(wids, list) or not all(isinstance(w, str) for w in wids):
        raise unauthorized("Token has a malformed wids claim")
    roles = roles_of(wids)
    return Principal(
        tenant_id=tenant_id,
        user_id=user_id,
        name=name,
        email=email,
        is_global_admin="global" in roles,
        roles=roles,
    )


def _first_text(claims: Mapping[str, Any], names: Sequence[str]) -> str | None:
    for claim in names:
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _jwt_error_detail(exc: jwt.PyJWTError) -> str:
    """A short, token-free description of why PyJWT refused a token."""
    if isinstance(exc, jwt.ExpiredSignatureError):
        return "Token has expired"
    if isinstance(exc, jwt.ImmatureSignatureError):
        return "Token is not valid yet"
    if isinstance(exc, jwt.InvalidSignatureError):
        return "Token signature is invalid"
    if isinstance(exc, jwt.InvalidAudienceError):
        return "Token audience is not accepted"
    if isinstance(exc, jwt.InvalidIssuerError):
        return "Token issuer is not accepted"
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return "Token algorithm is not accepted"
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"Token is missing the required '{exc.claim}' claim"
    if isinstance(exc, jwt.InvalidIssuedAtError):
        return "Token issued-at time is invalid"
    if isinstance(exc, jwt.DecodeError):
        return "Token is malformed"
    return "Token is invalid"


def _unverified_header(token: str) -> dict[str, Any]:
    try:
        return jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise unauthorized(_jwt_error_detail(exc)) from None


def _require_alg(header: Mapping[str, Any], expected: str) -> None:
    if header.get("alg") != expected:
        raise unauthorized(f"Token algorithm is not accepted (expected {expected})")


# --------------------------------------------------------------------------- dev


class DevTokenVerifier:
    """AUTH_MODE=dev: HS256 tokens signed with DEV_JWT_SECRET. Local use only."""

    def __init__(self, secret: str, *, leeway_seconds: int = 30) -> None:
        if not secret:
            raise ValueError("DevTokenVerifier needs a non-empty secret")
        self._secret = secret
        self._leeway = leeway_seconds

    def verify(self, token: str) -> Principal:
        _require_alg(_unverified_header(token), DEV_ALGORITHM)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[DEV_ALGORITHM],
                audience=DEV_AUDIENCE,
                issuer=DEV_ISSUER,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "aud", "tid", "oid"]},
            )
        except jwt.PyJWTError as exc:
            raise unauthorized(_jwt_error_detail(exc)) from None
        return principal_from_claims(claims)


def dev_user_id(tenant: str, email: str) -> str:
    """The deterministic `oid` a dev token carries for this person in this tenant."""
    return str(uuid.uuid5(DEV_USER_NAMESPACE, f"{tenant}|{email.strip().lower()}"))


def mint_dev_token(
    secret: str,
    tenant: str,
    email: str,
    *,
    name: str | None = None,
    admin: bool = False,
    role: AdminRole | None = None,
    lifetime: timedelta = timedelta(hours=8),
    now: datetime | None = None,
    user_id: str | None = None,
) -> str:
    """An HS256 dev token that `DevTokenVerifier(secret)` accepts (until it expires).

    `admin` gives the Global Administrator role, `role` any admin role of R5. Its `oid` is
    `user_id` (the user's object id in a directory, e.g. the local Graph emulator's), else
    a stable id derived from tenant and email."""
    if not _TENANT_RE.fullmatch(tenant):
        raise ValueError(
            f"tenant {tenant!r} must be 1-64 letters, digits, '.', '_' or '-' "
            "and start with a letter or digit"
        )
    email = email.strip()
    if not email:
        raise ValueError("email must not be empty")
    if lifetime <= timedelta(0):
        raise ValueError("lifetime must be positive")
    issued = (now or datetime.now(UTC)).astimezone(UTC)
    claims: dict[str, Any] = {
        "iss": DEV_ISSUER,
        "aud": DEV_AUDIENCE,
        "tid": tenant,
        "oid": user_id or dev_user_id(tenant, email),
        "name": (name or "").strip() or email.split("@", 1)[0],
        "preferred_username": email,
        "wids": [ROLE_IDS[r] for r in ADMIN_ROLES if r == role or (admin and r == "global")],
        "iat": int(issued.timestamp()),
        "nbf": int(issued.timestamp()),
        "exp": int((issued + lifetime).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=DEV_ALGORITHM)


# --------------------------------------------------------------------------- entra


class EntraTokenVerifier:
    """AUTH_MODE=entra: RS256 access tokens from the Microsoft identity platform (v2.0)."""

    def __init__(
        self,
        audience: Sequence[str],
        jwks_url: str,
        allowed_tenants: frozenset[str] = frozenset(),
        *,
        leeway_seconds: int = 60,
        jwks_client: jwt.PyJWKClient | None = None,
    ) -> None:
        if isinstance(audience, str):
            audience = (audience,)
        self._audience = [a for a in audience if a]
        if not self._audience:
            raise ValueError("EntraTokenVerifier needs at least one audience")
        self._allowed_tenants = frozenset(t.strip().lower() for t in allowed_tenants)
        self._leeway = leeway_seconds
        # One client per verifier: it caches the key set and refreshes it (rate-limited)
        # when a token names a key id it has not seen, which is how key rotation shows up.
        if jwks_client is None:
            jwks_client = jwt.PyJWKClient(jwks_url, cache_jwk_set=True, lifespan=3600, timeout=5)
        self._jwks = jwks_client

    def verify(self, token: str) -> Principal:
        header = _unverified_header(token)
        _require_alg(header, ENTRA_ALGORITHM)
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise unauthorized("Token has no key id (kid)")
        tenant_id = self._unverified_tenant(token)
        key = self._signing_key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ENTRA_ALGORITHM],
                audience=self._audience,
                issuer=ENTRA_ISSUER_TEMPLATE.format(tid=tenant_id),
                leeway=self._leeway,
                options={"require": ["exp", "iss", "aud", "tid", "oid"]},
            )
        except jwt.PyJWTError as exc:
            raise unauthorized(_jwt_error_detail(exc)) from None
        return principal_from_claims(claims)

    def _unverified_tenant(self, token: str) -> str:
        """The token's own `tid`, checked before any key is fetched or signature verified."""
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise unauthorized(_jwt_error_detail(exc)) from None
        tenant_id = unverified.get("tid")
        if not isinstance(tenant_id, str) or not _GUID_RE.fullmatch(tenant_id):
            raise unauthorized("Token has no valid tenant id (tid)")
        if self._allowed_tenants and tenant_id.lower() not in self._allowed_tenants:
            raise unauthorized("Tokens from this tenant are not accepted")
        return tenant_id

    def _signing_key(self, kid: str) -> RSAPublicKey:
        try:
            keys = self._jwks.get_signing_keys()
        except (jwt.PyJWKClientError, jwt.PyJWKSetError, ValueError, OSError) as exc:
            # Connection errors, HTTP errors, non-JSON or key-less responses: not the
            # caller's fault, so 503 and let them retry.
            raise _keys_unavailable(exc) from exc
        jwk = self._jwks.match_kid(keys, kid)
        if jwk is None:
            # Possibly a freshly rotated key: let the client refresh (rate-limited) once.
            try:
                jwk = self._jwks.get_signing_key(kid)
            except (jwt.PyJWKClientConnectionError, jwt.PyJWKSetError, ValueError, OSError) as exc:
                raise _keys_unavailable(exc) from exc
            except jwt.PyJWKClientError:
                # Key set fetched fine but still has no such kid.
                raise unauthorized("Token is signed with an unknown key") from None
        if not isinstance(jwk.key, RSAPublicKey):
            raise unauthorized("Token is signed with a key that is not an RSA key")
        return jwk.key


# --------------------------------------------------------------------------- wiring


class RememberingVerifier:
    """Verifies each token once: a client sends the same token for up to an hour, and a
    signature check is most of a request's CPU. A remembered token is still refused from
    the second its `exp` passes (with the verifier's leeway, as on the first check)."""

    def __init__(self, inner: TokenVerifier, *, size: int = 4096, leeway: int = 0) -> None:
        self._inner = inner
        self._size = size
        self._leeway = leeway
        self._known: OrderedDict[bytes, tuple[Principal, float]] = OrderedDict()
        self._lock = threading.Lock()

    def verify(self, token: str) -> Principal:
        key = hashlib.sha256(token.encode()).digest()
        now = time.time()
        with self._lock:
            known = self._known.get(key)
            if known is not None and now < known[1] + self._leeway:
                self._known.move_to_end(key)
                return known[0]
        principal = self._inner.verify(token)
        expires = _expiry(token)
        with self._lock:
            self._known[key] = (principal, expires)
            while len(self._known) > self._size:
                self._known.popitem(last=False)
        return principal


def _expiry(token: str) -> float:
    """The `exp` of a token that has just been verified (so it has one)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return float(claims.get("exp", 0))


def build_verifier(settings: Settings) -> TokenVerifier:
    """The verifier `settings.auth_mode` asks for."""
    if settings.auth_mode == "dev":
        return DevTokenVerifier(settings.dev_jwt_secret)
    if settings.auth_mode == "entra":
        return EntraTokenVerifier(
            settings.auth_audience,
            settings.auth_jwks_url,
            settings.auth_allowed_tenants,
        )
    raise ValueError(f"Unknown AUTH_MODE {settings.auth_mode!r}")  # pragma: no cover


def _keys_unavailable(exc: Exception) -> AuthUnavailable:
    """The 503 for a key endpoint that failed: the cause is logged, never shown to the
    caller (it names libraries and hosts)."""
    log.warning("token signing keys unavailable: %s: %s", type(exc).__name__, exc)
    return AuthUnavailable("Token signing keys are unavailable; try again shortly.")

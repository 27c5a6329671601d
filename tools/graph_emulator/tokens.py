"""Graph access tokens: minted by the token endpoint, checked by the Graph side.

JWTs signed HS256 with a key kept in the state folder, carrying `tid`, `appid`, `roles`
and `exp`. A client must treat them as opaque, as it must Microsoft's.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import jwt

from .model import stable_guid
from .protocol import GraphError

GRAPH_AUDIENCES = ("https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000")
TOKEN_LIFETIME = 3599


@dataclass(frozen=True)
class Principal:
    tenant: str
    app_id: str
    roles: tuple[str, ...]


class TokenService:
    def __init__(self, key: bytes) -> None:
        self.key = key

    def mint(self, tenant: str, app_id: str, roles: list[str], name: str, acr: str) -> str:
        now = int(time.time())
        object_id = stable_guid("servicePrincipal", tenant, app_id)
        claims = {
            "aud": GRAPH_AUDIENCES[0],
            "iss": f"https://sts.windows.net/{tenant}/",
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME,
            "app_displayname": name,
            "appid": app_id,
            "appidacr": acr,
            "idtyp": "app",
            "oid": object_id,
            "roles": sorted(roles),
            "sub": object_id,
            "tid": tenant,
            "uti": secrets.token_urlsafe(16),
            "ver": "1.0",
        }
        return jwt.encode(claims, self.key, algorithm="HS256", headers={"kid": "graph-emulator"})

    def verify(self, authorization: str | None) -> Principal:
        """The caller behind `Authorization: Bearer ...`, or Graph's 401."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        if not token.strip() or scheme.lower() != "bearer":
            raise _unauthenticated("Access token is empty.")
        token = token.strip()
        if token.count(".") != 2:
            raise _unauthenticated("CompactToken parsing failed with error code: 80049217")
        try:
            claims = jwt.decode(
                token,
                self.key,
                algorithms=["HS256"],
                audience=list(GRAPH_AUDIENCES),
                options={"require": ["exp", "tid", "appid"]},
            )
        except jwt.ExpiredSignatureError:
            raise _unauthenticated("Lifetime validation failed, the token is expired.") from None
        except jwt.InvalidAudienceError:
            raise _unauthenticated("Access token validation failure. Invalid audience.") from None
        except jwt.PyJWTError:
            raise _unauthenticated("Access token validation failure.") from None
        roles = tuple(str(r) for r in claims.get("roles", []))
        return Principal(str(claims["tid"]), str(claims["appid"]), roles)


def _unauthenticated(message: str) -> GraphError:
    challenge = (
        'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/'
        'authorize", client_id="00000003-0000-0000-c000-000000000000"'
    )
    return GraphError(401, "InvalidAuthenticationToken", message, {"WWW-Authenticate": challenge})

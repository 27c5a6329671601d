"""Who is calling: the principal a verified token speaks for (no JWT here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

GLOBAL_ADMIN_ROLE_ID = "62e90394-69f5-4237-9190-012177145e10"
"""Directory role template id of Global Administrator (`wids` claim)."""
LICENSE_ADMIN_ROLE_ID = "4d6ac14f-3453-41d0-bef9-a3e0c569773a"
USER_ADMIN_ROLE_ID = "fe930be7-5e62-47db-91af-98c3a49a38b1"

# The directory roles that may manage licence requests (R5), as the settings name them.
AdminRole = Literal["global", "license", "user"]
ADMIN_ROLES: tuple[AdminRole, ...] = ("global", "license", "user")
ROLE_IDS: dict[AdminRole, str] = {
    "global": GLOBAL_ADMIN_ROLE_ID,
    "license": LICENSE_ADMIN_ROLE_ID,
    "user": USER_ADMIN_ROLE_ID,
}


def roles_of(wids: list[str]) -> frozenset[AdminRole]:
    """The admin roles among a token's directory role template ids."""
    held = {w.lower() for w in wids}
    return frozenset(role for role, role_id in ROLE_IDS.items() if role_id in held)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, as asserted by a verified token."""

    tenant_id: str
    user_id: str
    name: str
    email: str
    is_global_admin: bool
    # Every admin role the caller holds ("global" included when is_global_admin).
    roles: frozenset[AdminRole] = field(default=frozenset())

    def __post_init__(self) -> None:
        if self.is_global_admin and "global" not in self.roles:
            object.__setattr__(self, "roles", self.roles | {"global"})

"""Who is calling: the principal a verified token speaks for (no JWT here)."""

from __future__ import annotations

from dataclasses import dataclass

GLOBAL_ADMIN_ROLE_ID = "62e90394-69f5-4237-9190-012177145e10"
"""Directory role template id of Global Administrator (`wids` claim)."""


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, as asserted by a verified token."""

    tenant_id: str
    user_id: str
    name: str
    email: str
    is_global_admin: bool

"""The Microsoft 365 directory port: users, subscribed SKUs and licence assignment.

Adapters: Microsoft Graph (`shared.adapters.graph`); tests hand a fake. Calls that fail
as a whole (Graph unreachable, throttled, failing) raise `DirectoryUnavailable`;
assignments report each user's result on its own, as Graph's `$batch` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from shared.domain.microsoft365 import DirectoryUser, SubscribedSku
from shared.domain.models import Failure

__all__ = ["Assignment", "AssignmentResult", "Directory", "DirectoryUser", "SubscribedSku"]


@dataclass(frozen=True)
class Assignment:
    """One user's licence to assign directly."""

    user_id: str
    sku_id: str
    disabled_plans: tuple[str, ...] = ()


@dataclass(frozen=True)
class AssignmentResult:
    """What happened to one user's assignment."""

    user_id: str
    outcome: Literal["assigned", "failed", "retry"]
    failure: Failure | None = None
    # For "retry": how long the directory asked to wait (None: not said).
    retry_after: float | None = None


class Directory(Protocol):
    """The directory and licences of connected tenants."""

    def subscribed_skus(self, tenant: str) -> list[SubscribedSku]:
        """Every SKU the tenant subscribes to."""

    def users_by_id(self, tenant: str, ids: Sequence[str]) -> dict[str, DirectoryUser | None]:
        """The users with these object ids (None for an unknown one)."""

    def users_by_address(
        self, tenant: str, addresses: Sequence[str]
    ) -> dict[str, DirectoryUser | None]:
        """The users named by these object ids, userPrincipalNames or mail addresses (keys
        lower case)."""

    def search_users(self, tenant: str, text: str, limit: int) -> list[DirectoryUser]:
        """Users whose display name or mail starts with `text`."""

    def assign_licenses(
        self, tenant: str, assignments: Sequence[Assignment]
    ) -> list[AssignmentResult]:
        """Assign each user's licence; one result per assignment."""

    def add_group_members(
        self, tenant: str, group_id: str, user_ids: Sequence[str]
    ) -> list[AssignmentResult]:
        """Add users to a licensed group; "assigned" means added (licences follow the group)."""

    def remove_license(
        self, tenant: str, user_id: str, sku_id: str, group_id: str | None
    ) -> Literal["removed", "absent"]:
        """Take the user's licence away (out of the licensed group, when there is one):
        "absent" when they no longer had it or no longer exist; DirectoryUnavailable when
        Microsoft 365 cannot answer now."""

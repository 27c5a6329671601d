"""How many requests a tenant has, by status, and how many people wait per product (X14).

Kept in one row per tenant, changed in the same transaction as each submit, merge,
decision and expiry (never counted by scanning): the Requests list shows the counts and
the catalogue each product's demand at the cost of one point read.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict


class RequestCounts(BaseModel):
    """The tenant's pending and completed requests, and the people waiting per product."""

    model_config = ConfigDict(frozen=True)

    pending: int = 0
    completed: int = 0
    pending_users: dict[str, int] = {}

    def _with(self, pending: int, completed: int, users: dict[str, int]) -> RequestCounts:
        return RequestCounts(
            pending=max(pending, 0),
            completed=max(completed, 0),
            pending_users={p: n for p, n in sorted(users.items()) if n > 0},
        )

    def _users(self, product_id: str, change: int) -> dict[str, int]:
        users = dict(self.pending_users)
        users[product_id] = users.get(product_id, 0) + change
        return users

    def submitted(self, product_id: str, users: int) -> RequestCounts:
        """A new pending request for `product_id` naming `users` people."""
        return self._with(self.pending + 1, self.completed, self._users(product_id, users))

    def merged(self, product_id: str, added: int) -> RequestCounts:
        """A pending request now names `added` more people."""
        return self._with(self.pending, self.completed, self._users(product_id, added))

    def decided(self, product_id: str, users: int) -> RequestCounts:
        """A pending request was approved or denied."""
        return self._with(self.pending - 1, self.completed + 1, self._users(product_id, -users))

    def expired(self, pending: Iterable[tuple[str, int]], completed: int) -> RequestCounts:
        """Requests went at the end of their retention: pending ones (product, people) and
        `completed` decided ones."""
        users, gone = dict(self.pending_users), 0
        for product_id, count in pending:
            users[product_id] = users.get(product_id, 0) - count
            gone += 1
        return self._with(self.pending - gone, self.completed - completed, users)

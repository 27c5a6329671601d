"""R4 / X8: the retention sweep. Reads and lists already hide expired requests; this
removes them from storage, at a cost that grows with what expired, not with the table."""

from __future__ import annotations

import logging
from datetime import timedelta

from shared.app.ports import Clock, PurgeStore
from shared.domain import rules

log = logging.getLogger(__name__)


class RetentionSweeper:
    """Deletes every tenant's expired requests."""

    def __init__(self, store: PurgeStore, clock: Clock, retention: timedelta) -> None:
        self._store = store
        self._clock = clock
        self._retention = retention

    def run(self) -> dict[str, int]:
        """One sweep; returns how many requests each tenant lost (tenants with none omitted)."""
        now = self._clock.now()
        cutoff = rules.retention_cutoff(now, self._retention)
        removed: dict[str, int] = {}
        # Only tenants that created requests on days now expired: idle ones cost nothing.
        tenants = self._store.created_on_or_before(cutoff.date())
        if cutoff < self._store.index_since(now):
            # Requests from before the index began may still be there: visit everyone.
            tenants = sorted(set(tenants) | set(self._store.known_tenants()))
        for tenant in tenants:
            count = self._store.purge_expired(tenant, cutoff)
            if count:
                removed[tenant] = count
                log.info(
                    "retention sweep removed expired requests",
                    extra={"tenant_id": tenant, "removed": count, "cutoff": cutoff.isoformat()},
                )
        # Days wholly before the cutoff's are gone; its own day may have live requests.
        self._store.forget_days_before(cutoff.date())
        total = sum(removed.values())
        log.info(
            "retention sweep done: %d request(s) in %d tenant(s)",
            total,
            len(removed),
            extra={
                "outcome": "swept",
                "removed": total,
                "tenants_with_removals": len(removed),
                "tenants_visited": len(tenants),
                "cutoff": cutoff.isoformat(),
            },
        )
        return removed

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
        cutoff = rules.retention_cutoff(self._clock.now(), self._retention)
        removed: dict[str, int] = {}
        tenants = self._store.known_tenants()
        for tenant in tenants:
            count = self._store.purge_expired(tenant, cutoff)
            if count:
                removed[tenant] = count
                log.info(
                    "retention sweep removed expired requests",
                    extra={"tenant_id": tenant, "removed": count, "cutoff": cutoff.isoformat()},
                )
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

"""Notices a crash or a queue outage left in the outbox are queued again (X6), at a cost
that follows the work: no tenant is polled.

Two paths lead here:

* Before a decision commits, a *safety* message naming the request's notices goes on
  the queue, invisible for `SAFETY_DELAY`. If the process dies after the commit but
  before it queued the notice itself, the safety message finds the row still there and
  queues it; otherwise it finds nothing (the notice was delivered) and is done.
* When queueing a committed notice fails (the queue is down), the app notes it in one
  global list; the relay timer reads that list (one query, whatever the number of
  tenants) and queues what is still in the outbox.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from shared.app.ports import Clock, Notifier, OutboxMessage, OutboxRow, OutboxStore, StoreConflict
from shared.app.records import Versioned

log = logging.getLogger(__name__)

# A safety message shows up this long after it was put (a decision commits in ms).
SAFETY_DELAY = timedelta(minutes=2)
# A row younger than this may still be queued by its decision: left alone.
RELAY_AFTER = timedelta(minutes=1)
MAX_RELAYS = 10


class OutboxRelay:
    """Queues again the outbox rows nobody queued or picked up."""

    def __init__(self, store: OutboxStore, notifier: Notifier, clock: Clock) -> None:
        self._store = store
        self._notifier = notifier
        self._clock = clock

    def check(self, tenant: str, prefix: str) -> int:
        """A safety message arrived: queue this request's notices still waiting."""
        return self._relay(tenant, self._store.outbox_under(tenant, prefix))

    def run(self) -> int:
        """The relay timer: notices noted as not queued; how many were queued again."""
        relayed = 0
        for tenant, key in self._store.unqueued():
            found = self._store.get_outbox(tenant, key)
            if found is not None and self._young(found.value):
                continue  # its decision may still queue it: next time
            relayed += self._relay(tenant, [found] if found else [])
            self._store.forget_unqueued(tenant, key)
        if relayed:
            log.warning("outbox relay queued %d notice(s) again", relayed)
        return relayed

    def _young(self, row: OutboxRow) -> bool:
        return row.created_at > self._clock.now() - RELAY_AFTER

    def _relay(self, tenant: str, rows: list[Versioned[OutboxRow]]) -> int:
        now, relayed = self._clock.now(), 0
        for found in rows:
            row = found.value
            if row.attempts or self._young(row):
                continue  # a worker has it, or its decision may still queue it
            if row.relayed_at and row.relayed_at > now - RELAY_AFTER:
                continue  # queued again recently: give the worker time
            if row.relay_count >= MAX_RELAYS:
                log.error(
                    "outbox row %s of %s never picked up after %d relays",
                    row.key,
                    tenant,
                    row.relay_count,
                )
                continue
            try:
                etag = self._store.mark_relayed(
                    tenant,
                    replace(row, relay_count=row.relay_count + 1, relayed_at=now),
                    found.etag,
                )
            except StoreConflict:
                continue  # a worker got to it meanwhile
            self._notifier.publish(OutboxMessage(tenant, row.key, etag, row.payload))
            relayed += 1
        return relayed

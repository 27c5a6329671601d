"""Email delivery of committed notices (SPEC §7, X6, X10): the queue worker and the relay.

A decision commits its outbox row in the same transaction as itself; the service then
puts one message on the queue. The worker turns the row into one email per recipient,
records each recipient as sent, and deletes the row when all are done, so a redelivered
message finds nothing left to send. The relay re-queues rows no worker ever picked up
(the process died between commit and enqueue).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import timedelta

from shared.email_content import EmailRenderer
from shared.ports import (
    Clock,
    EmailSender,
    EmailSendError,
    Notifier,
    OutboxStore,
    StoreConflict,
)

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
RELAY_AFTER = timedelta(minutes=1)
MAX_RELAYS = 10


def queue_message(tenant: str, outbox_key: str) -> str:
    """The queue message for an outbox row: just where to find it."""
    return json.dumps({"tenant": tenant, "outbox": outbox_key}, separators=(",", ":"))


def parse_message(body: str) -> tuple[str, str] | None:
    """(tenant, outbox key), or None for a message that can never be processed."""
    try:
        data = json.loads(body)
        tenant, key = data["tenant"], data["outbox"]
    except (ValueError, KeyError, TypeError):
        return None
    if not (isinstance(tenant, str) and isinstance(key, str) and key.startswith("O|")):
        return None
    return tenant, key


class QueueNotifier:
    """Notifier on an Azure Storage queue (the client must encode messages as base64)."""

    def __init__(self, queue: object) -> None:
        self._queue = queue

    def publish(self, tenant: str, outbox_key: str) -> None:
        self._queue.send_message(queue_message(tenant, outbox_key))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Delivery:
    """What one message's processing did."""

    sent: int = 0
    skipped: int = 0
    failed: int = 0
    dropped: bool = False


class NotificationWorker:
    """Sends the emails of one outbox row per queue message, at most once per recipient."""

    def __init__(
        self, store: OutboxStore, sender: EmailSender, renderer: EmailRenderer, clock: Clock
    ) -> None:
        self._store = store
        self._sender = sender
        self._renderer = renderer
        self._clock = clock

    def handle(self, body: str, message_id: str) -> Delivery:
        """Process one queue message; raises on transient failure so the host retries it."""
        where = parse_message(body)
        if where is None:
            log.error("dropping malformed notification message %s", message_id)
            return Delivery(dropped=True)
        tenant, key = where
        found = self._store.get_outbox(tenant, key)
        if found is None:
            return Delivery(dropped=True)  # delivered already (or expired): nothing to do
        row, now = found.value, self._clock.now()
        if row.lease_owner not in (None, message_id) and row.lease_until and row.lease_until > now:
            # A duplicate (relayed) message while the original is being worked on: the
            # original stays on the queue until done, so this copy can go.
            return Delivery(dropped=True)
        leased = replace(
            row, attempts=row.attempts + 1, lease_owner=message_id, lease_until=now + LEASE
        )
        try:
            self._store.lease_outbox(tenant, leased, found.etag)
        except StoreConflict:
            return Delivery(dropped=True)  # another copy took it first

        sent, failed = list(row.sent), list(row.failed)
        emails = self._renderer.render(tenant, key, row.payload)
        for email in emails:
            if email.key in sent or email.key in failed:
                continue  # done by an earlier attempt
            try:
                self._sender.send(email)
            except EmailSendError as exc:
                if not exc.permanent:
                    raise
                log.error("email for %s (%s) refused permanently: %s", key, tenant, exc)
                failed.append(email.key)
            else:
                sent.append(email.key)
            if email is not emails[-1]:
                self._store.mark_outbox(tenant, key, sent, failed)
        self._store.delete_outbox(tenant, key)
        counts = Delivery(
            sent=len(sent) - len(row.sent),
            failed=len(failed) - len(row.failed),
            skipped=len(row.sent) + len(row.failed),
        )
        log.info(
            "notice %s of tenant %s delivered: %d sent, %d skipped, %d refused",
            key,
            tenant,
            counts.sent,
            counts.skipped,
            counts.failed,
        )
        return counts


class OutboxRelay:
    """Re-queues outbox rows that no worker picked up within a minute of their commit."""

    def __init__(self, store: OutboxStore, notifier: Notifier, clock: Clock) -> None:
        self._store = store
        self._notifier = notifier
        self._clock = clock

    def run(self) -> int:
        """One pass over every tenant; returns how many rows were queued again."""
        now = self._clock.now()
        relayed = 0
        for tenant in self._store.known_tenants():
            for found in self._store.stale_outbox(tenant, now - RELAY_AFTER):
                row = found.value
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
                    self._store.mark_relayed(
                        tenant,
                        replace(row, relay_count=row.relay_count + 1, relayed_at=now),
                        found.etag,
                    )
                except StoreConflict:
                    continue  # a worker got to it meanwhile
                self._notifier.publish(tenant, row.key)
                relayed += 1
        if relayed:
            log.warning("outbox relay queued %d notice(s) again", relayed)
        return relayed

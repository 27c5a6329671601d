"""Email delivery of committed notices (SPEC §7, X6, X10): the queue worker and the relay.

A decision commits its outbox row in the same transaction as itself; the service then
puts one message on the queue, carrying the row's etag and payload. The worker claims the
row with one write conditional on that etag (so of two copies of a message only one
sends), sends one email per recipient, and deletes the row: two table calls per notice,
and a read of the tenant's email language when a recipient's directory gives none (at
most once a minute per tenant). Whatever is unusual (a redelivery, a relayed copy, a row
that moved) takes the careful path: read the row, honour another copy's lease, skip
recipients already done. The relay re-queues rows no worker ever picked up (the process
died between commit and enqueue).

Sent recipients are recorded when delivery stops early (a failure, the lease running
short) and between rounds of `ROUND` parallel sends, so a retry resends nobody it knows
was sent. A process killed outright between the provider accepting an email and that
record could still resend it on retry: the window is one round of sends.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.app.email_rendering import EmailRenderer
from shared.app.ports import (
    Clock,
    EmailSender,
    EmailSendError,
    OutboxMessage,
    OutboxStore,
    OutgoingEmail,
    StoreConflict,
)
from shared.app.recovery import OutboxRelay
from shared.domain.notices import is_notice_id, is_notices_prefix

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
# Emails sent side by side; progress is recorded between rounds.
ROUND = 8
# The longest one send can take (the ACS client's 10 s connect + 30 s read timeouts, and
# a margin): a round only starts while the lease outlives it.
SEND_BUDGET = timedelta(seconds=45)
# Messages carry the payload up to this size (the queue takes 64 KiB; base64 adds a third).
MAX_INLINE_MESSAGE = 32 * 1024
# How long a tenant's email language, once read, is trusted: settings change rarely, and a
# burst of notices then reads them once. Tenants remembered at most (then forgotten).
LANGUAGE_TTL = timedelta(seconds=60)
MAX_LANGUAGES = 1024


def queue_message(message: OutboxMessage) -> str:
    """The queue message for an outbox row: where it is, and its etag and payload if small."""
    data: dict[str, Any] = {"tenant": message.tenant, "outbox": message.key}
    if message.etag and message.payload is not None:
        inline = {**data, "etag": message.etag, "payload": message.payload}
        text = json.dumps(inline, separators=(",", ":"), ensure_ascii=False)
        if len(text.encode("utf-8")) <= MAX_INLINE_MESSAGE:
            return text
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def parse_message(body: str) -> OutboxMessage | None:
    """The message's outbox row, or None for a message that can never be processed."""
    try:
        data = json.loads(body)
        tenant, key = data["tenant"], data["outbox"]
    except (ValueError, KeyError, TypeError):
        return None
    if not (isinstance(tenant, str) and isinstance(key, str) and is_notice_id(key)):
        return None
    etag, payload = data.get("etag"), data.get("payload")
    if not (isinstance(etag, str) and isinstance(payload, dict)):
        etag, payload = None, None  # read the row instead
    return OutboxMessage(tenant, key, etag, payload)


@dataclass(frozen=True)
class Delivery:
    """What one message's processing did."""

    sent: int = 0
    skipped: int = 0
    failed: int = 0
    dropped: bool = False


@dataclass(frozen=True)
class _Claim:
    """A leased outbox row: what to send and what an earlier attempt already did."""

    payload: Mapping[str, Any]
    attempts: int
    until: datetime
    sent: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()


class LeaseRunningOut(Exception):
    """Delivery stopped with recipients left: the lease could end during the next round."""


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _send_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=ROUND, thread_name_prefix="email-send")
        return _pool


class TenantLanguages:
    """A tenant's email language setting, read when a notice needs it and kept a minute."""

    def __init__(self, read: Callable[[str], str | None], clock: Clock) -> None:
        self._read = read
        self._clock = clock
        self._known: dict[str, tuple[str | None, datetime]] = {}

    def __call__(self, tenant: str) -> str | None:
        now = self._clock.now()
        known = self._known.get(tenant)
        if known is not None and known[1] > now:
            return known[0]
        try:
            language = self._read(tenant)
        except ValueError:
            # A settings row that does not parse never stops an email (X13): the
            # deployment's language it is. An outage is no ValueError: it is retried.
            log.warning("email language of tenant %s unreadable", tenant, exc_info=True)
            language = None
        if len(self._known) >= MAX_LANGUAGES:
            self._known.clear()
        self._known[tenant] = (language, now + LANGUAGE_TTL)
        return language


class NotificationWorker:
    """Sends the emails of one outbox row per queue message, at most once per recipient.

    `tenant_language` reads a tenant's email language setting (RequestProcess), the
    fallback for recipients whose directory gives no language."""

    def __init__(
        self,
        store: OutboxStore,
        sender: EmailSender,
        renderer: EmailRenderer,
        clock: Clock,
        relay: OutboxRelay | None = None,
        tenant_language: Callable[[str], str | None] | None = None,
    ) -> None:
        self._store = store
        self._sender = sender
        self._renderer = renderer
        self._clock = clock
        self._relay = relay
        self._languages = TenantLanguages(tenant_language, clock) if tenant_language else None

    def handle(self, body: str, message_id: str) -> Delivery:
        """Process one queue message; raises on transient failure so the host retries it."""
        message = parse_message(body)
        if message is None:
            log.error("dropping malformed notification message %s", message_id)
            return Delivery(dropped=True)
        if is_notices_prefix(message.key):
            # A safety message: queue what a crash may have left of this request's notices.
            if self._relay is not None:
                self._relay.check(message.tenant, message.key)
            return Delivery(dropped=True)
        claim = self._claim(message, message_id)
        if claim is None:
            return Delivery(dropped=True)
        tenant, key = message.tenant, message.key
        sent, failed = list(claim.sent), list(claim.failed)
        languages = self._languages
        emails = self._renderer.render(
            tenant,
            key,
            dict(claim.payload),
            (lambda: languages(tenant)) if languages is not None else None,
        )
        todo = [e for e in emails if e.key not in sent and e.key not in failed]
        rounds = [todo[i : i + ROUND] for i in range(0, len(todo), ROUND)]
        for number, batch in enumerate(rounds):
            if number:
                # Record the rounds so far, then start this one only if the lease covers it.
                self._store.mark_outbox(tenant, key, sent, failed, claim.attempts)
                if self._clock.now() + SEND_BUDGET > claim.until:
                    left = sum(len(later) for later in rounds[number:])
                    raise LeaseRunningOut(f"{key} of {tenant}: {left} email(s) left")
            retry_error = self._send_round(batch, sent, failed, key, tenant)
            if retry_error is not None:
                self._store.mark_outbox(tenant, key, sent, failed, claim.attempts)
                raise retry_error
        self._store.delete_outbox(tenant, key)
        counts = Delivery(
            sent=len(sent) - len(claim.sent),
            failed=len(failed) - len(claim.failed),
            skipped=len(claim.sent) + len(claim.failed),
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

    def _claim(self, message: OutboxMessage, message_id: str) -> _Claim | None:
        """Lease the row for this message, or None when there is nothing for it to do."""
        tenant, key, now = message.tenant, message.key, self._clock.now()
        until = now + LEASE
        if message.etag is not None and message.payload is not None:
            try:
                # Unchanged since its commit: nobody has worked on it yet.
                self._store.lease_outbox(tenant, key, 1, message_id, until, message.etag)
                return _Claim(message.payload, 1, until)
            except StoreConflict:
                pass  # moved (another copy, a relay, a retry) or gone: look at it
        found = self._store.get_outbox(tenant, key)
        if found is None:
            return None  # delivered already (or expired): nothing to do
        row = found.value
        if row.lease_owner not in (None, message_id) and row.lease_until and row.lease_until > now:
            # Another copy (relayed, or enqueued twice) is working on it; it stays on the
            # queue until done, so this copy can go.
            return None
        attempts = row.attempts + 1
        try:
            self._store.lease_outbox(tenant, key, attempts, message_id, until, found.etag)
        except StoreConflict:
            return None  # another copy took it first
        return _Claim(row.payload, attempts, until, row.sent, row.failed)

    def _send_round(
        self,
        batch: list[OutgoingEmail],
        sent: list[str],
        failed: list[str],
        key: str,
        tenant: str,
    ) -> Exception | None:
        """Send a round side by side; record outcomes; the first error worth a retry."""
        # All but the last go to the pool; this thread sends the last one meanwhile.
        others = [_send_pool().submit(_outcome, self._sender, e) for e in batch[:-1]]
        last = _outcome(self._sender, batch[-1])
        outcomes = [f.result() for f in others] + [last]
        retry_error: Exception | None = None
        for email, error in zip(batch, outcomes, strict=True):
            if error is None:
                sent.append(email.key)
            elif isinstance(error, EmailSendError) and error.permanent:
                log.error("email for %s (%s) refused permanently: %s", key, tenant, error)
                failed.append(email.key)
            elif retry_error is None:
                retry_error = error
        return retry_error


def _outcome(sender: EmailSender, email: OutgoingEmail) -> Exception | None:
    """None when sent, else the exception (any: the round's others still count)."""
    try:
        sender.send(email)
    except Exception as exc:
        return exc
    return None

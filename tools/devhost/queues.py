"""Queue triggers: poll Azure Storage queues and run functions, with retries and poison queues."""

from __future__ import annotations

import base64
import binascii
import functools
import logging
import math
import queue
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import requests
from azure.core.exceptions import ResourceExistsError
from azure.core.pipeline.transport import RequestsTransport
from azure.functions.queue import QueueMessage as FunctionQueueMessage
from azure.storage.queue import ExponentialRetry, QueueClient
from azure.storage.queue import QueueMessage as StorageQueueMessage
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .host_config import ConfigError, QueueSettings, resolve_setting_refs
from .registry import QueueFunction

log = logging.getLogger("devhost.queue")

# How long a received message stays invisible while its function runs; renewed at
# half-time, so a slow function keeps its message without a long lease that would
# hide messages for ages after a crash.
LEASE_SECONDS = 30
_FIRST_POLL_DELAY = 0.1
_MAX_ERROR_BACKOFF = 30.0
# The service's cap on messages per receive call.
_MAX_PER_RECEIVE = 32


def resolve_queue_name(fn: QueueFunction, environ: Mapping[str, str]) -> str:
    """The queue name with `%NAME%` resolved, lowercased as the host does."""
    what = f"queue function {fn.name!r} queueName"
    return resolve_setting_refs(fn.queue_name, what, environ).strip().lower()


def resolve_connection(fn: QueueFunction, environ: Mapping[str, str]) -> str:
    """The storage connection string in the app setting the binding's `connection` names."""
    value = environ.get(fn.connection)
    if not value:
        raise ConfigError(
            f"queue function {fn.name!r}: connection setting {fn.connection!r} is not set (the "
            f"dev host needs a storage connection string there; identity-based connections are "
            f"not supported)"
        )
    return value


def decode_body(text: str) -> bytes:
    """Message text to body bytes: base64 when it is base64 (the Functions default), else raw.

    Text that is not base64 is passed through rather than failing, so messages
    written by tools that skip the encoding still reach the function.
    """
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return text.encode("utf-8")


def _client(connection_string: str, queue_name: str, pool_size: int, retries: int) -> QueueClient:
    # The SDK's default retry waits 15 s, then 18 s...: far too slow for a poll loop
    # that has its own backoff, and it would hold up a stop for a minute.
    retry_policy = ExponentialRetry(
        initial_backoff=1, increment_base=2, retry_total=retries, random_jitter_range=1
    )
    # Size the HTTP pool for the worker threads: urllib3's default of 10 would
    # otherwise drop and reopen connections (and warn) with a batch of 16.
    session = requests.Session()
    adapter = HTTPAdapter(
        pool_maxsize=pool_size,
        max_retries=Retry(total=False, redirect=False, raise_on_status=False),
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    try:
        # No decode policy: the text comes back raw, so non-base64 messages do not crash
        # the receive and the poison queue gets the original text.
        return QueueClient.from_connection_string(
            connection_string,
            queue_name,
            transport=RequestsTransport(session=session),
            retry_policy=retry_policy,
            connection_timeout=10,
            read_timeout=30,
        )
    except ValueError as exc:
        raise ConfigError(f"queue {queue_name!r}: bad storage connection string: {exc}") from exc


@dataclass
class _Lease:
    """The in-flight hold on one message; the pop receipt changes each time it is renewed."""

    message_id: str
    pop_receipt: str
    renew_at: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    settled: bool = False


class _WorkerPool:
    """A fixed set of daemon threads, so a hung function cannot block interpreter exit."""

    def __init__(self, size: int, name: str) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True)
            for i in range(size)
        ]
        for thread in self._threads:
            thread.start()

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                job()
            except BaseException:
                # Even SystemExit from a function must not shrink the pool.
                log.exception("queue worker job failed")

    def submit(self, job: Callable[[], None]) -> None:
        """Queue a job for the next free thread."""
        self._jobs.put(job)

    def shutdown(self) -> None:
        """Let each thread finish its current job and exit."""
        for _ in self._threads:
            self._jobs.put(None)


class QueueListener:
    """Polls one queue for one function until stopped; storage errors are retried forever."""

    def __init__(
        self,
        fn: QueueFunction,
        queue_name: str,
        connection_string: str,
        settings: QueueSettings,
        stop_event: threading.Event,
    ) -> None:
        self.fn = fn
        self.queue_name = queue_name
        self.poison_name = f"{queue_name}-poison"
        self._settings = settings
        self._stop = stop_event
        # Polling fails fast and leaves retrying to the poll loop; settling (delete,
        # release, renew) retries briefly, since giving up there re-runs a message.
        self._poll_client = _client(connection_string, queue_name, 2, retries=0)
        self._client = _client(connection_string, queue_name, settings.batch_size + 2, retries=3)
        self._poison_client = _client(connection_string, self.poison_name, 2, retries=3)
        self._ready = False
        self._cond = threading.Condition()
        self._leases: dict[str, _Lease] = {}
        self._drained = threading.Event()
        self._pool: _WorkerPool | None = None
        self._poller = threading.Thread(
            target=self._poll, name=f"devhost-queue-{fn.name}", daemon=True
        )
        self._keeper = threading.Thread(
            target=self._keep_leases, name=f"devhost-lease-{fn.name}", daemon=True
        )

    def start(self) -> None:
        """Start polling on background threads."""
        self._pool = _WorkerPool(self._settings.batch_size, f"devhost-queue-{self.fn.name}")
        self._poller.start()
        self._keeper.start()

    def join(self, timeout: float) -> None:
        """After the stop event: stop polling, let in-flight messages finish, release clients."""
        if self._poller.ident is None:
            self._close_clients()
            return
        deadline = time.monotonic() + timeout
        self._poller.join(max(0.0, deadline - time.monotonic()))
        with self._cond:
            while self._leases and time.monotonic() < deadline:
                self._cond.wait(max(0.0, deadline - time.monotonic()))
            left = len(self._leases)
        if left:
            log.warning(
                "queue %s: %d message(s) still running at stop; they reappear when their "
                "lease ends",
                self.queue_name,
                left,
            )
        self._drained.set()
        if self._keeper.ident is not None:
            self._keeper.join(max(0.0, deadline - time.monotonic()))
        if self._pool is not None:
            self._pool.shutdown()
        if not left:
            self._close_clients()

    def _close_clients(self) -> None:
        for client in (self._poll_client, self._client, self._poison_client):
            client.close()

    # Polling

    def _ensure_queues(self) -> None:
        for client in (self._poll_client, self._poison_client):
            try:
                client.create_queue()
            except ResourceExistsError:
                pass

    def _wait_for_capacity(self) -> int:
        """Block until few enough messages are in flight; return how many more to fetch.

        Like the host (newBatchThreshold's default), the next batch is fetched once half
        the batch is done, so the pool never sits idle waiting for a whole batch.
        """
        batch = self._settings.batch_size
        threshold = batch // 2
        with self._cond:
            while len(self._leases) > threshold and not self._stop.is_set():
                self._cond.wait(0.5)
            return min(batch - len(self._leases), _MAX_PER_RECEIVE)

    def _receive(self, count: int) -> list[StorageQueueMessage]:
        pages = self._poll_client.receive_messages(
            messages_per_page=count, max_messages=count, visibility_timeout=LEASE_SECONDS
        ).by_page()
        # One page is one request; iterating further would poll again at once.
        return list(next(pages, []))

    def _poll(self) -> None:
        error_backoff = 1.0
        idle_delay = _FIRST_POLL_DELAY
        max_idle = max(self._settings.max_polling_interval.total_seconds(), _FIRST_POLL_DELAY)
        while not self._stop.is_set():
            try:
                if not self._ready:
                    self._ensure_queues()
                    self._ready = True
                count = self._wait_for_capacity()
                if self._stop.is_set():
                    break
                messages = self._receive(count)
                if self._stop.is_set():
                    self._release(messages)
                    break
            except Exception as exc:
                log.warning(
                    "queue %s: storage error (%s: %s); retrying in %.0fs",
                    self.queue_name,
                    type(exc).__name__,
                    exc,
                    error_backoff,
                )
                self._stop.wait(error_backoff)
                error_backoff = min(error_backoff * 2, _MAX_ERROR_BACKOFF)
                continue
            error_backoff = 1.0
            if messages:
                idle_delay = _FIRST_POLL_DELAY
                self._dispatch(messages)
                continue
            self._stop.wait(idle_delay)
            idle_delay = min(idle_delay * 2, max_idle)

    def _release(self, messages: list[StorageQueueMessage]) -> None:
        """Hand back messages received as the host stops, rather than hide them for a lease."""
        for message in messages:
            try:
                self._client.update_message(
                    message.id, pop_receipt=message.pop_receipt, visibility_timeout=0
                )
            except Exception as exc:
                log.debug("queue %s: cannot release message: %s", self.queue_name, exc)

    def _dispatch(self, messages: list[StorageQueueMessage]) -> None:
        assert self._pool is not None
        renew_at = time.monotonic() + LEASE_SECONDS / 2
        for message in messages:
            lease = _Lease(str(message.id), str(message.pop_receipt), renew_at)
            with self._cond:
                self._leases[lease.message_id] = lease
            self._pool.submit(functools.partial(self._process, message, lease))

    # Leases

    def _keep_leases(self) -> None:
        while not self._drained.wait(1.0):
            now = time.monotonic()
            with self._cond:
                due = [lease for lease in self._leases.values() if lease.renew_at <= now]
            for lease in due:
                with lease.lock:
                    if lease.settled:
                        continue
                    try:
                        updated = self._client.update_message(
                            lease.message_id,
                            pop_receipt=lease.pop_receipt,
                            visibility_timeout=LEASE_SECONDS,
                        )
                    except Exception as exc:
                        log.warning("queue %s: cannot renew lease: %s", self.queue_name, exc)
                        continue
                    lease.pop_receipt = str(updated.pop_receipt)
                    lease.renew_at = now + LEASE_SECONDS / 2

    def _settle(self, lease: _Lease, action: Callable[[str], object], what: str) -> None:
        with lease.lock:
            lease.settled = True
            try:
                action(lease.pop_receipt)
            except Exception as exc:
                log.warning(
                    "queue %s: cannot %s message %s: %s",
                    self.queue_name,
                    what,
                    lease.message_id,
                    exc,
                )

    # Processing

    def _process(self, message: StorageQueueMessage, lease: _Lease) -> None:
        try:
            self._handle(message, lease)
        except Exception:
            log.exception("queue %s: unexpected error on message %s", self.queue_name, message.id)
        finally:
            with self._cond:
                self._leases.pop(lease.message_id, None)
                self._cond.notify_all()

    def _delete(self, lease: _Lease) -> None:
        self._settle(
            lease,
            lambda receipt: self._client.delete_message(lease.message_id, pop_receipt=receipt),
            "delete",
        )

    def _to_poison(self, message: StorageQueueMessage, lease: _Lease) -> None:
        log.warning(
            "queue %s: message %s reached maxDequeueCount %d; moving it to %s",
            self.queue_name,
            message.id,
            self._settings.max_dequeue_count,
            self.poison_name,
        )
        try:
            # The original text, still encoded, so it can be replayed as it was.
            self._poison_client.send_message(message.content or "")
        except Exception as exc:
            # Keep the message (it returns after its lease) rather than lose it.
            log.warning("queue %s: cannot write poison message: %s", self.queue_name, exc)
            return
        self._delete(lease)

    def _handle(self, message: StorageQueueMessage, lease: _Lease) -> None:
        dequeue_count = int(message.dequeue_count or 1)
        max_dequeue = self._settings.max_dequeue_count
        if dequeue_count > max_dequeue:
            self._to_poison(message, lease)
            return
        body = decode_body(message.content or "")
        trigger = FunctionQueueMessage(  # type: ignore[no-untyped-call]
            id=message.id,
            body=body,
            dequeue_count=dequeue_count,
            insertion_time=message.inserted_on,
            expiration_time=message.expires_on,
            time_next_visible=message.next_visible_on,
            pop_receipt=lease.pop_receipt,
        )
        invocation = uuid.uuid4()
        started = time.perf_counter()
        log.info(
            "Executing 'Functions.%s' (Reason='New queue message detected on '%s'.', Id=%s)",
            self.fn.name,
            self.queue_name,
            invocation,
        )
        try:
            self.fn.invoke(trigger)
        except Exception:
            log.exception(
                "Executed 'Functions.%s' (Failed, Id=%s, DequeueCount=%d)",
                self.fn.name,
                invocation,
                dequeue_count,
            )
            if dequeue_count >= max_dequeue:
                self._to_poison(message, lease)
            else:
                retry_after = _seconds(self._settings.visibility_timeout)
                self._settle(
                    lease,
                    lambda receipt: self._client.update_message(
                        lease.message_id, pop_receipt=receipt, visibility_timeout=retry_after
                    ),
                    "release",
                )
            return
        log.info(
            "Executed 'Functions.%s' (Succeeded, Id=%s, Duration=%.0fms)",
            self.fn.name,
            invocation,
            (time.perf_counter() - started) * 1000,
        )
        self._delete(lease)


def _seconds(span: timedelta) -> int:
    # The service takes whole seconds; round up so a short delay is never skipped.
    return max(0, math.ceil(span.total_seconds()))

"""Email worker throughput: the real NotificationWorker and AcsEmailSender against the ACS stub,
drained as the Functions host would (16 threads, receive 32 at a time, base64, handle, delete)."""

from __future__ import annotations

import base64
import json
import logging
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from azure.storage.queue import QueueClient

from shared.adapters.email.acs import AcsEmailSender, acs_client_options
from shared.adapters.http_transport import Urllib3Transport
from shared.adapters.queue_notifier import QueueNotifier
from shared.adapters.tables.outbox import TableOutboxStore
from shared.app.email_rendering import EmailRenderer
from shared.app.notifications import NotificationWorker, queue_message
from shared.app.ports import OutboxMessage
from shared.bootstrap import SystemClock

from .app import ROOT, Wired
from .harness import Counter, cpu_seconds
from .seed import seed_outbox

SENDER = "DoNotReply@bench.example"
THREADS = 16  # host.json batchSize
RECEIVE = 32  # the queue service's most per receive


@dataclass
class AcsProcess:
    proc: subprocess.Popen[str]
    endpoint: str
    key: str

    @classmethod
    def start(cls) -> AcsProcess:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.acs_server"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        return cls(proc, info["endpoint"], info["key"])

    @property
    def connection_string(self) -> str:
        return f"endpoint={self.endpoint}/;accesskey={self.key}"

    def delivered(self) -> int:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("delivered\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class PoolWarnings(logging.Handler):
    """Counts urllib3's 'Connection pool is full, discarding connection' warnings."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "pool is full" in record.getMessage():
            self.count += 1


def queue_client(connection: str, name: str, pool: int) -> QueueClient:
    """A receiving client for the host-like loop: raw text (decoded here), on the app's lean
    transport with `pool` connections (the real host is .NET: its HTTP costs are not Python's)."""
    return QueueClient.from_connection_string(connection, name, transport=Urllib3Transport(pool))


def clear_queues(connection: str) -> dict[str, int]:
    """Empty every queue of the bench Azurite; how many messages each held.

    Azurite's queue service looks through every stored message, of all queues, on each
    receive and delete: the messages earlier sections leave behind (one per decision of
    the operations bench) would make this section's queue calls several times dearer
    (a delete took ~7 ms of Azurite CPU with 3,000 messages elsewhere, ~1 ms without).
    An emulator artefact, not the worker's cost; Azure Queue Storage has no such coupling.
    """
    from azure.storage.queue import QueueServiceClient

    service = QueueServiceClient.from_connection_string(connection)
    held: dict[str, int] = {}
    for queue in service.list_queues():
        client = service.get_queue_client(queue.name)
        held[queue.name] = client.get_queue_properties().approximate_message_count
        client.clear_messages()
    return held


def put_messages(wired: Wired, messages: list[OutboxMessage], threads: int = 8) -> None:
    notifier = QueueNotifier(wired.queue)
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(notifier.publish, messages))


def drain(worker: NotificationWorker, receiver: QueueClient, expected: int) -> dict[str, Any]:
    """Receive, decode, handle and delete until `expected` messages are done."""
    cond = threading.Condition()
    state = {"done": 0, "inflight": 0, "sent": 0, "errors": 0}
    first_error: list[str] = []

    def job(message: Any) -> None:
        sent = 0
        try:
            body = base64.b64decode(message.content).decode("utf-8")
            sent = worker.handle(body, message.id).sent
            receiver.delete_message(message.id, message.pop_receipt)
        except Exception as exc:
            with cond:
                state["errors"] += 1
                if not first_error:
                    first_error.append(f"{type(exc).__name__}: {exc}")
        with cond:
            state["done"] += 1
            state["inflight"] -= 1
            state["sent"] += sent
            cond.notify_all()

    start = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        while True:
            with cond:
                while state["inflight"] > THREADS and state["done"] < expected:
                    cond.wait(0.5)
                if state["done"] >= expected:
                    break
            page = receiver.receive_messages(
                messages_per_page=RECEIVE, max_messages=RECEIVE, visibility_timeout=300
            ).by_page()
            messages = list(next(page, []))
            if not messages:
                with cond:
                    if state["done"] + state["inflight"] >= expected:
                        cond.wait(0.05)
                        continue
                time.sleep(0.02)
                continue
            with cond:
                state["inflight"] += len(messages)
            for message in messages:
                pool.submit(job, message)
    elapsed = time.perf_counter() - start
    return {
        "messages": state["done"],
        "emails": state["sent"],
        "errors": state["errors"],
        "first_error": first_error[0] if first_error else None,
        "seconds": round(elapsed, 3),
        "messages_per_second": round(state["done"] / elapsed, 1),
        "emails_per_second": round(state["sent"] / elapsed, 1),
    }


def run(
    wired: Wired, acs: AcsProcess, azurite_pid: int, messages: int, threads: int
) -> dict[str, Any]:
    """Seed `messages` decided requests' outbox rows (2 users each: 2 emails per message),
    queue them, and drain with the real worker; a small untimed warm-up first.

    The worker's store and ACS client count their calls; CPU is taken per process
    (this one: worker + the host-like receive/delete loop; Azurite; the ACS stub)."""
    from azure.communication.email import EmailClient
    from azure.core.credentials import AzureKeyCredential

    store: TableOutboxStore = wired.counted.store.outbox
    acs_calls = Counter()
    client = EmailClient(
        acs.endpoint,
        AzureKeyCredential(acs.key),
        raw_request_hook=acs_calls.hook,
        **acs_client_options(),
    )
    sender = AcsEmailSender(client, SENDER, polling_interval=0.01)
    worker = NotificationWorker(store, sender, EmailRenderer("en"), SystemClock())
    receiver = queue_client(
        wired.settings.storage_connection or "", wired.settings.notifications_queue, THREADS * 2
    )
    cleared = clear_queues(wired.settings.storage_connection or "")
    warnings = PoolWarnings()
    logging.getLogger("urllib3.connectionpool").addHandler(warnings)
    now = datetime.now(UTC)
    retention = wired.settings.retention_period
    seed = {"newest": now, "retention": retention, "threads": threads}
    try:
        # One message at a time in this thread: the worker's own cost per message.
        solos = seed_outbox(wired.writer, store, "mailsolo", 100, **seed)
        for message in solos[:20]:
            worker.handle(queue_message(message), f"warm-{message.key}")
        wired.counter.take()
        acs_calls.take()
        cpu, wall = time.process_time(), time.perf_counter()
        for message in solos[20:]:
            worker.handle(queue_message(message), f"solo-{message.key}")
        solo = len(solos) - 20
        solo_figures = {
            "cpu_ms_per_message": round((time.process_time() - cpu) / solo * 1000, 2),
            "wall_ms_per_message": round((time.perf_counter() - wall) / solo * 1000, 2),
            "table_calls_per_message": round(len(wired.counter.take()) / solo, 2),
            "acs_calls_per_message": round(len(acs_calls.take()) / solo, 2),
        }

        warm = seed_outbox(wired.writer, store, "mailwarm", 64, **seed)
        put_messages(wired, warm)
        drain(worker, receiver, len(warm))

        put_messages(wired, seed_outbox(wired.writer, store, "mail", messages, **seed))
        warnings.count = 0
        before = (time.process_time(), cpu_seconds(azurite_pid), cpu_seconds(acs.proc.pid))
        figures = drain(worker, receiver, messages)
        after = (time.process_time(), cpu_seconds(azurite_pid), cpu_seconds(acs.proc.pid))
        figures["cpu_ms_per_message"] = {
            name: round((b - a) / messages * 1000, 2)
            for name, a, b in zip(
                ("bench_process", "azurite", "acs_stub"), before, after, strict=True
            )
        }
        figures["single_thread_worker"] = solo_figures
        figures["outbox_rows_left"] = _outbox_left(store, "mail")
        figures["pool_full_warnings"] = warnings.count
        figures["messages_cleared_from_other_queues"] = cleared
        return figures
    finally:
        logging.getLogger("urllib3.connectionpool").removeHandler(warnings)


def run_devhost(
    wired: Wired, base_queue: str, messages: int, threads: int, timeout: float = 120
) -> dict[str, Any]:
    """The same messages through the dev host's queue trigger (its own AcsEmailSender from
    EMAIL_SENDER=acs settings): time from the first put until every outbox row is gone."""
    store: TableOutboxStore = wired.timed.store.outbox
    now = datetime.now(UTC)
    retention = wired.settings.retention_period
    trigger = QueueNotifier(_encoded_queue(wired, base_queue))
    figures: dict[str, Any] = {}
    for tenant, count in (("hostwarm", 16), ("hostmail", messages)):
        seeded = seed_outbox(
            wired.writer, store, tenant, count, newest=now, retention=retention, threads=threads
        )
        start = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(trigger.publish, seeded))
        while True:
            left = _outbox_left(store, tenant)
            if not left:
                break
            if time.perf_counter() - start > timeout:
                figures["timed_out_with_rows_left"] = left
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        figures.update(
            {
                "messages": count,
                "seconds": round(elapsed, 3),
                "messages_per_second": round(count / elapsed, 1),
                "emails_per_second": round(2 * count / elapsed, 1),
            }
        )
    return figures


def _encoded_queue(wired: Wired, name: str) -> Any:
    from azure.storage.queue import TextBase64EncodePolicy

    client = QueueClient.from_connection_string(
        wired.settings.storage_connection or "",
        name,
        message_encode_policy=TextBase64EncodePolicy(),
    )
    try:
        client.create_queue()
    except Exception:
        pass
    return client


def _outbox_left(store: TableOutboxStore, tenant: str) -> int:
    rows = store.table.query_entities(
        "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high",
        parameters={"pk": tenant, "low": "O|", "high": "O}"},
        select=["RowKey"],
    )
    return sum(1 for _ in rows)

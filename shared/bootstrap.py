"""The composition root: builds the adapters from Settings once per process.

Tests (and benchmarks) replace any part with `override(...)`; nothing else constructs
SDK clients, so a function invocation never pays for building one.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.auth import TokenVerifier, build_verifier
from shared.config import Settings, get_settings
from shared.cursors import CursorCodec
from shared.email_content import EmailRenderer
from shared.notifications import NotificationWorker, OutboxRelay, QueueNotifier
from shared.ports import Clock, EmailSender, Notifier
from shared.retention import RetentionSweeper
from shared.services import LicenseService
from shared.table_store import TableRequestStore

# Fail fast when storage is down: the caller gets a 503 with Retry-After, not a hang.
CLIENT_OPTIONS: dict[str, Any] = {
    "retry_total": 2,
    "retry_backoff_factor": 0.2,
    "connection_timeout": 5,
    "read_timeout": 20,
}


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Container:
    """Everything the functions use, built once."""

    settings: Settings
    clock: Clock
    store: TableRequestStore
    verifier: TokenVerifier
    service: LicenseService
    notifier: Notifier
    sender: EmailSender | None = None
    _worker: NotificationWorker | None = field(default=None, repr=False)

    def worker(self) -> NotificationWorker:
        """The email worker; its sender is built on first use (HTTP calls never need it)."""
        if self._worker is None:
            if self.sender is None:
                from shared.email_senders import build_email_sender  # noqa: PLC0415

                self.sender = build_email_sender(self.settings)
            self._worker = NotificationWorker(
                self.store, self.sender, EmailRenderer(self.settings.email_language), self.clock
            )
        return self._worker

    def retention(self) -> RetentionSweeper:
        """The retention sweep."""
        return RetentionSweeper(self.store, self.clock, self.settings.retention_period)

    def relay(self) -> OutboxRelay:
        """The outbox relay."""
        return OutboxRelay(self.store, self.notifier, self.clock)


@functools.lru_cache(maxsize=4)
def _identity_credential(client_id: str | None) -> Any:
    from azure.identity import DefaultAzureCredential  # noqa: PLC0415 - only off-Azurite

    return DefaultAzureCredential(managed_identity_client_id=client_id)


def _credential(settings: Settings) -> Any:
    """The process's one credential for the app's identity: one token cache for every client."""
    return _identity_credential(settings.managed_identity_client_id)


def table_service(settings: Settings, **client_options: Any) -> Any:
    """The TableServiceClient for these settings (connection string or managed identity).

    Builds only: no network call until the client is used.
    """
    from azure.data.tables import TableServiceClient  # noqa: PLC0415 - cold start

    from shared.http_transport import transport_options  # noqa: PLC0415 - cold start

    options = {**CLIENT_OPTIONS, **transport_options(), **client_options}
    if settings.storage_connection:
        return TableServiceClient.from_connection_string(settings.storage_connection, **options)
    assert settings.table_service_uri
    return TableServiceClient(
        endpoint=settings.table_service_uri, credential=_credential(settings), **options
    )


def queue_client(settings: Settings, queue_name: str, **client_options: Any) -> Any:
    """A QueueClient for these settings (base64 messages, as the Functions trigger expects).

    Builds only: no network call until the client is used.
    """
    from azure.storage.queue import QueueClient, TextBase64EncodePolicy  # noqa: PLC0415

    from shared.http_transport import transport_options  # noqa: PLC0415 - cold start

    options = {
        **CLIENT_OPTIONS,
        **transport_options(),
        "message_encode_policy": TextBase64EncodePolicy(),
        **client_options,
    }
    if settings.storage_connection:
        return QueueClient.from_connection_string(
            settings.storage_connection, queue_name, **options
        )
    assert settings.queue_service_uri
    return QueueClient(
        settings.queue_service_uri, queue_name, credential=_credential(settings), **options
    )


def build_store(settings: Settings, **client_options: Any) -> TableRequestStore:
    """The Table Storage store for these settings, its tables created if missing."""
    service = table_service(settings, **client_options)
    store = TableRequestStore(
        service.get_table_client(settings.table_name),
        service.get_table_client(settings.tenants_table_name),
    )
    store.ensure_tables()
    return store


def build_queue(settings: Settings, **client_options: Any) -> Any:
    """The notifications queue client, the queue and its poison queue created if missing."""
    from azure.core.exceptions import ResourceExistsError  # noqa: PLC0415

    name = settings.notifications_queue
    clients = [queue_client(settings, q, **client_options) for q in (name, f"{name}-poison")]
    for client in clients:
        try:
            client.create_queue()
        except ResourceExistsError:
            pass
    return clients[0]


def build(settings: Settings | None = None, **parts: Any) -> Container:
    """A container from settings, with any part given in `parts` used as is."""
    settings = settings or get_settings()
    clock = parts.get("clock") or SystemClock()
    store = parts.get("store") or build_store(settings)
    notifier = parts.get("notifier") or QueueNotifier(build_queue(settings))
    service = parts.get("service") or LicenseService(
        store,
        clock,
        retention=settings.retention_period,
        cursors=CursorCodec(settings.cursor_secret),
        notifier=notifier,
    )
    return Container(
        settings=settings,
        clock=clock,
        store=store,
        verifier=parts.get("verifier") or build_verifier(settings),
        service=service,
        notifier=notifier,
        sender=parts.get("sender"),
    )


_lock = threading.Lock()
_container: Container | None = None


def container() -> Container:
    """The process-wide container, built on first use."""
    global _container
    if _container is None:
        with _lock:
            if _container is None:
                _container = build()
    return _container


def override(new: Container | None) -> None:
    """Replace (or with None, forget) the process-wide container."""
    global _container
    with _lock:
        _container = new

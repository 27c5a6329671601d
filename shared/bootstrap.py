"""The composition root: builds every adapter from Settings, once per process.

Every SDK client, and the one Azure credential they share, is built here and nowhere
else. Tests (and benchmarks) replace any part with `build(..., part=...)` and
`override(...)`; a function invocation never pays for building a client.
"""

from __future__ import annotations

import functools
import logging
import threading
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.adapters.auth import RememberingVerifier, TokenVerifier, build_verifier
from shared.adapters.queue_notifier import QueueNotifier
from shared.adapters.tables.reminders import TableReminderStore
from shared.adapters.tables.store import TableStore
from shared.app.context import UseCaseContext
from shared.app.cursors import CursorCodec
from shared.app.directory import Directory
from shared.app.email_rendering import EmailRenderer
from shared.app.fulfilment import FulfilmentWorker
from shared.app.microsoft365 import ConsentConfig
from shared.app.notifications import NotificationWorker
from shared.app.ports import Clock, EmailSender, Notifier
from shared.app.recovery import OutboxRelay
from shared.app.reminders import NotificationPreferences, ReminderDigests
from shared.app.retention import RetentionSweeper
from shared.app.service import LicenseService
from shared.config import Settings, SettingsError, get_settings

log = logging.getLogger(__name__)

# Fail fast when storage is down: the caller gets a 503 with Retry-After, not a hang.
CLIENT_OPTIONS: dict[str, Any] = {
    "retry_total": 2,
    "retry_backoff_factor": 0.2,
    "connection_timeout": 5,
    "read_timeout": 20,
}


# At most two tries of 2 s to connect and 2 s to read (a put takes milliseconds).
QUEUE_OPTIONS: dict[str, Any] = {"connection_timeout": 2, "read_timeout": 2}


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


# ---- SDK clients ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _identity_credential(client_id: str | None) -> Any:
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential(managed_identity_client_id=client_id)


def credential(settings: Settings) -> Any:
    """The process's one credential for the app's identity: one token cache for every client."""
    return _identity_credential(settings.managed_identity_client_id)


def _sdk_options(client_options: dict[str, Any]) -> dict[str, Any]:
    from shared.adapters.http_transport import transport_options

    options = {**CLIENT_OPTIONS, **client_options}
    if "transport" in options:
        return options
    timeouts = {k: options[k] for k in ("connection_timeout", "read_timeout")}
    return {**options, **transport_options(**timeouts)}


def table_service(settings: Settings, **client_options: Any) -> Any:
    """The TableServiceClient for these settings (connection string or managed identity).

    Builds only: no network call until the client is used.
    """
    from azure.data.tables import TableServiceClient

    if settings.table_query_log and "raw_request_hook" not in client_options:
        client_options = {**client_options, "raw_request_hook": _query_logger(settings)}
    options = _sdk_options(client_options)
    if settings.storage_connection:
        return TableServiceClient.from_connection_string(settings.storage_connection, **options)
    assert settings.table_service_uri
    return TableServiceClient(
        endpoint=settings.table_service_uri, credential=credential(settings), **options
    )


def _query_logger(settings: Settings) -> Any:
    """A request hook appending each table query's URL (GETs: reads and queries) to the
    TABLE_QUERY_LOG file, one line each."""
    path, lock = str(settings.table_query_log), threading.Lock()

    def log_query(request: Any) -> None:
        http = request.http_request
        if http.method == "GET":
            with lock, open(path, "a", encoding="utf-8") as log:
                log.write(http.url + "\n")

    return log_query


def queue_client(settings: Settings, queue_name: str, **client_options: Any) -> Any:
    """A QueueClient for these settings (base64 messages, as the Functions trigger expects).

    Builds only: no network call until the client is used.
    """
    from azure.storage.queue import LinearRetry, QueueClient, TextBase64EncodePolicy

    # A queue put never holds a decision for long: the storage queue SDK's own retry waits
    # 15 s and more between tries; a notice not queued now is queued by the relay later.
    options = _sdk_options(
        {
            "message_encode_policy": TextBase64EncodePolicy(),
            **QUEUE_OPTIONS,
            "retry_policy": LinearRetry(backoff=0.2, retry_total=1, random_jitter_range=0.1),  # type: ignore[arg-type]
            **client_options,
        }
    )
    if settings.storage_connection:
        return QueueClient.from_connection_string(
            settings.storage_connection, queue_name, **options
        )
    assert settings.queue_service_uri
    return QueueClient(
        settings.queue_service_uri, queue_name, credential=credential(settings), **options
    )


def build_store(settings: Settings, **client_options: Any) -> TableStore:
    """The Table Storage stores for these settings, their tables created if missing."""
    if settings.table_query_log and "raw_request_hook" not in client_options:
        client_options = {**client_options, "raw_request_hook": _query_logger(settings)}
    # Tests and the bench may hand the lean wire a connection pool of their own.
    wire_pool = client_options.pop("wire_pool", None)
    service = table_service(settings, **client_options)
    store = TableStore(
        service.get_table_client(settings.table_name),
        service.get_table_client(settings.tenants_table_name),
        _read_pool(),
        wire_pool,
        request_hook=client_options.get("raw_request_hook"),
        response_hook=client_options.get("raw_response_hook"),
    )
    store.ensure_tables()
    return store


def build_queue(settings: Settings, name: str | None = None, **client_options: Any) -> Any:
    """A queue client (default: notifications), the queue and its poison queue created if
    missing. A queue service that is down does not stop the app from starting: its puts
    fail fast and are noted for the relay."""
    from azure.core.exceptions import AzureError, ResourceExistsError

    name = name or settings.notifications_queue
    clients = [queue_client(settings, q, **client_options) for q in (name, f"{name}-poison")]
    for client in clients:
        try:
            client.create_queue()
        except ResourceExistsError:
            pass
        except AzureError as exc:
            log.warning("queue %s not created now (%s)", client.queue_name, type(exc).__name__)
            break
    return clients[0]


def build_notifier(settings: Settings, **client_options: Any) -> QueueNotifier:
    """Notices onto their queues (emails, and Microsoft 365 fulfilment), put over the lean
    wire when the credential allows it, else through the SDK."""
    from shared.adapters.queue_wire import Outage, QueueWire
    from shared.adapters.tables.wire import shared_pool

    clients = [
        build_queue(settings, **client_options),
        build_queue(settings, settings.fulfilment_queue, **client_options),
    ]
    outage = Outage()  # both queues live on one account: one is down when the other is
    email, fulfilment = (QueueWire.for_client(c, shared_pool(), outage) or c for c in clients)
    return QueueNotifier(email, fulfilment)


def build_directory(settings: Settings) -> Directory | None:
    """Microsoft Graph for connected tenants, or None without an app registration."""
    if not settings.microsoft365_enabled:
        return None
    from shared.adapters.graph.client import GraphClient
    from shared.adapters.graph.credentials import TenantCredentials
    from shared.adapters.graph.directory import GraphDirectory
    from shared.adapters.http_transport import Urllib3Transport, shared_transport

    transport = (
        Urllib3Transport(ca_certs=settings.graph_ca_bundle)
        if settings.graph_ca_bundle
        else shared_transport() or Urllib3Transport()
    )
    credentials = TenantCredentials(settings, managed_identity=lambda: credential(settings))
    return GraphDirectory(GraphClient(settings.graph_base_url, credentials, transport))


def consent_config(settings: Settings) -> ConsentConfig | None:
    """Where admins consent and come back to, or None without an app registration."""
    if not settings.microsoft365_enabled or not settings.graph_client_id:
        return None
    return ConsentConfig(
        client_id=settings.graph_client_id,
        authority_host=settings.graph_authority_host,
        redirect_uri=f"{settings.public_base_url}/api/setup/microsoft365/callback",
        console_url=f"{settings.public_base_url}/api/console/",
    )


def build_email_sender(settings: Settings) -> EmailSender:
    """The sender the settings ask for; SettingsError when ACS is chosen but not configured."""
    from shared.adapters.email.outbox_dir import LOCAL_SENDER_ADDRESS, OutboxDirSender

    if settings.email_sender == "outbox":
        return OutboxDirSender(
            settings.email_outbox_dir,
            sender_address=settings.email_sender_address or LOCAL_SENDER_ADDRESS,
        )
    sender_address = (settings.email_sender_address or "").strip()
    if not sender_address or "@" not in sender_address:
        raise SettingsError(
            "EMAIL_SENDER=acs needs EMAIL_SENDER_ADDRESS (e.g. DoNotReply@<your verified domain>)"
        )
    if sender_address.lower().endswith(".local"):
        raise SettingsError(
            f"EMAIL_SENDER_ADDRESS={sender_address!r} is the local placeholder; with "
            "EMAIL_SENDER=acs use an address on a domain linked to the ACS resource"
        )
    from azure.communication.email import EmailClient

    from shared.adapters.email.acs import AcsEmailSender, acs_client_options

    if settings.acs_connection_string:
        # Parsed here rather than by from_connection_string, which silently turns an
        # http endpoint (a local ACS-contract server) into https.
        from azure.core.credentials import AzureKeyCredential

        pairs = (p.split("=", 1) for p in settings.acs_connection_string.split(";") if "=" in p)
        parts = {k.strip().lower(): v.strip() for k, v in pairs}
        if not parts.get("endpoint") or not parts.get("accesskey"):
            raise SettingsError("ACS_CONNECTION_STRING needs endpoint=...;accesskey=...")
        key = AzureKeyCredential(parts["accesskey"])
        client = EmailClient(parts["endpoint"], key, **acs_client_options())
    elif settings.acs_endpoint:
        client = EmailClient(settings.acs_endpoint, credential(settings), **acs_client_options())
    else:
        raise SettingsError(
            "EMAIL_SENDER=acs needs ACS_CONNECTION_STRING or ACS_ENDPOINT "
            "(the endpoint uses the managed identity)"
        )
    return AcsEmailSender(client, sender_address)


# ---- the container --------------------------------------------------------------------------


@functools.cache
def _read_pool() -> ThreadPoolExecutor:
    """A small pool for reads that do not depend on each other (one per process)."""
    return ThreadPoolExecutor(max_workers=8, thread_name_prefix="parallel-read")


@dataclass
class Container:
    """Everything the functions use, built once."""

    settings: Settings
    clock: Clock
    store: TableStore
    verifier: TokenVerifier
    service: LicenseService
    notifier: Notifier
    sender: EmailSender | None = None
    directory: Directory | None = None
    _worker: NotificationWorker | None = field(default=None, repr=False)
    _reminder_rows: TableReminderStore | None = field(default=None, repr=False)

    def worker(self) -> NotificationWorker:
        """The email worker; its sender is built on first use (HTTP calls never need it)."""
        if self._worker is None:
            if self.sender is None:
                self.sender = build_email_sender(self.settings)
            requests = self.store.requests

            def tenant_language(tenant: str) -> str | None:
                found = requests.get_request_process(tenant)
                return found.value.email_language if found else None

            self._worker = NotificationWorker(
                self.store.outbox,
                self.sender,
                EmailRenderer(
                    self.settings.email_language, public_base_url=self.settings.public_base_url
                ),
                self.clock,
                self.relay(),
                tenant_language,
            )
        return self._worker

    def fulfilment(self) -> FulfilmentWorker:
        """The Microsoft 365 fulfilment worker."""
        if self.directory is None:
            raise SettingsError("Microsoft 365 fulfilment needs GRAPH_CLIENT_ID and a credential")
        return FulfilmentWorker(self.service.context, self.directory, self.notifier)

    def retention(self) -> RetentionSweeper:
        """The retention sweep."""
        return RetentionSweeper(self.store.purge, self.clock, self.settings.retention_period)

    def relay(self) -> OutboxRelay:
        """The outbox relay."""
        return OutboxRelay(self.store.outbox, self.notifier, self.clock)

    def reminders(self) -> ReminderDigests:
        """The reminder timer's work."""
        return ReminderDigests(self.service.context, self._reminder_store())

    def notification_settings(self) -> NotificationPreferences:
        """GET/PUT /api/settings/notifications."""
        return NotificationPreferences(self.service.context, self._reminder_store())

    def _reminder_store(self) -> TableReminderStore:
        if self._reminder_rows is None:
            self._reminder_rows = TableReminderStore.beside(self.store.requests)
        return self._reminder_rows


def build(settings: Settings | None = None, **parts: Any) -> Container:
    """A container from settings, with any part given in `parts` used as is."""
    settings = settings or get_settings()
    clock = parts.get("clock") or SystemClock()
    store = parts.get("store") or build_store(settings)
    notifier = parts.get("notifier") or build_notifier(settings)
    executor: Executor = parts.get("executor") or _read_pool()
    directory = parts["directory"] if "directory" in parts else build_directory(settings)
    service = parts.get("service") or LicenseService(
        UseCaseContext(
            store=store.requests,
            clock=clock,
            retention=settings.retention_period,
            notifier=notifier,
            executor=executor,
            reclaim_notice=settings.reclaim_notice,
        ),
        CursorCodec(settings.cursor_secret),
        directory,
        consent_config(settings),
        store.requests,
    )
    return Container(
        settings=settings,
        clock=clock,
        store=store,
        verifier=parts.get("verifier") or RememberingVerifier(build_verifier(settings)),
        service=service,
        notifier=notifier,
        sender=parts.get("sender"),
        directory=directory,
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

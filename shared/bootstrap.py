"""The composition root: builds the adapters from Settings once per process.

Tests (and benchmarks) replace any part with `override(...)`; nothing else constructs
SDK clients, so a function invocation never pays for building one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from shared.auth import TokenVerifier, build_verifier
from shared.config import Settings, get_settings
from shared.cursors import CursorCodec
from shared.ports import Clock, Notifier
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


@dataclass(frozen=True)
class Container:
    """Everything the functions use, built once."""

    settings: Settings
    clock: Clock
    store: TableRequestStore
    verifier: TokenVerifier
    service: LicenseService
    notifier: Notifier | None = None


def _credential(settings: Settings) -> Any:
    from azure.identity import DefaultAzureCredential  # noqa: PLC0415 - only off-Azurite

    return DefaultAzureCredential(managed_identity_client_id=settings.managed_identity_client_id)


def build_store(settings: Settings, **client_options: Any) -> TableRequestStore:
    """The Table Storage store for these settings (connection string or managed identity)."""
    from azure.data.tables import TableServiceClient  # noqa: PLC0415 - cold start

    options = {**CLIENT_OPTIONS, **client_options}
    if settings.storage_connection:
        service = TableServiceClient.from_connection_string(settings.storage_connection, **options)
    else:
        assert settings.table_service_uri
        service = TableServiceClient(
            endpoint=settings.table_service_uri, credential=_credential(settings), **options
        )
    store = TableRequestStore(
        service.get_table_client(settings.table_name),
        service.get_table_client(settings.tenants_table_name),
    )
    store.ensure_tables()
    return store


def build(settings: Settings | None = None, **parts: Any) -> Container:
    """A container from settings, with any part given in `parts` used as is."""
    settings = settings or get_settings()
    clock = parts.get("clock") or SystemClock()
    store = parts.get("store") or build_store(settings)
    notifier = parts.get("notifier")
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


__all__ = ["Container", "SystemClock", "build", "build_store", "container", "override", "replace"]

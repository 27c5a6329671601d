"""The entrypoints' one way to the application: the composition root, imported lazily.

The Functions host imports function_app to index the functions; the application's
heavier modules (pydantic models, JWT, storage SDKs) load on the first invocation,
here and nowhere else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.lazy import lazy_import

if TYPE_CHECKING:
    from shared import bootstrap
    from shared.adapters import auth
    from shared.app import queries
    from shared.app.fulfilment import FulfilmentWorker
    from shared.app.notifications import NotificationWorker
    from shared.app.recovery import OutboxRelay
    from shared.app.reminders import NotificationPreferences, ReminderDigests
    from shared.app.retention import RetentionSweeper
    from shared.app.service import LicenseService
    from shared.config import Settings
    from shared.domain import bulk, commands, models
    from shared.domain.identity import AdminRole, Principal
else:
    auth = lazy_import("shared.adapters.auth")
    bootstrap = lazy_import("shared.bootstrap")
    bulk = lazy_import("shared.domain.bulk")
    commands = lazy_import("shared.domain.commands")
    models = lazy_import("shared.domain.models")
    queries = lazy_import("shared.app.queries")

__all__ = ["bulk", "commands", "models", "queries"]


def service() -> LicenseService:
    """The use cases."""
    return bootstrap.container().service


def check_ready() -> None:
    """The app can serve: its parts are built and storage answers (503 otherwise)."""
    bootstrap.container().store.check_ready()


def settings() -> Settings:
    """The validated settings."""
    return bootstrap.container().settings


def authenticate(authorization: str | None) -> Principal:
    """The caller an `Authorization: Bearer` header speaks for (401 otherwise)."""
    return auth.principal_from_header(bootstrap.container().verifier, authorization)


def mint_dev_token(
    tenant: str, email: str, name: str | None, admin: bool, role: AdminRole | None = None
) -> str:
    """A dev token signed with the configured DEV_JWT_SECRET; its `oid` is the user's
    object id when the tenant's directory (the local Graph emulator) knows the user."""
    container = bootstrap.container()
    user_id = container.service.people.object_id(tenant, email)
    secret = container.settings.dev_jwt_secret
    return auth.mint_dev_token(
        secret, tenant, email, name=name, admin=admin, role=role, user_id=user_id
    )


def email_worker() -> NotificationWorker:
    """The queue-triggered email worker."""
    return bootstrap.container().worker()


def outbox_relay() -> OutboxRelay:
    """The outbox relay timer's work."""
    return bootstrap.container().relay()


def fulfilment_worker() -> FulfilmentWorker:
    """The queue-triggered Microsoft 365 fulfilment."""
    return bootstrap.container().fulfilment()


def retention_sweep() -> RetentionSweeper:
    """The retention timer's work."""
    return bootstrap.container().retention()


def reminder_digests() -> ReminderDigests:
    """The reminder timer's work."""
    return bootstrap.container().reminders()


def notification_settings() -> NotificationPreferences:
    """GET/PUT /api/settings/notifications."""
    return bootstrap.container().notification_settings()

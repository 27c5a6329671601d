"""One typed Settings object, read from the environment (app settings / local.settings.json)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Literal
from urllib.parse import urlparse

import isodate

# Azurite's well-known development account: public, documented, local only.
DEV_STORAGE_CONNECTION = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
    "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
    "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
    "QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;"
    "TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;"
)
DEV_JWT_SECRET_DEFAULT = "local-dev-only-secret-0123456789abcdef0123456789"
DEV_CURSOR_SECRET_DEFAULT = "local-dev-only-cursor-secret-0123456789abcdef"
ENTRA_JWKS_URL = "https://login.microsoftonline.com/common/discovery/v2.0/keys"
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# Timer schedules are resolved by the Functions host from app settings (%NAME%), so they
# must exist as settings; these are the values used when the environment has none.
SCHEDULE_DEFAULTS = {
    "RETENTION_SCHEDULE": "0 0 2 * * *",
    "OUTBOX_RELAY_SCHEDULE": "0 * * * * *",
    "CATALOGUE_SYNC_SCHEDULE": "0 0 * * * *",
    # Hourly: each tenant's digest goes out on the first run of the (UTC) day it is due.
    "REMINDER_SCHEDULE": "0 30 * * * *",
    # Hourly: time-limited licences are reclaimed within the hour they end.
    "RECLAIM_SCHEDULE": "0 15 * * * *",
}
GRAPH_BASE_URL = "https://graph.microsoft.com"
GRAPH_AUTHORITY_HOST = "https://login.microsoftonline.com"
LOCAL_PUBLIC_BASE_URL = "http://127.0.0.1:7071"


class SettingsError(ValueError):
    """A setting is missing or malformed; raised at start so the app never half-runs."""


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment, validated once."""

    auth_mode: Literal["dev", "entra"] = "dev"
    dev_jwt_secret: str = DEV_JWT_SECRET_DEFAULT
    auth_audience: tuple[str, ...] = ()
    auth_jwks_url: str = ENTRA_JWKS_URL
    auth_allowed_tenants: frozenset[str] = frozenset()
    storage_connection: str | None = DEV_STORAGE_CONNECTION
    table_service_uri: str | None = None
    queue_service_uri: str | None = None
    managed_identity_client_id: str | None = None
    table_name: str = "licenserequests"
    tenants_table_name: str = "licensetenants"
    notifications_queue: str = "license-notifications"
    fulfilment_queue: str = "license-fulfilment"
    cursor_secret: str = DEV_CURSOR_SECRET_DEFAULT
    retention_period: timedelta = timedelta(days=30)
    # How long before a time-limited licence ends its holder is told (X14).
    reclaim_notice: timedelta = timedelta(days=7)
    email_sender: Literal["acs", "outbox"] = "outbox"
    email_outbox_dir: str = ".local/outbox"
    email_language: Literal["en", "ko"] = "en"
    email_sender_address: str = "DoNotReply@license-requests.local"
    acs_connection_string: str | None = None
    acs_endpoint: str | None = None
    console_client_id: str | None = None
    console_authority: str | None = None
    console_api_scope: str | None = None
    appinsights_connection_string: str | None = None
    appinsights_authentication_string: str | None = None
    # Microsoft Graph, as the multi-tenant app registration GRAPH_CLIENT_ID.
    graph_client_id: str | None = None
    graph_client_secret: str | None = None
    graph_client_certificate_path: str | None = None
    graph_client_certificate_password: str | None = None
    graph_federated_credential: Literal["managed_identity"] | None = None
    graph_base_url: str = GRAPH_BASE_URL
    graph_authority_host: str = GRAPH_AUTHORITY_HOST
    # A CA bundle to trust for Graph and its token endpoint (the local emulator's only).
    graph_ca_bundle: str | None = None
    public_base_url: str = LOCAL_PUBLIC_BASE_URL
    # Diagnostics: append each table query's URL to this file (the tests check query shapes).
    table_query_log: str | None = None

    @property
    def microsoft365_enabled(self) -> bool:
        """True when the app can get Graph tokens for connected tenants."""
        return bool(self.graph_client_id) and bool(
            self.graph_federated_credential
            or self.graph_client_certificate_path
            or self.graph_client_secret
        )

    @property
    def storage_is_local(self) -> bool:
        """True when every storage endpoint the SDKs would call is on this machine (Azurite).

        The connection string is parsed as the SDKs parse it: `UseDevelopmentStorage=true`
        counts only on its own, and any service without an explicit loopback endpoint
        would be reached at `<account>.<service>.core.windows.net`: not local.
        """
        if self.storage_connection:
            return connection_is_local(self.storage_connection)
        uris = [u for u in (self.table_service_uri, self.queue_service_uri) if u]
        return len(uris) == 2 and all(_is_local_url(u) for u in uris)


def connection_is_local(connection: str) -> bool:
    """Whether every endpoint of a storage connection string is a loopback address."""
    settings: dict[str, str] = {}
    for part in connection.rstrip(";").split(";"):
        key, sep, value = part.partition("=")
        key = key.upper()  # as the SDKs read keys: no trimming, any case
        if not sep or key in settings:
            return False  # malformed, or said twice (the SDKs keep the last): not ours
        settings[key] = value
    if "USEDEVELOPMENTSTORAGE" in settings:
        return settings == {"USEDEVELOPMENTSTORAGE": "true"}
    services = ("TABLEENDPOINT", "QUEUEENDPOINT")
    endpoints = [settings.get(s) for s in services]
    endpoints += [v for k, v in settings.items() if k.endswith("ENDPOINT") and k not in services]
    return all(url is not None and _is_local_url(url) for url in endpoints)


def _is_local_url(url: str) -> bool:
    return (urlparse(url).hostname or "") in _LOCAL_HOSTS


def _parse_duration(name: str, raw: str) -> timedelta:
    try:
        value = isodate.parse_duration(raw)
    except (isodate.ISO8601Error, ValueError) as exc:
        raise SettingsError(
            f"{name}={raw!r} is not an ISO 8601 duration (e.g. P30D, PT20S)"
        ) from exc
    if not isinstance(value, timedelta):
        # isodate returns Duration for years/months, whose length depends on the date.
        raise SettingsError(f"{name}={raw!r}: use days, hours, minutes or seconds (e.g. P30D)")
    if value <= timedelta(0):
        raise SettingsError(f"{name}={raw!r} must be positive")
    return value


def _check_schedule(name: str, raw: str) -> None:
    fields = raw.split()
    if len(fields) != 6:
        raise SettingsError(
            f"{name}={raw!r} must be a six-field NCRONTAB expression (seconds first), "
            "e.g. '0 0 2 * * *'"
        )
    if not all(re.fullmatch(r"[0-9*/,\-A-Za-z]+", f) for f in fields):
        raise SettingsError(f"{name}={raw!r} has characters NCRONTAB does not allow")


def _origin(name: str, raw: str, *, https: bool = True) -> str:
    """An absolute URL without a trailing slash; https unless `https` is False."""
    parsed = urlparse(raw.strip())
    schemes = ("https",) if https else ("https", "http")
    if parsed.scheme not in schemes or not parsed.netloc or parsed.query or parsed.fragment:
        raise SettingsError(f"{name}={raw!r} must be an absolute {' or '.join(schemes)} URL")
    return raw.strip().rstrip("/")


def _choice(name: str, raw: str, allowed: tuple[str, ...]) -> str:
    if raw not in allowed:
        raise SettingsError(f"{name}={raw!r} must be one of {', '.join(allowed)}")
    return raw


def _csv(raw: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (raw or "").split(",") if p.strip())


def with_schedule_defaults(env: Mapping[str, str]) -> dict[str, str]:
    """`env` plus the schedule settings the Functions host needs, where missing."""
    return {**SCHEDULE_DEFAULTS, **env}


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build and validate Settings from `env` (default: the process environment)."""
    e = dict(os.environ if env is None else env)
    get = e.get
    auth_mode = _choice("AUTH_MODE", get("AUTH_MODE", "dev"), ("dev", "entra"))
    table_uri = get("AzureWebJobsStorage__tableServiceUri")
    queue_uri = get("AzureWebJobsStorage__queueServiceUri")
    connection = get("AzureWebJobsStorage")
    if not connection and not (table_uri and queue_uri):
        if auth_mode == "entra":
            raise SettingsError(
                "Set AzureWebJobsStorage (connection string) or both "
                "AzureWebJobsStorage__tableServiceUri and AzureWebJobsStorage__queueServiceUri"
            )
        connection = DEV_STORAGE_CONNECTION
    if connection == "UseDevelopmentStorage=true":
        connection = DEV_STORAGE_CONNECTION
    settings = Settings(
        auth_mode=auth_mode,  # type: ignore[arg-type]
        dev_jwt_secret=get("DEV_JWT_SECRET", DEV_JWT_SECRET_DEFAULT),
        auth_audience=_csv(get("AUTH_AUDIENCE")),
        auth_jwks_url=get("AUTH_JWKS_URL", ENTRA_JWKS_URL),
        auth_allowed_tenants=frozenset(_csv(get("AUTH_ALLOWED_TENANTS"))),
        storage_connection=connection or None,
        table_service_uri=table_uri,
        queue_service_uri=queue_uri,
        managed_identity_client_id=get("AzureWebJobsStorage__clientId"),
        table_name=get("TABLE_NAME", "licenserequests"),
        tenants_table_name=get("TENANTS_TABLE_NAME", "licensetenants"),
        notifications_queue=get("NOTIFICATIONS_QUEUE", "license-notifications"),
        cursor_secret=get("CURSOR_SECRET", DEV_CURSOR_SECRET_DEFAULT),
        retention_period=_parse_duration("RETENTION_PERIOD", get("RETENTION_PERIOD", "P30D")),
        reclaim_notice=_parse_duration("RECLAIM_NOTICE", get("RECLAIM_NOTICE", "P7D")),
        email_sender=_choice("EMAIL_SENDER", get("EMAIL_SENDER", "outbox"), ("acs", "outbox")),  # type: ignore[arg-type]
        email_outbox_dir=get("EMAIL_OUTBOX_DIR", ".local/outbox"),
        email_language=_choice("EMAIL_LANGUAGE", get("EMAIL_LANGUAGE", "en"), ("en", "ko")),  # type: ignore[arg-type]
        email_sender_address=get("EMAIL_SENDER_ADDRESS", "DoNotReply@license-requests.local"),
        acs_connection_string=get("ACS_CONNECTION_STRING"),
        acs_endpoint=get("ACS_ENDPOINT"),
        console_client_id=get("CONSOLE_CLIENT_ID") or None,
        console_authority=get("CONSOLE_AUTHORITY") or None,
        console_api_scope=get("CONSOLE_API_SCOPE") or None,
        appinsights_connection_string=(get("APPLICATIONINSIGHTS_CONNECTION_STRING") or "").strip()
        or None,
        appinsights_authentication_string=get("APPLICATIONINSIGHTS_AUTHENTICATION_STRING"),
        graph_client_id=get("GRAPH_CLIENT_ID") or None,
        graph_client_secret=get("GRAPH_CLIENT_SECRET") or None,
        graph_client_certificate_path=get("GRAPH_CLIENT_CERTIFICATE_PATH") or None,
        graph_client_certificate_password=get("GRAPH_CLIENT_CERTIFICATE_PASSWORD") or None,
        graph_federated_credential=_choice(  # type: ignore[arg-type]
            "GRAPH_FEDERATED_CREDENTIAL",
            get("GRAPH_FEDERATED_CREDENTIAL") or "",
            ("", "managed_identity"),
        )
        or None,
        graph_base_url=_origin("GRAPH_BASE_URL", get("GRAPH_BASE_URL") or GRAPH_BASE_URL),
        graph_authority_host=_origin(
            "GRAPH_AUTHORITY_HOST", get("GRAPH_AUTHORITY_HOST") or GRAPH_AUTHORITY_HOST
        ),
        graph_ca_bundle=get("GRAPH_CA_BUNDLE") or None,
        table_query_log=get("TABLE_QUERY_LOG") or None,
        public_base_url=_origin(
            "PUBLIC_BASE_URL", get("PUBLIC_BASE_URL") or LOCAL_PUBLIC_BASE_URL, https=False
        ),
    )
    # Schedules are read by the Functions host (%NAME%), not by the app: checked here so a
    # malformed one fails the start, not the first timer.
    for name, default in SCHEDULE_DEFAULTS.items():
        _check_schedule(name, get(name, default))
    _check_security(settings)
    return settings


def _check_security(s: Settings) -> None:
    if s.auth_mode == "dev":
        if not s.storage_is_local:
            raise SettingsError("AUTH_MODE=dev is refused when storage is not local (Azurite)")
        if len(s.dev_jwt_secret) < 32:
            raise SettingsError("DEV_JWT_SECRET must be at least 32 characters")
    else:
        if not s.auth_audience:
            raise SettingsError("AUTH_MODE=entra needs AUTH_AUDIENCE (the app's client id or URI)")
        if s.cursor_secret == DEV_CURSOR_SECRET_DEFAULT or len(s.cursor_secret) < 32:
            raise SettingsError(
                "AUTH_MODE=entra needs CURSOR_SECRET (at least 32 random characters)"
            )
        if s.graph_ca_bundle:
            raise SettingsError("GRAPH_CA_BUNDLE is for the local Graph emulator (AUTH_MODE=dev)")
        if s.microsoft365_enabled and not s.public_base_url.startswith("https://"):
            raise SettingsError(
                "GRAPH_CLIENT_ID in AUTH_MODE=entra needs PUBLIC_BASE_URL (the app's https origin)"
            )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide Settings, built on first use."""
    return load_settings()

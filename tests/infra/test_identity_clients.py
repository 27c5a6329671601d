"""The app settings infra/ writes make the app build identity-based clients, no key anywhere.

Built exactly as in Azure (shared.config.load_settings + shared.bootstrap), with only the
calls that would reach the network replaced: creating the tables and queues.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import azure.communication.email
import azure.identity
import pytest
from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueClient

from shared import bootstrap
from shared.adapters.email.acs import AcsEmailSender
from shared.adapters.tables.store import TableStore
from shared.bootstrap import build_email_sender
from shared.config import Settings, load_settings
from tests.infra.bicep import body, module, the_resource

CLIENT_ID = "7f3c2a91-5b0e-4d8a-9c61-2e4f8b1d0a37"
ACCOUNT = "stexample123"
ACS = "https://acs-example.unitedstates.communication.azure.com"
GRAPH_CLIENT_ID = "3c9e1f27-84ad-4b6e-9f02-5d7a1c8e4b90"
PUBLIC_BASE_URL = "https://func-example123.azurewebsites.net"

# Sample values for the Bicep expressions behind each app setting (the parameters,
# variables and module outputs that azd fills in).
SAMPLE_VALUES = {
    "storageAccountName": ACCOUNT,
    "identityClientId": CLIENT_ID,
    "blobEndpoint": f"https://{ACCOUNT}.blob.core.windows.net/",
    "queueEndpoint": f"https://{ACCOUNT}.queue.core.windows.net/",
    "tableEndpoint": f"https://{ACCOUNT}.table.core.windows.net/",
    "authAudience": "api://0b8a3f5e-1c2d-4e6f-8a9b-0c1d2e3f4a5b",
    "authAllowedTenants": "",
    "cursorSecret": "x" * 48,
    "acsEndpoint": ACS,
    "emailSenderAddress": "DoNotReply@0a1b2c3d-4e5f.azurecomm.net",
    "emailLanguage": "en",
    "retentionPeriod": "P30D",
    "retentionSchedule": "0 0 2 * * *",
    "outboxRelaySchedule": "0 * * * * *",
    "applicationInsightsConnectionString": f"InstrumentationKey={CLIENT_ID}",
    "catalogueSyncSchedule": "0 0 * * * *",
    "reminderSchedule": "0 30 * * * *",
    "reclaimSchedule": "0 15 * * * *",
    "reclaimNotice": "P7D",
    # Variables: the created registration's client id, and the site's https origin.
    "graphClientIdSetting": GRAPH_CLIENT_ID,
    "publicBaseUrl": PUBLIC_BASE_URL,
}


def deployed_environment() -> dict[str, str]:
    """The app settings of infra/app/function.bicep, with sample values for expressions."""
    fn = module("function")
    settings = body(the_resource(fn, "Microsoft.Web/sites/config"))["properties"]
    expressions = {**fn["parameters"], **fn["variables"]}
    env: dict[str, str] = {}
    for name, value in settings.items():
        assert isinstance(value, str), name
        if value in expressions:
            env[name] = SAMPLE_VALUES[value]
        else:
            env[name] = value.replace("${identityClientId}", CLIENT_ID)
    return env


@pytest.fixture
def settings() -> Settings:
    return load_settings(deployed_environment())


def _forget_cached_credentials() -> None:
    """Drop a credential bootstrap keeps per process, if it keeps one."""
    for name in ("credential", "_identity_credential"):
        cache_clear = getattr(getattr(bootstrap, name, None), "cache_clear", None)
        if cache_clear is not None:
            cache_clear()


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Each DefaultAzureCredential the app builds, by its keyword arguments."""
    made: list[dict[str, Any]] = []

    class RecordingCredential(azure.identity.DefaultAzureCredential):
        def __init__(self, **kwargs: Any) -> None:
            made.append(kwargs)
            super().__init__(**kwargs)

    monkeypatch.setattr(azure.identity, "DefaultAzureCredential", RecordingCredential)
    _forget_cached_credentials()
    yield made
    _forget_cached_credentials()


@pytest.fixture
def no_create(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Table and queue creation (network calls) recorded instead of sent."""
    created: list[str] = []

    def ensure_tables(store: TableStore) -> None:
        created.append("tables")

    def create_queue(queue: QueueClient, **_: Any) -> None:
        created.append(queue.url)

    monkeypatch.setattr(TableStore, "ensure_tables", ensure_tables)
    monkeypatch.setattr(QueueClient, "create_queue", create_queue)
    return created


def test_deployed_settings_load_as_entra_with_identity_storage(settings: Settings) -> None:
    assert settings.auth_mode == "entra"
    assert settings.storage_connection is None
    assert settings.table_service_uri == f"https://{ACCOUNT}.table.core.windows.net/"
    assert settings.queue_service_uri == f"https://{ACCOUNT}.queue.core.windows.net/"
    assert settings.managed_identity_client_id == CLIENT_ID
    assert settings.email_sender == "acs"
    assert settings.acs_endpoint == ACS
    assert settings.acs_connection_string is None
    assert not settings.storage_is_local


def test_deployed_settings_enable_microsoft_365_with_the_managed_identity() -> None:
    env = deployed_environment()
    assert env["GRAPH_CLIENT_ID"] == GRAPH_CLIENT_ID
    # The federated credential is the identity named by AzureWebJobsStorage__clientId.
    assert env["GRAPH_FEDERATED_CREDENTIAL"] == "managed_identity"
    assert env["AzureWebJobsStorage__clientId"] == CLIENT_ID
    assert env["PUBLIC_BASE_URL"] == PUBLIC_BASE_URL
    assert env["CATALOGUE_SYNC_SCHEDULE"] == "0 0 * * * *"
    assert not {"GRAPH_CLIENT_SECRET", "GRAPH_CLIENT_CERTIFICATE_PATH"} & set(env)
    settings = load_settings(env)
    # Read by name where shared/config.py knows the Graph settings (it ignores unknown ones).
    for field, expected in (
        ("graph_client_id", GRAPH_CLIENT_ID),
        ("graph_federated_credential", "managed_identity"),
        ("public_base_url", PUBLIC_BASE_URL),
        ("graph_client_secret", None),
        ("graph_client_certificate_path", None),
    ):
        assert getattr(settings, field, expected) == expected, field


def test_credential_is_default_azure_credential_for_the_identity(
    settings: Settings, credentials: list[dict[str, Any]]
) -> None:
    credential = bootstrap.credential(settings)
    assert isinstance(credential, azure.identity.DefaultAzureCredential)
    assert credentials == [{"managed_identity_client_id": CLIENT_ID}]


def test_store_uses_the_table_endpoint_and_the_identity(
    settings: Settings, credentials: list[dict[str, Any]], no_create: list[str]
) -> None:
    store = bootstrap.build_store(settings)
    assert no_create == ["tables"]
    assert credentials == [{"managed_identity_client_id": CLIENT_ID}]
    for client, table in (
        (store.table, "licenserequests"),
        (store.tenants.table, "licensetenants"),
    ):
        assert client.table_name == table
        assert client.url == f"https://{ACCOUNT}.table.core.windows.net"
        assert isinstance(client.credential, azure.identity.DefaultAzureCredential)
        assert not isinstance(client.credential, str)  # never an account key
    service = TableServiceClient(
        endpoint=settings.table_service_uri or "", credential=bootstrap.credential(settings)
    )
    assert service.url == store.table.url


def test_queue_uses_the_queue_endpoint_and_the_identity(
    settings: Settings, credentials: list[dict[str, Any]], no_create: list[str]
) -> None:
    queue = bootstrap.build_queue(settings)
    base = f"https://{ACCOUNT}.queue.core.windows.net"
    assert no_create == [f"{base}/license-notifications", f"{base}/license-notifications-poison"]
    assert queue.queue_name == "license-notifications"
    assert queue.url == f"{base}/license-notifications"
    assert isinstance(queue.credential, azure.identity.DefaultAzureCredential)
    assert credentials and all(c == {"managed_identity_client_id": CLIENT_ID} for c in credentials)


def test_email_sender_uses_the_acs_endpoint_and_the_identity(
    settings: Settings, credentials: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[tuple[str, object]] = []

    class RecordingEmailClient(azure.communication.email.EmailClient):
        def __init__(self, endpoint: str, credential: Any, **kwargs: Any) -> None:
            built.append((endpoint, credential))
            super().__init__(endpoint, credential, **kwargs)

    monkeypatch.setattr(azure.communication.email, "EmailClient", RecordingEmailClient)
    sender = build_email_sender(settings)
    assert isinstance(sender, AcsEmailSender)
    assert credentials == [{"managed_identity_client_id": CLIENT_ID}]
    [(endpoint, credential)] = built
    assert endpoint == ACS
    assert isinstance(credential, azure.identity.DefaultAzureCredential)

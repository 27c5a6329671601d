"""Dev mode (self-minted tokens) is refused unless every storage endpoint is loopback."""

from __future__ import annotations

import pytest

from shared.config import SettingsError, connection_is_local, load_settings

KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
LOCAL = (
    f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={KEY};"
    "QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;"
    "TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;"
)


@pytest.mark.parametrize(
    "connection",
    [
        "UseDevelopmentStorage=true",
        LOCAL,
        LOCAL + "BlobEndpoint=http://localhost:10000/devstoreaccount1",
        LOCAL.replace("127.0.0.1", "[::1]"),
    ],
)
def test_loopback_storage_is_local(connection: str) -> None:
    assert connection_is_local(connection)
    assert load_settings({"AUTH_MODE": "dev", "AzureWebJobsStorage": connection}).auth_mode == "dev"


@pytest.mark.parametrize(
    "connection",
    [
        # The probe's bypass: the old check looked for the text anywhere.
        f"AccountName=prodacct;AccountKey={KEY};Comment=UseDevelopmentStorage=true",
        f"UseDevelopmentStorage=true;AccountName=prodacct;AccountKey={KEY}",
        # A local table endpoint with a remote queue, or none (the SDK builds the remote one).
        LOCAL.replace(
            "QueueEndpoint=http://127.0.0.1:10001",
            "QueueEndpoint=https://prodacct.queue.core.windows.net",
        ),
        f"AccountName=prodacct;AccountKey={KEY};TableEndpoint=http://127.0.0.1:10002/x",
        f"DefaultEndpointsProtocol=https;AccountName=prodacct;AccountKey={KEY};EndpointSuffix=core.windows.net",
        LOCAL + "BlobEndpoint=https://prodacct.blob.core.windows.net",
        # Said twice: the SDKs keep the last one.
        LOCAL + "TableEndpoint=https://prodacct.table.core.windows.net",
        # A key the SDKs would not read as TableEndpoint, and look-alike hosts.
        LOCAL.replace("TableEndpoint", " TableEndpoint"),
        LOCAL.replace("127.0.0.1:10002", "127.0.0.1.evil.example:10002"),
        LOCAL.replace("127.0.0.1:10002", "127.0.0.1@evil.example:10002"),
        "garbage",
    ],
)
def test_dev_mode_is_refused_unless_every_endpoint_is_loopback(connection: str) -> None:
    assert not connection_is_local(connection)
    with pytest.raises(SettingsError, match="not local"):
        load_settings({"AUTH_MODE": "dev", "AzureWebJobsStorage": connection})


def test_managed_identity_uris_must_both_be_loopback() -> None:
    local = {
        "AUTH_MODE": "dev",
        "AzureWebJobsStorage__tableServiceUri": "http://127.0.0.1:10002/devstoreaccount1",
        "AzureWebJobsStorage__queueServiceUri": "http://127.0.0.1:10001/devstoreaccount1",
    }
    assert load_settings(local).storage_is_local
    remote = {
        **local,
        "AzureWebJobsStorage__queueServiceUri": "https://prod.queue.core.windows.net",
    }
    with pytest.raises(SettingsError, match="not local"):
        load_settings(remote)

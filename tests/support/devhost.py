"""The app under the dev host for the tests, started by tools.localstack."""

from __future__ import annotations

from tools.localstack import ROOT, Azurite, isolated_env, start_devhost, stop_process

__all__ = ["ROOT", "devhost_env", "start_devhost", "stop_process"]


def devhost_env(azurite: Azurite, **extra: str) -> dict[str, str]:
    """The dev host's environment in tests: `azurite`'s storage unless `extra` says otherwise."""
    return isolated_env(**{"AzureWebJobsStorage": azurite.connection_string, **extra})

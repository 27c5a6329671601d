"""App-only tokens for Microsoft Graph, one azure-identity credential per customer tenant.

The app is a multi-tenant registration (GRAPH_CLIENT_ID); a connected tenant's admin
consented to it, so the app gets tokens *in that tenant* with the client-credentials
grant. Its own proof, in order of preference:

* `GRAPH_FEDERATED_CREDENTIAL=managed_identity`: the function app's managed identity is a
  federated identity credential of the registration; a managed-identity token for
  `api://AzureADTokenExchange` is the client assertion. No secret exists anywhere.
* `GRAPH_CLIENT_CERTIFICATE_PATH` (+ password): a certificate.
* `GRAPH_CLIENT_SECRET`: a client secret.

azure-identity caches each tenant's token and renews it shortly before it expires.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from shared.config import GRAPH_AUTHORITY_HOST, Settings

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
EXCHANGE_AUDIENCE = "api://AzureADTokenExchange/.default"
# Credentials kept at once (each holds its tenant's token cache).
MAX_TENANTS = 1024


class TenantCredentials:
    """Builds and keeps one credential per tenant (least recently used dropped first)."""

    def __init__(self, settings: Settings, managed_identity: Callable[[], Any] | None = None):
        self._settings = settings
        self._managed_identity = managed_identity
        self._credentials: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def token(self, tenant: str) -> str:
        """A Graph access token for `tenant` (raises azure-core's ClientAuthenticationError)."""
        return str(self._for_tenant(tenant).get_token(GRAPH_SCOPE).token)

    def _for_tenant(self, tenant: str) -> Any:
        with self._lock:
            credential = self._credentials.get(tenant)
            if credential is not None:
                self._credentials.move_to_end(tenant)
                return credential
        credential = self._build(tenant)
        with self._lock:
            self._credentials[tenant] = credential
            while len(self._credentials) > MAX_TENANTS:
                self._credentials.popitem(last=False)
        return credential

    def _build(self, tenant: str) -> Any:
        from azure.identity import (
            CertificateCredential,
            ClientAssertionCredential,
            ClientSecretCredential,
        )

        s = self._settings
        if not s.graph_client_id:
            raise RuntimeError("GRAPH_CLIENT_ID is not set")
        options: dict[str, Any] = {"authority": s.graph_authority_host}
        if s.graph_authority_host != GRAPH_AUTHORITY_HOST:
            # A local emulator: Microsoft's instance discovery knows nothing about it.
            options["disable_instance_discovery"] = True
        if s.graph_ca_bundle:
            options["connection_verify"] = s.graph_ca_bundle
        if s.graph_federated_credential == "managed_identity":
            identity = self._managed_identity
            if identity is None:
                raise RuntimeError("GRAPH_FEDERATED_CREDENTIAL needs the app's managed identity")

            def assertion() -> str:
                return str(identity().get_token(EXCHANGE_AUDIENCE).token)

            return ClientAssertionCredential(tenant, s.graph_client_id, assertion, **options)
        if s.graph_client_certificate_path:
            return CertificateCredential(
                tenant,
                s.graph_client_id,
                s.graph_client_certificate_path,
                password=s.graph_client_certificate_password,
                **options,
            )
        if not s.graph_client_secret:
            raise RuntimeError("no credential for GRAPH_CLIENT_ID is configured")
        return ClientSecretCredential(tenant, s.graph_client_id, s.graph_client_secret, **options)

"""Connecting a tenant to Microsoft 365, and keeping its catalogue in step (X11).

An admin is sent to Microsoft's admin-consent page for the app; Microsoft sends them
back to the callback, which records the tenant as connected once a `subscribedSkus`
read works in it, and runs the first sync. The sync makes the tenant's user-assignable
SKUs its Microsoft 365 products, keeping what admins chose about them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from shared.app.context import UseCaseContext
from shared.app.directory import Directory
from shared.app.waitlist import Waitlist
from shared.domain.errors import DirectoryUnavailable, InvalidRequest, NotConnected
from shared.domain.identity import Principal
from shared.domain.microsoft365 import Microsoft365Connection, synced_catalogue
from shared.domain.models import Person, Product

log = logging.getLogger(__name__)
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
CONSENT_LIFETIME = timedelta(minutes=15)


@dataclass(frozen=True)
class ConsentConfig:
    """Where consent happens and where Microsoft sends the admin back."""

    client_id: str
    authority_host: str
    redirect_uri: str
    console_url: str


class ConsentStates:
    """Signed `state` of a consent round trip: which tenant and admin started it, until when."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(f"consent|{secret}".encode()).digest()

    def issue(self, who: Principal, until: datetime) -> str:
        """A state for this admin's consent, valid until `until`."""
        body: dict[str, object] = {"t": who.tenant_id, "u": who.user_id, "n": who.name}
        body.update(m=who.email, e=int(until.timestamp()))
        raw = base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")
        return f"{raw}.{self._sign(raw)}"

    def verify(self, state: str, now: datetime) -> tuple[str, Person]:
        """The tenant and admin a state names; InvalidRequest when forged or expired."""
        try:
            raw, signature = state.split(".", 1)
            ok = hmac.compare_digest(signature.encode(), self._sign(raw).encode())
            body = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
            tenant, expires = str(body["t"]), int(body["e"])
            admin = Person(id=str(body["u"]), name=str(body["n"]), email=str(body["m"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidRequest("The consent state is not valid.", field="state") from exc
        if not ok or expires < now.timestamp():
            raise InvalidRequest("The consent state is not valid or has expired.", field="state")
        return tenant, admin

    def _sign(self, raw: str) -> str:
        mac = hmac.new(self._key, raw.encode(), hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")


class Microsoft365:
    """Connect, disconnect, read the connection, sync the catalogue."""

    def __init__(
        self,
        ctx: UseCaseContext,
        directory: Directory | None,
        config: ConsentConfig | None,
        states: ConsentStates,
        waitlist: Waitlist | None = None,
    ) -> None:
        self._ctx = ctx
        self._directory = directory
        self._config = config
        self._states = states
        self._waitlist = waitlist

    @property
    def available(self) -> bool:
        """Whether this deployment can connect tenants (it has an app registration)."""
        return self._directory is not None and self._config is not None

    def _require(self) -> tuple[Directory, ConsentConfig]:
        if self._directory is None or self._config is None:
            raise NotConnected(
                "This deployment has no Microsoft 365 app registration (GRAPH_CLIENT_ID)."
            )
        return self._directory, self._config

    def status(self, who: Principal) -> Microsoft365Connection:
        """The tenant's connection (admins)."""
        self._ctx.require_admin(who)
        found = self._ctx.store.get_connection(who.tenant_id)
        return found.value if found else Microsoft365Connection()

    def consent_url(self, who: Principal) -> str:
        """Microsoft's admin-consent page for this tenant, with a signed state (admins)."""
        self._ctx.require_admin(who)
        _, config = self._require()
        state = self._states.issue(who, self._ctx.clock.now() + CONSENT_LIFETIME)
        query = urlencode(
            {
                "client_id": config.client_id,
                "scope": GRAPH_SCOPE,
                "redirect_uri": config.redirect_uri,
                "state": state,
            },
            quote_via=quote,
        )
        return f"{config.authority_host}/{quote(who.tenant_id)}/v2.0/adminconsent?{query}"

    def complete_consent(self, query: Mapping[str, str]) -> str:
        """Microsoft's redirect after consent: connect and sync; where to send the admin."""
        _, config = self._require()
        tenant, admin = self._states.verify(query.get("state") or "", self._ctx.clock.now())
        if query.get("error") or query.get("admin_consent", "").lower() != "true":
            log.warning("admin consent not granted", extra={"tenant_id": tenant})
            return f"{config.console_url}#/products?microsoft365=denied"
        if (query.get("tenant") or tenant).lower() != tenant.lower():
            raise InvalidRequest("Consent came back for another organisation.", field="tenant")
        try:
            products = self.sync_tenant(tenant)
        except DirectoryUnavailable:
            # Consent can take a minute to reach every Microsoft 365 datacenter.
            log.warning("consent granted but Graph is not usable yet", extra={"tenant_id": tenant})
            return f"{config.console_url}#/products?microsoft365=pending"
        now = self._ctx.now()
        connection = Microsoft365Connection(
            connected=True, connected_at=now, connected_by=admin, last_sync_at=now
        )
        self._save(tenant, connection)
        self._ctx.store.register_tenant(tenant)
        log.info(
            "tenant connected to Microsoft 365",
            extra={"tenant_id": tenant, "products": len(products), "outcome": "connected"},
        )
        return f"{config.console_url}#/products?microsoft365=connected"

    def disconnect(self, who: Principal) -> Microsoft365Connection:
        """Stop using Microsoft 365: its products leave the catalogue (admins)."""
        self._ctx.require_admin(who)
        store = self._ctx.store

        def attempt(_: int) -> None:
            catalogue = store.get_catalogue(who.tenant_id)
            removed = [
                (p.value.id, p.etag) for p in catalogue.values() if p.value.source == "microsoft365"
            ]
            store.save_catalogue(who.tenant_id, [], removed)

        self._ctx.retry(attempt)
        connection = Microsoft365Connection(connected=False)
        self._save(who.tenant_id, connection)
        return connection

    def sync(self, who: Principal) -> list[Product]:
        """Refresh the Microsoft 365 products from Microsoft 365 now (admins)."""
        self._ctx.require_admin(who)
        found = self._ctx.store.get_connection(who.tenant_id)
        if not found or not found.value.connected:
            raise NotConnected("Connect Microsoft 365 first.")
        self._require()
        products = self.sync_tenant(who.tenant_id)
        self._save(who.tenant_id, found.value.model_copy(update={"last_sync_at": self._ctx.now()}))
        return products

    def sync_tenant(self, tenant: str) -> list[Product]:
        """Make the tenant's subscribed SKUs its Microsoft 365 products; all its products."""
        directory, _ = self._require()
        skus = directory.subscribed_skus(tenant)
        store = self._ctx.store

        def attempt(_: int) -> list[Product]:
            catalogue = store.get_catalogue(tenant)
            changed, gone = synced_catalogue(
                skus, [v.value for v in catalogue.values()], self._ctx.now()
            )
            store.save_catalogue(
                tenant,
                [(p, catalogue[p.id].etag if p.id in catalogue else None) for p in changed],
                [(i, catalogue[i].etag) for i in gone],
            )
            after = {p: v.value for p, v in catalogue.items() if p not in gone}
            after.update({p.id: p for p in changed})
            return sorted(after.values(), key=lambda p: p.name.lower())

        products = self._ctx.retry(attempt)
        # More enabled or fewer consumed units: seats for the people waiting.
        if self._waitlist is not None:
            for product in products:
                if product.waiting and product.available_licenses > 0:
                    self._waitlist.fill(tenant, product.id)
        return products

    def sync_all(self) -> int:
        """The catalogue sync timer: every connected tenant; how many synced."""
        if self._directory is None:
            return 0
        synced = 0
        for tenant in self._ctx.store.connected_tenants():
            try:
                self.sync_tenant(tenant)
                synced += 1
            except DirectoryUnavailable as exc:
                log.warning("catalogue sync skipped: %s", exc, extra={"tenant_id": tenant})
        log.info("catalogue sync done", extra={"tenants_synced": synced})
        return synced

    def _save(self, tenant: str, connection: Microsoft365Connection) -> None:
        store = self._ctx.store

        def attempt(_: int) -> None:
            current = store.get_connection(tenant)
            store.save_connection(tenant, connection, current.etag if current else None)

        self._ctx.retry(attempt)

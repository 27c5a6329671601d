"""Everything the emulator remembers: app registrations, tenants, faults and call counts.

One lock guards it all (a call holds it from start to answer, so calls are serialised,
like a single directory replica). `save`/`load` keep apps and tenants in state.json;
faults and statistics live only in memory.
"""

from __future__ import annotations

import copy
import json
import os
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import licensing
from .model import Rules, Tenant
from .seed import load_seed

STATE_VERSION = 1
# What an app that is not registered here gets when an admin consents to it.
DEFAULT_ROLES = ("LicenseAssignment.ReadWrite.All", "User.Read.All", "GroupMember.ReadWrite.All")
# What the emulator-only token (`/_emulator/token`) carries: enough to read and write all.
ALL_ROLES = (
    "Directory.ReadWrite.All",
    "GroupMember.ReadWrite.All",
    "LicenseAssignment.ReadWrite.All",
    "User.ReadWrite.All",
)


@dataclass
class App:
    app_id: str
    display_name: str = ""
    secrets: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=lambda: list(DEFAULT_ROLES))
    redirect_uris: list[str] = field(default_factory=list)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> App:
        return cls(
            str(doc["appId"]).lower(),
            str(doc.get("displayName", "")),
            [str(s) for s in doc.get("secrets", [])],
            [str(r) for r in doc.get("roles", DEFAULT_ROLES)],
            [str(u) for u in doc.get("redirectUris", [])],
        )

    def to_doc(self) -> dict[str, Any]:
        return {
            "appId": self.app_id,
            "displayName": self.display_name,
            "secrets": list(self.secrets),
            "roles": list(self.roles),
            "redirectUris": list(self.redirect_uris),
        }


@dataclass
class Fault:
    """Answer the next `remaining` calls (None: until cleared) with 429 or 503."""

    id: str
    kind: str  # throttle (429) or outage (503)
    remaining: int | None
    retry_after: int
    tenant: str | None  # None: every tenant
    target: str  # graph, token or all

    def to_doc(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "remaining": self.remaining,
            "retryAfter": self.retry_after,
            "tenant": self.tenant,
            "target": self.target,
        }


def _blank_stats() -> dict[str, Any]:
    return {
        "httpRequests": 0,
        "calls": 0,
        "tokenRequests": 0,
        "throttled": 0,
        "unavailable": 0,
        "byKind": Counter(),
    }


class EmulatorState:
    def __init__(self, seed: str = "demo", default_tenant: str = "contoso") -> None:
        self.lock = threading.RLock()
        self.default_tenant = default_tenant
        self.apps: dict[str, App] = {}
        self.rules = Rules()
        self.tenants: dict[str, Tenant] = {}
        self.faults: list[Fault] = []
        self.stats: dict[str, dict[str, Any]] = {}
        self.version = 0  # bumped by every change worth saving
        self.reset(seed)

    # Directory

    def reset(self, seed: str) -> None:
        """Replace apps and tenants with a seed's; clear faults and statistics."""
        doc = copy.deepcopy(load_seed(seed))  # the cached seed must stay as read
        with self.lock:
            self.apps = {}
            self.tenants = {}
            self._load_doc(doc)
            self.faults.clear()
            self.stats.clear()
            self.touch()

    def _load_doc(self, doc: dict[str, Any]) -> None:
        self.apps = {a.app_id: a for a in (App.from_doc(x) for x in doc.get("apps", []))}
        self.rules = Rules.from_doc(doc.get("servicePlanRules"))
        for tenant_doc in doc.get("tenants", []):
            self.put_tenant(tenant_doc)

    def put_tenant(self, doc: dict[str, Any], key: str | None = None) -> Tenant:
        tenant = Tenant.from_doc(doc, key)
        for app_id, roles in tenant.consents.items():
            if not roles:  # consented without saying to what: the app's registered roles
                app = self.app(app_id)
                tenant.consents[app_id] = list(app.roles if app else DEFAULT_ROLES)
        licensing.apply_seeded_groups(tenant, self.rules_for(tenant))
        with self.lock:
            self.tenants[tenant.key] = tenant
            self.touch()
        return tenant

    def rules_for(self, tenant: Tenant) -> Rules:
        return self.rules.merged(tenant.rules)

    def find_tenant(self, name: str) -> Tenant | None:
        """By key (`contoso`), organization GUID or verified domain."""
        lowered = name.lower()
        if lowered in self.tenants:
            return self.tenants[lowered]
        for tenant in self.tenants.values():
            if lowered == tenant.id or lowered in tenant.domains:
                return tenant
        return None

    def ensure_tenant(self, name: str) -> Tenant:
        """The tenant called `name`, created empty if unknown (an admin consenting)."""
        found = self.find_tenant(name)
        return found if found is not None else self.put_tenant({"tenant": name})

    def app(self, app_id: str) -> App | None:
        return self.apps.get(app_id.lower())

    def register_app(self, doc: dict[str, Any]) -> App:
        """Add or replace an app registration (secrets, roles, redirect URIs)."""
        app = App.from_doc(doc)
        with self.lock:
            self.apps[app.app_id] = app
            self.touch()
        return app

    def touch(self) -> None:
        self.version += 1

    # Faults and statistics

    def add_fault(
        self,
        kind: str,
        count: int | None,
        retry_after: int,
        tenant: str | None = None,
        target: str = "graph",
    ) -> Fault:
        if kind not in ("throttle", "outage"):
            raise ValueError("kind must be 'throttle' or 'outage'")
        if target not in ("graph", "token", "all"):
            raise ValueError("target must be 'graph', 'token' or 'all'")
        if count is not None and count < 1:
            raise ValueError("count must be at least 1 (or null: until cleared)")
        fault = Fault(str(uuid.uuid4()), kind, count, max(retry_after, 0), tenant, target)
        if tenant is not None:
            fault.tenant = tenant.lower()
        with self.lock:
            self.faults.append(fault)
        return fault

    def take_fault(self, tenant: str | None, target: str) -> Fault | None:
        """The fault that answers this call, if any (one call of its count is used up)."""
        with self.lock:
            for fault in self.faults:
                if fault.target not in (target, "all"):
                    continue
                if fault.tenant is not None and fault.tenant != (tenant or "").lower():
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.faults.remove(fault)
                return fault
        return None

    def count(self, tenant: str | None, field_name: str, kind: str | None = None) -> None:
        with self.lock:
            stats = self.stats.setdefault(tenant or "-", _blank_stats())
            stats[field_name] += 1
            if kind is not None:
                stats["byKind"][kind] += 1

    def stats_doc(self) -> dict[str, Any]:
        with self.lock:
            tenants = {k: {**v, "byKind": dict(v["byKind"])} for k, v in self.stats.items()}
            total = _blank_stats()
            for stats in self.stats.values():
                for name, value in stats.items():
                    total[name] += value
            return {"tenants": tenants, "total": {**total, "byKind": dict(total["byKind"])}}

    # Persistence

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "version": STATE_VERSION,
                "apps": [a.to_doc() for a in self.apps.values()],
                "servicePlanRules": self.rules.to_doc(),
                "tenants": [t.to_doc() for t in self.tenants.values()],
            }

    def save(self, path: Path) -> None:
        data = json.dumps(self.snapshot(), indent=1).encode("utf-8")
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def load(self, path: Path) -> bool:
        """Replace apps and tenants with a saved state; False if there is none usable."""
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        if not isinstance(doc, dict) or doc.get("version") != STATE_VERSION:
            return False
        with self.lock:
            self.tenants = {}
            self._load_doc(doc)
        return True

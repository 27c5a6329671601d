"""The emulated directory: tenants with their subscribed SKUs, users and groups.

Documents (the seed file, `PUT /_emulator/tenants/{tenant}`, state.json) use Graph's own
property names; `Tenant.from_doc` / `Tenant.to_doc` convert. A user's licences are kept
as assignments, one per (SKU, source): `assigned_by_group` None is a direct assignment.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from .protocol import iso_seconds

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/license-requests/graph-emulator")

# Writable or seedable user properties (besides id, userPrincipalName and licences).
USER_PROPERTIES = (
    "accountEnabled",
    "businessPhones",
    "city",
    "country",
    "createdDateTime",
    "department",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mailNickname",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "usageLocation",
)
GROUP_PROPERTIES = (
    "createdDateTime",
    "description",
    "displayName",
    "groupTypes",
    "mail",
    "mailEnabled",
    "mailNickname",
    "securityEnabled",
)


def is_guid(value: str) -> bool:
    return bool(GUID.match(value))


def stable_guid(*parts: str) -> str:
    """A GUID derived from names, for objects a document leaves without an id."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def _guid_list(values: Any) -> list[str]:
    return [str(v).lower() for v in (values or [])]


@dataclass
class Sku:
    sku_id: str
    part_number: str
    applies_to: str
    capability_status: str
    prepaid: dict[str, int]
    subscription_ids: list[str]
    service_plans: list[dict[str, str]]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Sku:
        plans = [
            {
                "servicePlanId": str(p["servicePlanId"]).lower(),
                "servicePlanName": str(p["servicePlanName"]),
                "provisioningStatus": str(p.get("provisioningStatus", "Success")),
                "appliesTo": str(p.get("appliesTo", "User")),
            }
            for p in doc.get("servicePlans", [])
        ]
        units = doc.get("prepaidUnits", {})
        prepaid = {
            k: int(units.get(k, 0)) for k in ("enabled", "lockedOut", "suspended", "warning")
        }
        return cls(
            str(doc["skuId"]).lower(),
            str(doc["skuPartNumber"]),
            str(doc.get("appliesTo", "User")),
            str(doc.get("capabilityStatus", "Enabled")),
            prepaid,
            _guid_list(doc.get("subscriptionIds")),
            plans,
        )

    def to_doc(self) -> dict[str, Any]:
        return {
            "skuId": self.sku_id,
            "skuPartNumber": self.part_number,
            "appliesTo": self.applies_to,
            "capabilityStatus": self.capability_status,
            "prepaidUnits": dict(self.prepaid),
            "subscriptionIds": list(self.subscription_ids),
            "servicePlans": [dict(p) for p in self.service_plans],
        }

    def plan_ids(self) -> list[str]:
        return [p["servicePlanId"] for p in self.service_plans]


@dataclass
class Assignment:
    """One licence of a user: direct (`assigned_by_group` None) or inherited from a group."""

    sku_id: str
    disabled_plans: list[str]
    assigned_by_group: str | None = None
    state: str = "Active"  # Active or Error
    error: str = "None"  # None, CountViolation, MutuallyExclusiveViolation, ...
    last_updated: str = field(default_factory=iso_seconds)

    @property
    def active(self) -> bool:
        return self.state == "Active"

    def state_doc(self) -> dict[str, Any]:
        """As a licenseAssignmentState."""
        return {
            "assignedByGroup": self.assigned_by_group,
            "disabledPlans": list(self.disabled_plans),
            "error": self.error,
            "lastUpdatedDateTime": self.last_updated,
            "skuId": self.sku_id,
            "state": self.state,
        }

    @classmethod
    def from_state_doc(cls, doc: dict[str, Any]) -> Assignment:
        group = doc.get("assignedByGroup")
        return cls(
            str(doc["skuId"]).lower(),
            _guid_list(doc.get("disabledPlans")),
            str(group).lower() if group else None,
            str(doc.get("state", "Active")),
            str(doc.get("error", "None")),
            str(doc.get("lastUpdatedDateTime") or iso_seconds()),
        )


@dataclass
class User:
    id: str
    user_principal_name: str
    props: dict[str, Any]
    assignments: list[Assignment] = field(default_factory=list)

    def direct(self, sku_id: str) -> Assignment | None:
        return next(
            (a for a in self.assignments if a.sku_id == sku_id and a.assigned_by_group is None),
            None,
        )

    def active_skus(self) -> set[str]:
        return {a.sku_id for a in self.assignments if a.active}

    def matches_name(self, name: str) -> bool:
        wanted = name.lower()
        mail = self.props.get("mail")
        return self.user_principal_name.lower() == wanted or (
            isinstance(mail, str) and mail.lower() == wanted
        )


@dataclass
class Group:
    id: str
    props: dict[str, Any]
    assigned_licenses: list[dict[str, Any]]
    members: list[str]


@dataclass
class Rules:
    """Service plan rules: pairs that cannot be enabled together, and plan dependencies."""

    exclusive: list[tuple[str, str]] = field(default_factory=list)
    dependencies: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_doc(cls, doc: dict[str, Any] | None) -> Rules:
        doc = doc or {}
        pairs = [
            (str(a).lower(), str(b).lower()) for a, b in doc.get("mutuallyExclusive", []) or []
        ]
        deps = {
            str(d["servicePlanId"]).lower(): _guid_list(d.get("dependsOn"))
            for d in doc.get("dependencies", []) or []
        }
        return cls(pairs, deps)

    def to_doc(self) -> dict[str, Any]:
        return {
            "mutuallyExclusive": [list(pair) for pair in self.exclusive],
            "dependencies": [
                {"servicePlanId": plan, "dependsOn": list(deps)}
                for plan, deps in self.dependencies.items()
            ],
        }

    def merged(self, other: Rules) -> Rules:
        deps = {**self.dependencies, **other.dependencies}
        return Rules([*self.exclusive, *other.exclusive], deps)


@dataclass
class Tenant:
    key: str  # what clients call it (`contoso`): also the token's tid
    id: str  # the organization's GUID (prefix of subscribedSku ids)
    account_id: str
    display_name: str
    domains: list[str]
    country: str
    consents: dict[str, list[str]]  # appId -> granted application roles
    skus: dict[str, Sku]
    users: dict[str, User]
    groups: dict[str, Group]
    rules: Rules

    def find_user(self, key: str) -> User | None:
        """By object id or userPrincipalName (case-insensitive)."""
        lowered = key.lower()
        if lowered in self.users:
            return self.users[lowered]
        return next(
            (u for u in self.users.values() if u.user_principal_name.lower() == lowered), None
        )

    def upn_taken(self, upn: str) -> bool:
        return any(u.user_principal_name.lower() == upn.lower() for u in self.users.values())

    @classmethod
    def from_doc(cls, doc: dict[str, Any], key: str | None = None) -> Tenant:
        tenant_key = str(key or doc["tenant"]).lower()
        tenant_id = str(doc.get("id") or stable_guid("tenant", tenant_key)).lower()
        roles = doc.get("consents") or {}
        consents = {str(a).lower(): list(r) for a, r in roles.items()}
        for app_id in doc.get("consentedApps", []) or []:
            consents.setdefault(str(app_id).lower(), [])
        skus = [Sku.from_doc(s) for s in doc.get("subscribedSkus", []) or []]
        users = [_user_from_doc(tenant_key, u) for u in doc.get("users", []) or []]
        groups = [_group_from_doc(tenant_key, g) for g in doc.get("groups", []) or []]
        return cls(
            key=tenant_key,
            id=tenant_id,
            account_id=str(doc.get("accountId") or tenant_id).lower(),
            display_name=str(doc.get("displayName") or tenant_key),
            domains=[str(d).lower() for d in doc.get("domains", []) or []],
            country=str(doc.get("countryLetterCode") or "US"),
            consents=consents,
            skus={s.sku_id: s for s in skus},
            users={u.id: u for u in users},
            groups={g.id: g for g in groups},
            rules=Rules.from_doc(doc.get("servicePlanRules")),
        )

    def to_doc(self) -> dict[str, Any]:
        return {
            "tenant": self.key,
            "id": self.id,
            "accountId": self.account_id,
            "displayName": self.display_name,
            "domains": list(self.domains),
            "countryLetterCode": self.country,
            "consents": {app: list(roles) for app, roles in self.consents.items()},
            "servicePlanRules": self.rules.to_doc(),
            "subscribedSkus": [s.to_doc() for s in self.skus.values()],
            "users": [_user_to_doc(u) for u in self.users.values()],
            "groups": [
                {
                    "id": g.id,
                    **g.props,
                    "assignedLicenses": [dict(x) for x in g.assigned_licenses],
                    "members": list(g.members),
                }
                for g in self.groups.values()
            ],
        }


def _user_from_doc(tenant: str, doc: dict[str, Any]) -> User:
    upn = str(doc["userPrincipalName"])
    user_id = str(doc.get("id") or stable_guid("user", tenant, upn.lower())).lower()
    props: dict[str, Any] = {name: doc[name] for name in USER_PROPERTIES if name in doc}
    props.setdefault("accountEnabled", True)
    props.setdefault("businessPhones", [])
    props.setdefault("createdDateTime", iso_seconds())
    props.setdefault("mailNickname", upn.split("@", 1)[0])
    if "licenseAssignmentStates" in doc:  # state.json keeps every assignment as it is
        assignments = [Assignment.from_state_doc(s) for s in doc["licenseAssignmentStates"]]
    else:  # a seed lists direct licences; group ones follow from group membership
        assignments = [
            Assignment(str(a["skuId"]).lower(), _guid_list(a.get("disabledPlans")))
            for a in doc.get("assignedLicenses", []) or []
        ]
    return User(user_id, upn, props, assignments)


def _user_to_doc(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "userPrincipalName": user.user_principal_name,
        **user.props,
        "licenseAssignmentStates": [a.state_doc() for a in user.assignments],
    }


def _group_from_doc(tenant: str, doc: dict[str, Any]) -> Group:
    name = str(doc.get("displayName") or "group")
    group_id = str(doc.get("id") or stable_guid("group", tenant, name.lower())).lower()
    props: dict[str, Any] = {k: doc[k] for k in GROUP_PROPERTIES if k in doc}
    props.setdefault("displayName", name)
    props.setdefault("groupTypes", [])
    props.setdefault("mailEnabled", False)
    props.setdefault("securityEnabled", True)
    props.setdefault("createdDateTime", iso_seconds())
    licenses = [
        {"disabledPlans": _guid_list(a.get("disabledPlans")), "skuId": str(a["skuId"]).lower()}
        for a in doc.get("assignedLicenses", []) or []
    ]
    return Group(group_id, props, licenses, _guid_list(doc.get("members")))

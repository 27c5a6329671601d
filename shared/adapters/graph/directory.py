"""The Directory port on Microsoft Graph: users, subscribed SKUs, licence assignment.

Graph's errors become stable failure codes here, in one place: the messages are the
ones Graph documents for assignLicense, and group-based licensing reports its own
error names in `licenseAssignmentStates`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

from shared.adapters.graph.client import (
    GraphClient,
    GraphRequest,
    GraphResponse,
    path_segment,
    unavailable,
)
from shared.app.directory import Assignment, AssignmentResult
from shared.domain.microsoft365 import DirectoryUser, SubscribedSku
from shared.domain.models import Failure, FailureCode
from shared.domain.text import one_line

USER_FIELDS = (
    "id,userPrincipalName,displayName,mail,accountEnabled,usageLocation,"
    "preferredLanguage,assignedLicenses,licenseAssignmentStates"
)
GRAPH_DIRECTORY_OBJECT = "https://graph.microsoft.com/v1.0/directoryObjects/"
# Addresses looked up by `mail` go into an OData string literal: only these characters
# (a validated address's usual ones), and a quote doubled as OData escapes it.
_MAIL_LITERAL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~@-]+$")
_GUID = re.compile(r"^[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$")
# Graph takes at most 15 values in an `in` filter.
MAX_IN = 15
_SEARCH_TEXT = re.compile(r"^[\w .@'-]{1,64}$")

_MESSAGE_CODES: tuple[tuple[str, FailureCode], ...] = (
    ("does not have any available licenses", "no_licenses_available"),
    ("invalid usage location", "usage_location_missing"),
    ("mutually exclusive", "conflicting_service_plans"),
    ("depends on the service plan", "dependent_service_plans"),
)
_GROUP_ERROR_CODES: dict[str, FailureCode] = {
    "CountViolation": "no_licenses_available",
    "MutuallyExclusiveViolation": "conflicting_service_plans",
    "DependencyViolation": "dependent_service_plans",
    "ProhibitedInUsageLocationViolation": "usage_location_missing",
}


def failure_of(response: GraphResponse) -> Failure:
    """The stable code of a failed assignment, keeping Graph's own message."""
    code, message = response.error
    if response.status == 404 or code == "Request_ResourceNotFound":
        return Failure(code="user_not_found", message=message or "The user does not exist.")
    lowered = message.lower()
    for fragment, failure in _MESSAGE_CODES:
        if fragment in lowered:
            return Failure(code=failure, message=message)
    return Failure(code="graph_error", message=message or f"Graph answered {response.status}.")


def group_failure(error: str) -> Failure:
    """The stable code of a group-based assignment that ended in error."""
    return Failure(
        code=_GROUP_ERROR_CODES.get(error, "graph_error"),
        message=f"Group-based licensing reported {error}.",
    )


def _sku(item: dict[str, Any]) -> SubscribedSku:
    prepaid = item.get("prepaidUnits") or {}
    plans = tuple(
        (str(p["servicePlanId"]), one_line(str(p.get("servicePlanName") or p["servicePlanId"])))
        for p in item.get("servicePlans") or []
        if isinstance(p, dict) and p.get("servicePlanId") and p.get("appliesTo", "User") == "User"
    )
    return SubscribedSku(
        sku_id=str(item["skuId"]),
        part_number=one_line(str(item.get("skuPartNumber") or item["skuId"])),
        applies_to=str(item.get("appliesTo") or ""),
        capability_status=str(item.get("capabilityStatus") or ""),
        enabled=int(prepaid.get("enabled") or 0),
        consumed=int(item.get("consumedUnits") or 0),
        service_plans=plans,
    )


def _text(value: Any) -> str | None:
    """A directory string made one line (names go into email headers), or None."""
    return one_line(value) if isinstance(value, str) else None


def _user(item: dict[str, Any]) -> DirectoryUser:
    states = [s for s in item.get("licenseAssignmentStates") or [] if isinstance(s, dict)]
    return DirectoryUser(
        id=str(item["id"]),
        user_principal_name=str(item.get("userPrincipalName") or ""),
        display_name=_text(item.get("displayName")),
        mail=item.get("mail"),
        enabled=item.get("accountEnabled") is not False,
        usage_location=item.get("usageLocation"),
        preferred_language=item.get("preferredLanguage"),
        sku_ids=frozenset(
            str(a["skuId"]) for a in item.get("assignedLicenses") or [] if isinstance(a, dict)
        ),
        license_errors={
            str(s["skuId"]): group_failure(str(s.get("error") or "Other"))
            for s in states
            if s.get("state") == "Error" and s.get("skuId")
        },
    )


def _found(response: GraphResponse) -> DirectoryUser | None:
    if response.status == 404:
        return None
    if not response.ok or not isinstance(response.body, dict):
        raise unavailable(response)
    return _user(response.body)


class GraphDirectory:
    """Directory on Microsoft Graph v1.0."""

    def __init__(self, client: GraphClient) -> None:
        self._client = client

    def subscribed_skus(self, tenant: str) -> list[SubscribedSku]:
        reply = self._client.call(tenant, GraphRequest("GET", "/subscribedSkus"))
        if not reply.ok or not isinstance(reply.body, dict):
            raise unavailable(reply)
        return [_sku(i) for i in reply.body.get("value") or [] if isinstance(i, dict)]

    def users_by_id(self, tenant: str, ids: Sequence[str]) -> dict[str, DirectoryUser | None]:
        # Object ids (GUIDs: never user text) go 15 to a query with `id in (...)`; anything
        # else (a userPrincipalName) is a path segment of its own. One batch for all.
        guids = [i for i in dict.fromkeys(ids) if _GUID.fullmatch(i)]
        others = [i for i in dict.fromkeys(ids) if not _GUID.fullmatch(i)]
        chunks = [guids[n : n + MAX_IN] for n in range(0, len(guids), MAX_IN)]
        requests = [
            GraphRequest(
                "GET",
                "/users?$filter="
                + path_segment("id in (" + ",".join(f"'{g}'" for g in chunk) + ")")
                + f"&$select={USER_FIELDS}&$top={MAX_IN}",
            )
            for chunk in chunks
        ]
        requests += [
            GraphRequest("GET", f"/users/{path_segment(i)}?$select={USER_FIELDS}") for i in others
        ]
        replies = self._client.batch(tenant, requests)
        found: dict[str, DirectoryUser | None] = {}
        for chunk, reply in zip(chunks, replies, strict=False):
            if not reply.ok or not isinstance(reply.body, dict):
                raise unavailable(reply)
            users = {u.id.lower(): u for u in map(_user, reply.body.get("value") or [])}
            found.update({g: users.get(g.lower()) for g in chunk})
        for other, reply in zip(others, replies[len(chunks) :], strict=True):
            found[other] = _found(reply)
        return {i: found[i] for i in ids}

    def users_by_address(
        self, tenant: str, addresses: Sequence[str]
    ) -> dict[str, DirectoryUser | None]:
        wanted = list(dict.fromkeys(a.lower() for a in addresses))
        # First as userPrincipalName (a path segment: no query language involved) ...
        by_upn = self.users_by_id(tenant, wanted)
        missing = [
            a for a in wanted if by_upn[a] is None and "@" in a and _MAIL_LITERAL.fullmatch(a)
        ]
        if not missing:
            return by_upn
        # ... then, for those not found, as a mail address (UPN and mail often differ).
        requests = [
            GraphRequest(
                "GET",
                "/users?$filter="
                + path_segment(f"mail eq '{a.replace(chr(39), chr(39) * 2)}'")
                + f"&$select={USER_FIELDS}",
            )
            for a in missing
        ]
        for address, reply in zip(missing, self._client.batch(tenant, requests), strict=True):
            if not reply.ok or not isinstance(reply.body, dict):
                raise unavailable(reply)
            found = [_user(u) for u in reply.body.get("value") or [] if isinstance(u, dict)]
            by_upn[address] = found[0] if len(found) == 1 else None
        return by_upn

    def search_users(self, tenant: str, text: str, limit: int) -> list[DirectoryUser]:
        if not _SEARCH_TEXT.fullmatch(text):
            return []
        search = path_segment(f'"displayName:{text}" OR "mail:{text}"')
        reply = self._client.call(
            tenant,
            GraphRequest(
                "GET",
                f"/users?$search={search}&$select={USER_FIELDS}&$top={limit}",
                headers={"ConsistencyLevel": "eventual"},
            ),
        )
        if not reply.ok or not isinstance(reply.body, dict):
            raise unavailable(reply)
        return [_user(u) for u in reply.body.get("value") or [] if isinstance(u, dict)][:limit]

    def assign_licenses(
        self, tenant: str, assignments: Sequence[Assignment]
    ) -> list[AssignmentResult]:
        requests = [
            GraphRequest(
                "POST",
                f"/users/{path_segment(a.user_id)}/assignLicense",
                {
                    "addLicenses": [{"skuId": a.sku_id, "disabledPlans": list(a.disabled_plans)}],
                    "removeLicenses": [],
                },
            )
            for a in assignments
        ]
        replies = self._client.batch(tenant, requests)
        return [_result(a.user_id, r) for a, r in zip(assignments, replies, strict=True)]

    def add_group_members(
        self, tenant: str, group_id: str, user_ids: Sequence[str]
    ) -> list[AssignmentResult]:
        requests = [
            GraphRequest(
                "POST",
                f"/groups/{path_segment(group_id)}/members/$ref",
                {"@odata.id": GRAPH_DIRECTORY_OBJECT + u},
            )
            for u in user_ids
        ]
        replies = self._client.batch(tenant, requests)
        results = []
        for user_id, reply in zip(user_ids, replies, strict=True):
            _, message = reply.error
            if reply.status == 400 and "already exist" in message:
                reply = GraphResponse(204, None)  # a member already: the group applies
            results.append(_result(user_id, reply))
        return results

    def remove_license(
        self, tenant: str, user_id: str, sku_id: str, group_id: str | None
    ) -> Literal["removed", "absent"]:
        if group_id:
            path = f"/groups/{path_segment(group_id)}/members/{path_segment(user_id)}/$ref"
            request = GraphRequest("DELETE", path)
        else:
            body = {"addLicenses": [], "removeLicenses": [sku_id]}
            request = GraphRequest("POST", f"/users/{path_segment(user_id)}/assignLicense", body)
        reply = self._client.call(tenant, request)
        if reply.ok:
            return "removed"
        code, message = reply.error
        # Gone, or not theirs any more (an admin removed it, or a group gives it): forgotten.
        if reply.status in (400, 404) and (
            reply.status == 404
            or code == "Request_ResourceNotFound"
            or "does not have a corresponding license" in message
            or "inherited from a group" in message
        ):
            return "absent"
        raise unavailable(reply)


def _result(user_id: str, reply: GraphResponse) -> AssignmentResult:
    if reply.ok:
        return AssignmentResult(user_id, "assigned")
    if reply.status in (429, 500, 502, 503, 504):
        return AssignmentResult(user_id, "retry", retry_after=reply.retry_after)
    return AssignmentResult(user_id, "failed", failure=failure_of(reply))

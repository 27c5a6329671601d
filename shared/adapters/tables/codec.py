"""Rows <-> models: the properties each kind of row stores, decided here.

Stored rows are not the API's wire format: the property names and the JSON inside
them are spelled out below, so a change to an API model never silently changes what
is stored (a golden test pins the bytes). JSON is compact UTF-8; times inside JSON
are ISO 8601 with `Z`; times as properties are DateTime.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from shared.adapters.tables import keys
from shared.adapters.tables.json_props import dump, dump_parts, load_parts
from shared.app.ports import OutboxRow
from shared.domain.models import (
    Decision,
    LicenseRequest,
    Person,
    Product,
    RequestSummary,
    RequestUser,
    ServicePlan,
)
from shared.domain.notices import Notice
from shared.domain.terms import Holder

Entity = dict[str, Any]


def iso_text(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# ---- pieces of JSON ------------------------------------------------------------------------


def person_data(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"id": person.id, "name": person.name, "email": person.email}


def person_of(data: Any) -> Person | None:
    if data is None:
        return None
    return Person(id=data["id"], name=data["name"], email=data["email"])


def _user(user: RequestUser) -> dict[str, Any]:
    data: dict[str, Any] = {"email": user.email, "name": user.name, "outcome": user.outcome}
    if user.failure:
        data["failure"] = {"code": user.failure.code, "message": user.failure.message}
    if user.directory_id:
        data["directoryId"] = user.directory_id
    if user.language:
        data["language"] = user.language
    return data


def _user_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "email": data["email"],
        "name": data.get("name"),
        "outcome": data["outcome"],
        "failure": data.get("failure"),
        "directory_id": data.get("directoryId"),
        "language": data.get("language"),
    }


def _decision(decision: Decision | None) -> dict[str, Any] | None:
    if decision is None:
        return None
    data = {
        "action": decision.action,
        "decidedAt": iso_text(decision.decided_at),
        "decidedBy": person_data(decision.decided_by),
        "productId": decision.product_id,
        "disabledServicePlans": list(decision.disabled_service_plans),
        "message": decision.message,
    }
    if decision.license_expires_at:  # a time-limited approval (X14)
        data["licenseExpiresAt"] = iso_text(decision.license_expires_at)
    return data


# ---- products ------------------------------------------------------------------------------


def product_entity(tenant: str, product: Product) -> Entity:
    """The product row, with its licence counters."""
    updated_by = person_data(product.updated_by)
    entity: Entity = {
        "PartitionKey": tenant,
        "RowKey": keys.product_key(product.id),
        "Name": product.name,
        "SelfService": product.self_service_purchase,
        **dump_parts("Plans", [{"id": p.id, "name": p.name} for p in product.service_plans]),
        "Total": product.total_licenses,
        "Assigned": product.assigned_licenses,
        "UpdatedAt": product.updated_at,
        "UpdatedBy": dump(updated_by) if updated_by else None,
    }
    if product.approvers:
        entity["Approvers"] = dump(list(product.approvers))
    if product.waiting:
        entity["Waiting"] = product.waiting
    if product.queued:
        entity["Queued"] = product.queued
    if product.source == "microsoft365":
        entity.update(
            {
                "Source": product.source,
                "SkuId": product.sku_id,
                "SkuPartNumber": product.sku_part_number,
                "CustomName": product.custom_name,
                "LicensingGroupId": product.licensing_group_id,
                "Reserved": product.reserved_licenses,
            }
        )
    return entity


def product_from(entity: Entity) -> Product:
    """The product a product row holds."""
    updated_by = entity.get("UpdatedBy")
    return Product(
        id=entity["RowKey"][len(keys.PRODUCT) + 1 :],
        name=entity["Name"],
        self_service_purchase=entity["SelfService"],
        service_plans=[
            ServicePlan(id=p["id"], name=p["name"]) for p in load_parts(entity, "Plans")
        ],
        total_licenses=int(entity["Total"]),
        assigned_licenses=int(entity["Assigned"]),
        updated_at=entity.get("UpdatedAt"),
        updated_by=person_of(json.loads(updated_by)) if updated_by else None,
        source=entity.get("Source") or "manual",
        sku_id=entity.get("SkuId"),
        sku_part_number=entity.get("SkuPartNumber"),
        custom_name=entity.get("CustomName"),
        licensing_group_id=entity.get("LicensingGroupId"),
        reserved_licenses=int(entity.get("Reserved") or 0),
        approvers=json.loads(entity.get("Approvers") or "[]"),
        waiting=int(entity.get("Waiting") or 0),
        queued=int(entity.get("Queued") or 0),
    )


def counters(tenant: str, product: Product) -> Entity:
    """The part of a product row a decision or a fulfilment merges: its seat counts."""
    entity: Entity = {
        "PartitionKey": tenant,
        "RowKey": keys.product_key(product.id),
        "Assigned": product.assigned_licenses,
        "Waiting": product.waiting,
    }
    if product.queued:
        entity["Queued"] = product.queued
    if product.source == "microsoft365":
        entity["Total"] = product.total_licenses
        entity["Reserved"] = product.reserved_licenses
    return entity


def assignment_entity(
    tenant: str,
    product_id: str,
    email: str,
    request: LicenseRequest | None,
    *,
    request_id: str | None = None,
    at: datetime | None = None,
    expires_at: datetime | None = None,
) -> Entity:
    """The row saying `email` holds the product, from which decision and until when (a seat
    from the waitlist may outlive its request: then its id, when it was seated, and the end
    of its term)."""
    decision = request.decision if request else None
    user = (
        next((u for u in request.users if u.email.lower() == email.lower()), None)
        if request
        else None
    )
    return {
        "PartitionKey": tenant,
        "RowKey": keys.assignment_key(product_id, email),
        "Email": email,
        "RequestId": request.id if request else request_id,
        "AssignedAt": at or (decision.decided_at if decision else None),
        "DisabledPlans": dump(decision.disabled_service_plans if decision else []),
        "ExpiresAt": expires_at or (decision.license_expires_at if decision else None),
        "UserId": user.directory_id if user else None,
    }


def holder_from(entity: Entity) -> Holder:
    """Who an assignment row says holds a product, and until when."""
    _, product_id, _ = str(entity["RowKey"]).split("|", 2)
    return Holder(
        product_id=product_id,
        email=entity["Email"],
        request_id=entity.get("RequestId"),
        assigned_at=entity.get("AssignedAt"),
        expires_at=entity.get("ExpiresAt"),
        user_id=entity.get("UserId"),
        warned=bool(entity.get("Warned")),
    )


# ---- requests ------------------------------------------------------------------------------


def request_rows(tenant: str, request: LicenseRequest) -> tuple[Entity, Entity]:
    """The request row and its "my requests" copy, serialised once for both."""
    # Users go in their own property: a string property holds at most 32K characters,
    # and 51 users with long names would crowd the rest of the request out.
    data = {
        "id": request.id,
        "productId": request.product_id,
        "productName": request.product_name,
        "requester": person_data(request.requester),
        "justification": request.justification,
        "status": request.status,
        "createdAt": iso_text(request.created_at),
        "expiresAt": iso_text(request.expires_at),
        "decision": _decision(request.decision),
    }
    if request.fulfilment:
        fulfilment: dict[str, Any] = {
            "status": request.fulfilment.status,
            "updatedAt": iso_text(request.fulfilment.updated_at),
            "round": request.fulfilment.round,
            "throttled": request.fulfilment.throttled,
        }
        if request.fulfilment.retried:
            fulfilment["retried"] = request.fulfilment.retried
        data["fulfilment"] = fulfilment
    row = {
        "PartitionKey": tenant,
        "RowKey": keys.request_key(request.id),
        **dump_parts("Data", data),
        **dump_parts("Users", [_user(u) for u in request.users]),
        "Status": request.status,
        "RequesterId": request.requester.id,
        "ProductId": request.product_id,
        # The retention sweep's count of the people a pending request leaves waiting.
        "UserCount": len(request.users),
    }
    named = named_persons(request)
    if named:
        # Which N| pointers the request has: the retention sweep deletes them with it.
        row["Named"] = dump(named)
    return row, {**row, "RowKey": keys.mine_key(request.requester.id, request.id)}


def named_persons(request: LicenseRequest) -> list[str]:
    """The index keys of the users the requester added (each once)."""
    found = (keys.person(u.directory_id, u.email) for u in request.users[1:])
    return list(dict.fromkeys(found))


def named_entity(tenant: str, who: str, request_id: str) -> Entity:
    """A pointer from a person to a request that names them."""
    return {"PartitionKey": tenant, "RowKey": keys.named_key(who, request_id)}


def request_from(entity: Entity) -> LicenseRequest:
    """The request a request row (or a "my requests" copy) holds."""
    data = load_parts(entity, "Data")
    decision, fulfilment = data.get("decision"), data.get("fulfilment")
    # One validation of the whole tree (a request is read on every call that shows one);
    # people and users are stored under their field names, so they pass as they are.
    return LicenseRequest.model_validate(
        {
            "id": data["id"],
            "product_id": data["productId"],
            "product_name": data["productName"],
            "requester": data["requester"],
            "users": [_user_fields(u) for u in load_parts(entity, "Users")],
            "justification": data.get("justification"),
            "status": data["status"],
            "created_at": data["createdAt"],
            "expires_at": data["expiresAt"],
            "decision": None
            if decision is None
            else {
                "action": decision["action"],
                "decided_at": decision["decidedAt"],
                "decided_by": decision["decidedBy"],
                "product_id": decision.get("productId"),
                "disabled_service_plans": decision.get("disabledServicePlans") or [],
                "message": decision.get("message"),
                "license_expires_at": decision.get("licenseExpiresAt"),
            },
            "fulfilment": None
            if fulfilment is None
            else {
                "status": fulfilment["status"],
                "updated_at": fulfilment["updatedAt"],
                "round": fulfilment.get("round", 1),
                "throttled": fulfilment.get("throttled", 0),
                "retried": fulfilment.get("retried") or [],
            },
        }
    )


def pending_entity(tenant: str, request: LicenseRequest) -> Entity:
    """The pending list row: a summary copy of a pending request."""
    data = {
        "id": request.id,
        "productId": request.product_id,
        "productName": request.product_name,
        "requester": person_data(request.requester),
        "userCount": len(request.users),
        "createdAt": iso_text(request.created_at),
        "status": request.status,
    }
    return {
        "PartitionKey": tenant,
        "RowKey": keys.pending_key(request.id),
        "Data": dump(data),
        # A property, so a list of some products' requests filters server-side.
        "ProductId": request.product_id,
    }


def summary_from(entity: Entity) -> RequestSummary:
    """The list row a pending row, or a request row, stands for."""
    if "Users" in entity:  # a request row (the completed and all views read those)
        return request_from(entity).summary()
    data = json.loads(entity["Data"])
    # One validation of the whole row; the requester is stored under its field names.
    return RequestSummary.model_validate(
        {
            "id": data["id"],
            "product_id": data["productId"],
            "product_name": data["productName"],
            "requester": data["requester"],
            "user_count": data["userCount"],
            "created_at": data["createdAt"],
            "status": data["status"],
        }
    )


def marker_entity(tenant: str, request: LicenseRequest) -> Entity:
    """The marker saying this requester has this pending request for this product."""
    return {
        "PartitionKey": tenant,
        "RowKey": keys.marker_key(request.product_id, request.requester.id),
        "RequestId": request.id,
    }


# ---- outbox --------------------------------------------------------------------------------


def outbox_entity(tenant: str, notice: Notice) -> Entity:
    """A fresh outbox row: the notice to deliver, nothing delivered yet."""
    return {
        "PartitionKey": tenant,
        "RowKey": notice.id,
        **dump_parts("Payload", notice.payload),
        "CreatedAt": notice.created_at,
        "Attempts": 0,
    }


def outbox_from(entity: Entity) -> OutboxRow:
    """An outbox row and how far its delivery got."""
    return OutboxRow(
        key=entity["RowKey"],
        payload=load_parts(entity, "Payload"),
        created_at=entity["CreatedAt"],
        attempts=int(entity.get("Attempts") or 0),
        sent=tuple(json.loads(entity.get("Sent") or "[]")),
        failed=tuple(json.loads(entity.get("Failed") or "[]")),
        lease_owner=entity.get("LeaseOwner"),
        lease_until=entity.get("LeaseUntil"),
        relay_count=int(entity.get("RelayCount") or 0),
        relayed_at=entity.get("RelayedAt"),
    )


def etag(entity: Any) -> str:
    """The version a read entity carries."""
    return str(entity.metadata["etag"])

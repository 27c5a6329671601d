"""The JSON schemas of /api/openapi.json's answers that are not pydantic models: views
built by hand (`Product.to_view`, `CatalogueItem.to_view`), the list pages, the
Microsoft 365 setup, the people picker, and the members each problem `code` adds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Schema = dict[str, Any]
# Product and plan ids (shared/domain/fields.py).
ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


Access = Literal["anyone", "user", "admin"]


@dataclass(frozen=True)
class Param:
    """A query parameter."""

    name: str
    schema: Schema
    description: str
    required: bool = False
    allow_empty: bool = False  # `?name=` means "not given"


@dataclass(frozen=True)
class Reply:
    """A success (or redirect) answer."""

    description: str
    schema: Schema | None = None
    content: Mapping[str, Schema] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    """One endpoint's contract beyond its route and method."""

    summary: str
    tag: str
    access: Access
    replies: Mapping[int, Reply]
    problems: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    body: str | None = None
    body_required: bool = True
    query: tuple[Param, ...] = ()
    path: Mapping[str, Schema] = field(default_factory=dict)
    directory: bool = False
    wrapped: bool = True  # through functions._http.endpoint: 503 for the unexpected
    description: str = ""
    who: str = ""  # who may call it, when not only admins (access "admin": 403)


def ref(name: str) -> Schema:
    """A reference to a component schema (a model of shared/domain or one below)."""
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def page_of(item: Schema) -> Schema:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["items", "nextCursor"],
        "properties": {
            "items": {"type": "array", "items": item},
            "nextCursor": {
                **nullable({"type": "string"}),
                "description": "Pass as `cursor` for the next page; null on the last page.",
            },
        },
    }


STRING = {"type": "string"}
INTEGER = {"type": "integer"}

# Response schemas of the answers that are not pydantic models.
SCHEMAS: dict[str, Schema] = {
    "Health": {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"enum": ["ok", "ready"]}},
    },
    "ServicePlanView": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "name"],
        "properties": {"id": STRING, "name": STRING},
    },
    # Product.to_view / CatalogueItem.to_view (shared/domain/models.py, shared/app/catalogue.py)
    "ProductView": {
        "type": "object",
        "description": "Admins also see the licence counts, the approvers, the Microsoft 365 "
        "reservations and licensing group, and `fulfils` (in GET /products).",
        "additionalProperties": False,
        "required": ["id", "name", "selfServicePurchase", "servicePlans", "source"],
        "properties": {
            "id": STRING,
            "name": STRING,
            "selfServicePurchase": {"enum": ["allowed", "blocked"]},
            "servicePlans": {"type": "array", "items": ref("ServicePlanView")},
            "totalLicenses": INTEGER,
            "assignedLicenses": INTEGER,
            "source": {"enum": ["manual", "microsoft365"]},
            "skuId": nullable(STRING),
            "skuPartNumber": nullable(STRING),
            "reservedLicenses": INTEGER,
            "licensingGroupId": nullable(STRING),
            "approvers": {
                "type": "array",
                "items": STRING,
                "description": "Who may decide this product's requests besides the admins.",
            },
            "fulfils": {
                "type": "array",
                "items": STRING,
                "description": "Products whose requests this one can satisfy, itself included.",
            },
            "waiting": {**INTEGER, "description": "People on its waitlist."},
            "pendingUsers": {
                **INTEGER,
                "description": "How many people wait for it: the users of its pending requests.",
            },
        },
    },
    "ProductList": {
        "type": "object",
        "additionalProperties": False,
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": ref("ProductView")}},
    },
    "RequestList": {
        **page_of(ref("RequestSummary")),
        "required": ["items", "nextCursor", "requestProcess"],
        "properties": {
            **page_of(ref("RequestSummary"))["properties"],
            "requestProcess": ref("RequestProcess"),
            "counts": {
                "type": "object",
                "description": "The tenant's requests by status (admins; not for approvers).",
                "additionalProperties": False,
                "required": ["pending", "completed"],
                "properties": {"pending": INTEGER, "completed": INTEGER},
            },
        },
    },
    "WaitlistEntry": {
        "type": "object",
        "additionalProperties": False,
        "required": ["email", "name", "requestId", "since"],
        "properties": {
            "email": STRING,
            "name": nullable(STRING),
            "requestId": STRING,
            "since": {"type": "string", "format": "date-time"},
            "position": {**INTEGER, "description": "1 is next."},
        },
    },
    "Waitlist": {
        "type": "object",
        "additionalProperties": False,
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": ref("WaitlistEntry")}},
    },
    "WaitlistRemoval": {
        "type": "object",
        "additionalProperties": False,
        "required": ["removed"],
        "properties": {"removed": ref("WaitlistEntry")},
    },
    "Holder": {
        "type": "object",
        "additionalProperties": False,
        "required": ["email", "requestId", "assignedAt", "expiresAt"],
        "properties": {
            "email": STRING,
            "requestId": nullable(STRING),
            "assignedAt": nullable({"type": "string", "format": "date-time"}),
            "expiresAt": {
                **nullable({"type": "string", "format": "date-time"}),
                "description": "When the license is reclaimed; null: permanent.",
            },
        },
    },
    "Holders": {
        "type": "object",
        "additionalProperties": False,
        "required": ["productId", "assignments"],
        "properties": {
            "productId": STRING,
            "assignments": {"type": "array", "items": ref("Holder")},
        },
    },
    "AppRef": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "name"],
        "properties": {"id": STRING, "name": STRING},
    },
    "MyRequest": {
        "description": "A request naming the caller, with their part in it (X4, X12).",
        "allOf": [
            ref("LicenseRequest"),
            {
                "type": "object",
                "required": ["role", "myOutcome", "assignedProduct", "disabledApps"],
                "properties": {
                    "role": {"enum": ["requester", "included"]},
                    "myOutcome": {
                        "enum": [
                            "pending",
                            "assigned",
                            "alreadyLicensed",
                            "notAssigned",
                            "failed",
                            "waiting",
                        ]
                    },
                    "assignedProduct": nullable(ref("AppRef")),
                    "disabledApps": {"type": "array", "items": ref("AppRef")},
                },
            },
        ],
    },
    "MyRequestList": page_of(ref("MyRequest")),
    "BulkResult": {
        "type": "object",
        "description": "One request's outcome: 200 with the request, or its error's status "
        "and `code` (as its single decision would have answered).",
        "additionalProperties": False,
        "required": ["id", "status"],
        "properties": {
            "id": STRING,
            "status": {"enum": [200, 403, 404, 409, 413, 422, 503]},
            "request": ref("LicenseRequest"),
            "code": STRING,
            "detail": STRING,
        },
    },
    "BulkResults": {
        "type": "object",
        "additionalProperties": False,
        "required": ["results"],
        "properties": {"results": {"type": "array", "items": ref("BulkResult")}},
    },
    "Microsoft365Status": {
        "allOf": [
            ref("Microsoft365Connection"),
            {
                "type": "object",
                "required": ["available"],
                "properties": {
                    "available": {
                        "type": "boolean",
                        "description": "Whether this deployment has an app registration.",
                    }
                },
            },
        ]
    },
    "ConsentUrl": {
        "type": "object",
        "additionalProperties": False,
        "required": ["consentUrl"],
        "properties": {"consentUrl": STRING},
    },
    "DirectoryUser": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "displayName", "mail", "userPrincipalName"],
        "properties": {
            "id": STRING,
            "displayName": nullable(STRING),
            "mail": nullable(STRING),
            "userPrincipalName": STRING,
        },
    },
    "DirectoryUserList": {
        "type": "object",
        "additionalProperties": False,
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": ref("DirectoryUser"), "maxItems": 20}},
    },
    "DevToken": {
        "type": "object",
        "additionalProperties": False,
        "required": ["token"],
        "properties": {"token": STRING},
    },
    "OpenApiDocument": {"type": "object", "required": ["openapi", "paths"]},
}

# Members a problem of a code carries beside type, title, status, detail and code.
PROBLEM_MEMBERS: dict[str, dict[str, Schema]] = {
    "invalid_request": {
        "field": {**STRING, "description": "The query parameter or member at fault."},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": STRING, "message": STRING},
            },
        },
    },
    "licenses_in_use": {"assigned": INTEGER},
    "own_request_process": {"message": nullable(STRING), "documentationUrl": nullable(STRING)},
    "already_decided": {"requestStatus": {"enum": ["pending", "approved", "denied"]}},
    "insufficient_licenses": {"available": INTEGER, "needed": INTEGER},
    "invalid_service_plan": {"servicePlans": {"type": "array", "items": STRING}},
    "unknown_user": {"users": {"type": "array", "items": STRING}},
    "method_not_allowed": {"allowed": {"type": "array", "items": STRING}},
}

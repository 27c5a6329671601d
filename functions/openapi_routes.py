"""What the route table cannot say about each endpoint, for /api/openapi.json.

Keyed by function name: who may call it, its body (an input model of
shared/domain/models.py), query parameters, success answers and the stable problem
`code`s it may answer beyond the ones every endpoint of its kind shares (functions/
openapi_http.py adds those: 401 / 403 / 400 / 413 / 503). The schemas of answers that are
not pydantic models are in functions/openapi_views.py.
"""

from __future__ import annotations

from functions.openapi_seat_routes import SEAT_OPERATIONS
from functions.openapi_views import (
    ID_PATTERN,
    STRING,
    Access,
    Operation,
    Param,
    Reply,
    ref,
)

__all__ = ["OPERATIONS", "Access", "Operation", "Param", "Reply"]


REQUEST_ID = {"type": "string", "minLength": 1, "description": "The request's opaque id."}
LIMIT = Param(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
    "Page size.",
    allow_empty=True,
)
CURSOR = Param(
    "cursor", {"type": "string"}, "`nextCursor` of the previous page (signed).", allow_empty=True
)
FOUND = {"Location": "Where to go next."}
LICENSE_REQUEST = Reply("The request.", ref("LicenseRequest"))
CONSOLE_TYPES = (
    "text/html",
    "text/javascript",
    "text/css",
    "application/json",
    "image/svg+xml",
    "image/png",
    "image/x-icon",
    "text/plain",
)

OPERATIONS: dict[str, Operation] = {
    "health": Operation(
        "Liveness, or readiness with ?ready=1",
        "health",
        "anyone",
        {200: Reply("`ok`: the process runs; `ready`: storage answers too.", ref("Health"))},
        query=(
            Param(
                "ready",
                {"type": "string", "pattern": "^(1|0|[tT][rR][uU][eE]|[fF][aA][lL][sS][eE])$"},
                "1 or true: check that storage answers (503 when it does not).",
                allow_empty=True,
            ),
        ),
        description="Liveness touches nothing; readiness reads storage.",
    ),
    "openapi_document": Operation(
        "This document",
        "health",
        "anyone",
        {200: Reply("The OpenAPI 3.1 document.", ref("OpenApiDocument"))},
    ),
    "list_products": Operation(
        "The catalogue",
        "products",
        "user",
        {200: Reply("Every product, by name.", ref("ProductList"))},
    ),
    "put_product": Operation(
        "Create or replace a product",
        "products",
        "admin",
        {200: Reply("The product as stored.", ref("ProductView"))},
        {405: ("method_not_allowed",), 409: ("licenses_in_use",)},
        body="ProductPut",
        path={"productId": {"type": "string", "pattern": ID_PATTERN}},
        description="Manual products: name and totalLicenses. Microsoft 365 products: "
        "selfServicePurchase, a display name and a licensing group (seats and plans are "
        "read-only: 400). `sync` is not a product id: /products/sync is its own endpoint (405).",
    ),
    "sync_products": Operation(
        "Refresh the Microsoft 365 products now",
        "microsoft365",
        "admin",
        {200: Reply("The Microsoft 365 products.", ref("ProductList"))},
        {409: ("not_connected",)},
        directory=True,
    ),
    "get_request_process": Operation(
        "The own-request-process switch",
        "settings",
        "user",
        {200: Reply("Admins also see notifyAdmins.", ref("RequestProcess"))},
    ),
    "put_request_process": Operation(
        "Switch the own request process",
        "settings",
        "admin",
        {200: Reply("The setting as stored.", ref("RequestProcess"))},
        body="RequestProcessPut",
    ),
    "get_notification_settings": Operation(
        "Who hears of new and waiting requests",
        "settings",
        "admin",
        {200: Reply("notifyAdmins also get a daily digest.", ref("NotificationSettings"))},
    ),
    "put_notification_settings": Operation(
        "Change who hears of new and waiting requests",
        "settings",
        "admin",
        {200: Reply("The settings as stored.", ref("NotificationSettings"))},
        body="NotificationSettingsPut",
        description="Omitted members are kept; escalateAfter > remindAfter (P1D..) < retention.",
    ),
    "submit_request": Operation(
        "Ask for a licence",
        "requests",
        "user",
        {
            201: Reply("A new request.", ref("LicenseRequest")),
            200: Reply(
                "The caller's pending request for the product, merged.", ref("LicenseRequest")
            ),
        },
        {
            409: ("own_request_process", "self_service_allowed"),
            422: ("unknown_product", "unknown_user"),
        },
        body="RequestCreate",
        directory=True,
    ),
    "list_requests": Operation(
        "The Requests list",
        "requests",
        "admin",
        {200: Reply("Newest first.", ref("RequestList"))},
        query=(
            Param(
                "status",
                {"enum": ["pending", "completed", "all"]},
                "Default: pending while the own request process is on, else all.",
                allow_empty=True,
            ),
            Param(
                "q",
                {"type": "string", "maxLength": 100},
                "Requests whose requester's name or address, or product's name, hold this "
                "text (case-blind; reads the view's retained rows).",
                allow_empty=True,
            ),
            Param(
                "productId",
                {"type": "string", "pattern": ID_PATTERN},
                "Only this product's requests.",
                allow_empty=True,
            ),
            Param(
                "sort",
                {"enum": ["-createdAt", "createdAt"]},
                "Newest first (default) or oldest first.",
                allow_empty=True,
            ),
            LIMIT,
            CURSOR,
        ),
        who="Admins (with the tenant's `counts`), and product approvers (their products' "
        "requests only).",
    ),
    "get_request": Operation(
        "One request",
        "requests",
        "user",
        {200: LICENSE_REQUEST},
        {404: ("not_found",)},
        path={"id": REQUEST_ID},
        description="For an admin, the people it names and its product's approvers (404 for "
        "anyone else).",
    ),
    "approve_request": Operation(
        "Approve, fully or in part",
        "requests",
        "admin",
        {200: LICENSE_REQUEST},
        {
            404: ("not_found",),
            409: ("already_decided", "insufficient_licenses", "not_connected"),
            422: ("invalid_product", "invalid_service_plan", "no_users_left", "unknown_user"),
        },
        body="ApproveCommand",
        body_required=False,
        path={"id": REQUEST_ID},
        directory=True,
        who="Admins, and the approvers of the requested product.",
    ),
    "export_requests": Operation(
        "The request history as CSV",
        "requests",
        "admin",
        {
            200: Reply(
                "One row per request and user (RFC 4180, UTF-8 with a byte order mark); "
                "values a spreadsheet would run as formulas start with a quote.",
                content={"text/csv": {"type": "string"}},
            )
        },
        query=(
            Param(
                "status",
                {"enum": ["pending", "completed", "all"]},
                "Default: all.",
                allow_empty=True,
            ),
            Param(
                "from",
                {"type": "string"},
                "Created at or after: a date (2026-11-01) or a date and time with an offset.",
                allow_empty=True,
            ),
            Param("to", {"type": "string"}, "Created before (as `from`).", allow_empty=True),
        ),
    ),
    "decide_many": Operation(
        "Approve or deny up to 100 requests",
        "requests",
        "admin",
        {200: Reply("One result per id, in the order given.", ref("BulkResults"))},
        {},
        body="BulkDecision",
        directory=True,
        who="Admins, and product approvers (for their products' requests).",
    ),
    "deny_request": Operation(
        "Deny",
        "requests",
        "admin",
        {200: LICENSE_REQUEST},
        {404: ("not_found",), 409: ("already_decided",)},
        body="DenyCommand",
        body_required=False,
        path={"id": REQUEST_ID},
        who="Admins, and the approvers of the requested product.",
    ),
    "retry_fulfilment": Operation(
        "Assign again what Microsoft 365 could not",
        "microsoft365",
        "admin",
        {200: LICENSE_REQUEST},
        {404: ("not_found",), 409: ("nothing_to_retry",)},
        path={"id": REQUEST_ID},
        who="Admins, and the approvers of the requested product.",
    ),
    "my_requests": Operation(
        "The caller's requests",
        "requests",
        "user",
        {200: Reply("Newest first, with each user's outcome.", ref("MyRequestList"))},
        query=(LIMIT, CURSOR),
    ),
    "dev_token": Operation(
        "A dev token (dev mode only)",
        "dev",
        "anyone",
        {200: Reply("A token for the identity.", ref("DevToken"))},
        {404: ("not_found",)},
        body="DevTokenRequest",
        description="404 unless AUTH_MODE=dev.",
    ),
    "get_microsoft365": Operation(
        "The Microsoft 365 connection",
        "microsoft365",
        "admin",
        {200: Reply("Connected or not, and whether it can be.", ref("Microsoft365Status"))},
    ),
    "disconnect_microsoft365": Operation(
        "Disconnect Microsoft 365",
        "microsoft365",
        "admin",
        {200: Reply("The connection, now off.", ref("Microsoft365Connection"))},
    ),
    "microsoft365_consent": Operation(
        "Microsoft's admin-consent page",
        "microsoft365",
        "admin",
        {
            302: Reply("Microsoft's admin-consent page.", headers=FOUND),
            200: Reply("Its URL, with `Accept: application/json`.", ref("ConsentUrl")),
        },
        {409: ("not_connected",)},
    ),
    "microsoft365_callback": Operation(
        "Microsoft's redirect after consent",
        "microsoft365",
        "anyone",
        {302: Reply("Back to the console.", headers=FOUND)},
        {409: ("not_connected",), 400: ("invalid_request",)},
        query=(
            Param("state", STRING, "The signed state of the consent request."),
            Param("admin_consent", STRING, "`True` when the admin consented."),
            Param("tenant", STRING, "The tenant that consented."),
            Param("error", STRING, "Why consent failed."),
            Param("error_description", STRING, "Microsoft's words."),
        ),
        directory=True,
        description="No token: the signed state says who asked.",
    ),
    "search_directory": Operation(
        "Find people of the organisation",
        "microsoft365",
        "user",
        {200: Reply("Up to 20 active people.", ref("DirectoryUserList"))},
        {409: ("not_connected",)},
        query=(
            Param(
                "search",
                {"type": "string", "pattern": "^[\\w .@'-]{1,64}$"},
                "The start of a name or address.",
                required=True,
            ),
        ),
        directory=True,
    ),
    "console": Operation(
        "The web console's files",
        "console",
        "anyone",
        {
            200: Reply("A file.", content={t: {} for t in CONSOLE_TYPES}),
            304: Reply("Not modified (If-None-Match)."),
            308: Reply("The console's root needs its trailing slash.", headers=FOUND),
        },
        {404: ("not_found",)},
        path={"path": {"type": "string", "description": "A file below console/."}},
        wrapped=False,
        description="Static files with a strict Content-Security-Policy, and config.json.",
    ),
}
OPERATIONS.update(SEAT_OPERATIONS)

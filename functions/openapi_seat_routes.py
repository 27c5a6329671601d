"""The OpenAPI contract of the seat lifecycle endpoints (X14): a product's waitlist and its
holders with their terms (see functions/openapi_routes.py for the rest)."""

from __future__ import annotations

from functions.openapi_views import ID_PATTERN, Operation, Reply, Schema, ref

_PRODUCT: Schema = {"type": "string", "pattern": ID_PATTERN}
_EMAIL: Schema = {"type": "string", "description": "The user's address."}

SEAT_OPERATIONS: dict[str, Operation] = {
    "product_waitlist": Operation(
        "A product's waitlist",
        "products",
        "admin",
        {200: Reply("Who waits for a seat, first come first served.", ref("Waitlist"))},
        {404: ("not_found",)},
        path={"productId": _PRODUCT},
    ),
    "remove_from_waitlist": Operation(
        "Take someone off a waitlist",
        "products",
        "admin",
        {200: Reply("The entry removed; its user is emailed.", ref("WaitlistRemoval"))},
        {404: ("not_found",)},
        path={
            "productId": _PRODUCT,
            "email": {"type": "string", "description": "The waiting user's address."},
        },
    ),
    "product_assignments": Operation(
        "A product's holders and their terms",
        "products",
        "admin",
        {200: Reply("Who holds the product through a request, and until when.", ref("Holders"))},
        {404: ("not_found",)},
        path={"productId": _PRODUCT},
        description="expiresAt null: a permanent license. Holders of Microsoft 365 products "
        "are listed when their license is time-limited.",
    ),
    "extend_assignment": Operation(
        "Extend a time-limited license",
        "products",
        "admin",
        {200: Reply("The holder with the new end of term.", ref("Holder"))},
        {404: ("not_found",)},
        body="ExtendCommand",
        path={"productId": _PRODUCT, "email": _EMAIL},
        description="`until` (a date: through that day, UTC; or a date and time) or "
        "`duration` (ISO 8601) added to the current end. The reclaim moves with it.",
    ),
}

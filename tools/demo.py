"""The demo tenant's catalogue, loaded idempotently over the HTTP API (`make run`)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from shared.adapters.auth import mint_dev_token

DEMO_TENANT = "contoso"
DEMO_ADMIN = "admin@contoso.com"
DEMO_USER = "megan@contoso.com"

_CORE = [
    {"id": "exchange", "name": "Exchange Online"},
    {"id": "sharepoint", "name": "SharePoint Online"},
    {"id": "teams", "name": "Microsoft Teams"},
    {"id": "office-apps", "name": "Microsoft 365 Apps for enterprise"},
]

CATALOGUE: list[dict[str, Any]] = [
    {
        "id": "o365-e3",
        "name": "Office 365 E3",
        "selfServicePurchase": "blocked",
        "totalLicenses": 25,
        "servicePlans": _CORE,
    },
    {
        "id": "m365-e5",
        "name": "Microsoft 365 E5",
        "selfServicePurchase": "blocked",
        "totalLicenses": 10,
        "servicePlans": [
            *_CORE,
            {"id": "defender", "name": "Microsoft Defender for Office 365"},
            {"id": "power-bi-pro", "name": "Power BI Pro"},
        ],
    },
    {
        "id": "power-bi-pro",
        "name": "Power BI Pro",
        "selfServicePurchase": "blocked",
        "totalLicenses": 5,
        "servicePlans": [{"id": "power-bi-pro", "name": "Power BI Pro"}],
    },
    {
        "id": "visio-plan-2",
        "name": "Visio Plan 2",
        "selfServicePurchase": "blocked",
        "totalLicenses": 3,
        "servicePlans": [{"id": "visio", "name": "Visio"}],
    },
    {
        "id": "power-automate",
        "name": "Power Automate per user",
        "selfServicePurchase": "allowed",
        "totalLicenses": 10,
        "servicePlans": [{"id": "flow", "name": "Power Automate"}],
    },
]


def _call(base: str, method: str, path: str, token: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        base + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def load_demo_catalogue(base_url: str, secret: str) -> list[str]:
    """Create the demo products that are missing; existing ones (and admins' edits) stay."""
    token = mint_dev_token(secret, DEMO_TENANT, DEMO_ADMIN, name="Demo Admin", admin=True)
    existing = {p["id"] for p in _call(base_url, "GET", "/api/products", token)["items"]}
    created = []
    for product in CATALOGUE:
        if product["id"] not in existing:
            body = {k: v for k, v in product.items() if k != "id"}
            try:
                _call(base_url, "PUT", f"/api/products/{product['id']}", token, body)
            except urllib.error.HTTPError as exc:
                raise RuntimeError(f"loading {product['id']} failed: {exc.read()!r}") from exc
            created.append(product["id"])
    return created

"""The demo tenant for `make run`, set up idempotently over the HTTP API.

`contoso` is connected to Microsoft 365 (the local Graph emulator) the way an admin does
it: the consent URL, Microsoft's redirect back, the callback. Its subscribed SKUs then
are its Microsoft 365 products; the demo blocks self-service for some of them so people
can request them, and adds a product outside Microsoft 365 (seats counted by the app).
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from shared.adapters.auth import mint_dev_token
from tools.graph_emulator.seed import seeded_user_id

DEMO_TENANT = "contoso"
DEMO_ADMIN = "admin@contoso.com"
DEMO_USER = "megan@contoso.com"
# Microsoft 365 products people may request in the demo (self-service blocked).
REQUESTABLE = (
    "m365-enterprisepack",
    "m365-enterprisepremium",
    "m365-visioclient",
    "m365-power-bi-pro",
    "m365-projectprofessional",
)
MANUAL: list[dict[str, Any]] = [
    {
        "id": "adobe-acrobat-pro",
        "name": "Adobe Acrobat Pro",
        "selfServicePurchase": "blocked",
        "totalLicenses": 5,
        "servicePlans": [{"id": "acrobat", "name": "Acrobat Pro"}],
    },
]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are what the demo checks, not where it goes."""

    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


def _open(
    url: str,
    method: str = "GET",
    *,
    headers: dict[str, str] | None = None,
    body: Any = None,
    ca: Path | None = None,
) -> tuple[int, dict[str, str], bytes]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    context = ssl.create_default_context(cafile=str(ca)) if ca else None
    opener = urllib.request.build_opener(
        _NoRedirect(), urllib.request.HTTPSHandler(context=context)
    )
    try:
        with opener.open(request, timeout=60) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def _api(base: str, method: str, path: str, token: str, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    status, _, data = _open(base + path, method, headers=headers, body=body)
    if status >= 400:
        raise RuntimeError(f"{method} {path} answered {status}: {data[:300]!r}")
    return json.loads(data) if data else None


def set_up_demo_tenant(base_url: str, secret: str, graph_ca: Path) -> str:
    """Connect contoso to Microsoft 365 (first run only) and make the demo products
    requestable; what was done, in a few words."""
    admin = mint_dev_token(
        secret,
        DEMO_TENANT,
        DEMO_ADMIN,
        name="Demo Admin",
        admin=True,
        user_id=seeded_user_id(DEMO_ADMIN),
    )
    status = _api(base_url, "GET", "/api/setup/microsoft365", admin)
    done = "Microsoft 365 already connected"
    if not status["connected"]:
        _connect(base_url, admin, graph_ca)
        products = {p["id"] for p in _api(base_url, "GET", "/api/products", admin)["items"]}
        for product_id in REQUESTABLE:
            if product_id in products:
                body = {"selfServicePurchase": "blocked"}
                _api(base_url, "PUT", f"/api/products/{product_id}", admin, body)
        done = "connected to Microsoft 365 (the emulator) and its catalogue synced"
    existing = {p["id"] for p in _api(base_url, "GET", "/api/products", admin)["items"]}
    for product in MANUAL:
        if product["id"] not in existing:
            body = {k: v for k, v in product.items() if k != "id"}
            _api(base_url, "PUT", f"/api/products/{product['id']}", admin, body)
    return done


def _connect(base_url: str, admin: str, graph_ca: Path) -> None:
    """An admin's consent round trip, as the browser would make it."""
    headers = {"Authorization": f"Bearer {admin}", "Accept": "application/json"}
    status, _, data = _open(f"{base_url}/api/setup/microsoft365/consent", headers=headers)
    if status != 200:
        raise RuntimeError(f"consent URL: {status} {data[:300]!r}")
    status, microsoft, _ = _open(json.loads(data)["consentUrl"], ca=graph_ca)
    if status != 302:
        raise RuntimeError(f"the emulator's consent page answered {status}")
    back = urlsplit(microsoft["Location"])
    status, app, _ = _open(f"{base_url}{back.path}?{back.query}")
    if status != 302 or "microsoft365=connected" not in app.get("Location", ""):
        raise RuntimeError(f"consent callback answered {status}: {app.get('Location')}")

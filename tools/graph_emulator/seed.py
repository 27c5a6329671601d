"""The emulator's seeds and what tools need to know about them offline (stdlib only).

`seeded_user_id("megan@contoso.com")` gives the object id the emulator will serve for a
seeded user, without starting it: the demo seed's ids are fixed GUIDs.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SEED_DIR = Path(__file__).resolve().parent / "seed"
SEEDS = ("demo", "none")

# The app registration the demo seed knows and has consented in `contoso`. Local only:
# the secret means nothing outside the emulator.
DEV_CLIENT_ID = "75e419b3-b9fb-5030-ba09-07ad260874c6"
DEV_CLIENT_SECRET = "graph-emulator-local-secret-not-for-production"
DEMO_TENANT = "contoso"


def seed_path(name: str) -> Path:
    """The JSON file of a named seed (`demo`)."""
    return SEED_DIR / f"{name}.json"


@cache
def load_seed(name: str) -> dict[str, Any]:
    """A seed as parsed JSON; `none` is an empty directory (no apps, no tenants)."""
    if name == "none":
        return {"apps": [], "servicePlanRules": {}, "tenants": []}
    if name not in SEEDS:
        raise ValueError(f"unknown seed {name!r}; known: {', '.join(SEEDS)}")
    data: dict[str, Any] = json.loads(seed_path(name).read_text(encoding="utf-8"))
    return data


def seeded_users(tenant: str = DEMO_TENANT, seed: str = "demo") -> list[dict[str, Any]]:
    """The users a seed puts in `tenant` (as written in the seed file)."""
    for doc in load_seed(seed)["tenants"]:
        if str(doc["tenant"]).lower() == tenant.lower():
            return list(doc.get("users", []))
    return []


def seeded_user_id(email: str, tenant: str = DEMO_TENANT, seed: str = "demo") -> str | None:
    """The object id of the seeded user whose userPrincipalName or mail is `email`, if any."""
    wanted = email.strip().lower()
    for user in seeded_users(tenant, seed):
        names = {str(user.get("userPrincipalName") or "").lower(), str(user.get("mail") or "")}
        if wanted in {name.lower() for name in names}:
            return str(user["id"])
    return None

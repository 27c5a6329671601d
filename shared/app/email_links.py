"""What every email names the same way: its idempotency key, and its links to the console."""

from __future__ import annotations

from urllib.parse import quote


def email_key(tenant: str, notice_id: str, recipient: str) -> str:
    """Identifies one email of one notice: the unit that is never sent twice."""
    return f"{tenant}/{notice_id}/{recipient.lower()}"


def request_url(public_base_url: str, request_id: str) -> str:
    """The request in the console (the id only ever appears inside this link)."""
    return f"{public_base_url.rstrip('/')}/api/console/#/requests/{quote(request_id, safe='')}"


def requests_url(public_base_url: str) -> str:
    """The console's Requests list."""
    return f"{public_base_url.rstrip('/')}/api/console/#/requests"

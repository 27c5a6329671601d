"""The emails of time-limited licences (X14): to the holder before the term ends, and when
the licence has been taken back. The payload (shared/domain/terms.py `term_notice`) is
read leniently, like every notice's."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from shared.app.email_links import email_key, request_url, requests_url
from shared.app.email_wording import Wording
from shared.app.ports import OutgoingEmail

_TEMPLATES = {"expiring": "license_expiring", "reclaimed": "license_reclaimed"}


def _when(text: str) -> str:
    """An instant as people read it, in UTC ("2027-03-01 00:00 UTC")."""
    try:
        return datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return text


def term_emails(
    wording: Wording, base: str, tenant: str, notice_id: str, p: Mapping[str, Any]
) -> list[OutgoingEmail]:
    """The one email of a term notice, to the holder."""
    email = str(p.get("email") or "")
    if not email:
        return []
    request_id = p.get("requestId")
    values = {
        "greeting": wording.greeting(None, email),
        "product": str(p.get("productName") or p.get("productId") or ""),
        "expires": _when(str(p.get("expiresAt") or "")),
        "url": request_url(base, str(request_id)) if request_id else requests_url(base),
    }
    escaped = {k: html.escape(v) for k, v in values.items()}
    template = wording.template(_TEMPLATES[str(p.get("kind"))])
    subject, text, page = wording.fill(template, values, escaped)
    return [OutgoingEmail(email, None, subject, text, page, email_key(tenant, notice_id, email))]

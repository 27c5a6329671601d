"""Time-limited licences (X14): how long an approval's licences last, when their holders
are warned, and the rules of an extension.

A term is a duration (`P90D`, `P3M`, `PT20S`) counted from the moment the seat is taken,
or a date: the licence lasts through that day (UTC). Either way an assignment ends at one
instant, its `expiresAt`; no term means a permanent licence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

import isodate
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.domain.errors import InvalidRequest
from shared.domain.fields import LicenseDuration
from shared.domain.ids import to_millis
from shared.domain.models import InputModel, WireModel
from shared.domain.notices import Notice

# Shorter terms are mistakes (tests use PT20S); longer ones are permanent licences.
MIN_TERM = timedelta(seconds=10)
MAX_TERM = timedelta(days=5 * 366)
DEFAULT_MAX_WAIT = "P90D"


def after(start: datetime, duration: str) -> datetime:
    """`start` plus an ISO 8601 duration (months and years by the calendar)."""
    moved = start + isodate.parse_duration(duration)
    assert isinstance(moved, datetime)
    return moved


def end_of(day: date | datetime) -> datetime:
    """The instant a licence "until" `day` ends: the end of that day (UTC) for a date, the
    instant itself for a date and time."""
    if isinstance(day, datetime):
        return day if day.tzinfo else day.replace(tzinfo=UTC)
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def within_bounds(end: datetime, now: datetime) -> bool:
    """Whether a term ending at `end` is neither too short nor too long from `now`."""
    return now + MIN_TERM <= end <= now + MAX_TERM


def term_end(
    duration: str | None, until: date | datetime | None, now: datetime, *, field: str
) -> datetime | None:
    """When a term that starts now ends (None: permanent); InvalidRequest when it is too
    short, too long or already over."""
    term = LicenceTerm.given(duration, until)
    end = term.ends(now) if term else None
    if end is not None and not within_bounds(end, now):
        raise InvalidRequest(
            f"{field} must end between 10 seconds and 5 years from now.",
            errors=[{"field": field, "message": "out of range"}],
        )
    return end


def warned_at(expires_at: datetime, notice: timedelta) -> datetime:
    """When the holder of a licence ending at `expires_at` is told it will end."""
    return expires_at - notice


class LicenceTerm(BaseModel):
    """An approval's term, as given: what a user seated later from the waitlist gets."""

    model_config = ConfigDict(frozen=True)

    duration: str | None = None
    until: datetime | None = None

    @classmethod
    def given(cls, duration: str | None, until: date | datetime | None) -> LicenceTerm | None:
        """The term of `licenseDuration` / `licenseUntil` (None: a permanent licence)."""
        if duration is None and until is None:
            return None
        return cls(duration=duration, until=end_of(until) if until is not None else None)

    def ends(self, seated_at: datetime) -> datetime | None:
        """When the licence of someone seated at `seated_at` ends."""
        if self.until is not None:
            return self.until
        return after(seated_at, self.duration) if self.duration else None


class ExtendCommand(InputModel):
    """Body of POST /api/products/{id}/assignments/{email}/extend: a new end date, or a
    duration added to the current end."""

    until: date | datetime | None = None
    duration: LicenseDuration | None = None

    @model_validator(mode="after")
    def _one(self) -> ExtendCommand:
        if (self.until is None) == (self.duration is None):
            raise ValueError("give either until or duration")
        return self


class Holder(WireModel):
    """Someone who holds a product through this app, and until when (`expiresAt` null: a
    permanent licence)."""

    product_id: str = Field(exclude=True)
    email: str
    request_id: str | None = None
    assigned_at: datetime | None = None
    expires_at: datetime | None = None
    # The directory object id (Microsoft 365 products), to remove the licence. Internal.
    user_id: str | None = Field(default=None, exclude=True)
    # Whether the holder was told the end is near. Internal.
    warned: bool = Field(default=False, exclude=True)


@dataclass(frozen=True)
class DueEntry:
    """An entry of the global index of what falls due: a holder to warn, or a licence to
    reclaim. A hint, not the truth: the assignment row decides (an extended or removed
    licence leaves a stale entry, which is dropped when it comes up)."""

    kind: Literal["warn", "expire"]
    at: datetime
    tenant: str
    product_id: str
    email: str
    expires_at: datetime


def due_entries(
    tenant: str,
    product_id: str,
    emails: Sequence[str],
    expires_at: datetime,
    notice: timedelta,
    now: datetime,
) -> list[DueEntry]:
    """The index entries of licences ending at `expires_at`: the warning (at once when the
    term is shorter than the notice) and the reclaim."""
    warn = max(warned_at(expires_at, notice), now)
    entries = []
    for email in emails:
        entries.append(DueEntry("warn", warn, tenant, product_id, email.lower(), expires_at))
        entries.append(
            DueEntry("expire", expires_at, tenant, product_id, email.lower(), expires_at)
        )
    return entries


def term_notice_id(product_id: str, email: str) -> str:
    """What a licence's emails stand in for a request id: one product and holder (the
    address digested: no address in a key)."""
    return f"term-{product_id}-{hashlib.sha256(email.lower().encode()).hexdigest()[:16]}"


def term_notice(
    kind: Literal["expiring", "reclaimed"],
    holder: Holder,
    product_name: str,
    language: str | None,
    now: datetime,
) -> Notice:
    """The email to a holder whose licence is about to end, or has ended."""
    assert holder.expires_at is not None
    payload: dict[str, object] = {
        "kind": kind,
        "productId": holder.product_id,
        "productName": product_name,
        "email": holder.email,
        "expiresAt": holder.expires_at.isoformat(),
        "requestId": holder.request_id,
    }
    if language:
        payload["language"] = language
    return Notice(
        kind,
        term_notice_id(holder.product_id, holder.email),
        payload,
        now,
        round=to_millis(holder.expires_at),
    )

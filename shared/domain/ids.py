"""Request ids.

A request id is 13 digits of inverted creation milliseconds followed by 6 random
characters. Inverted time makes Table Storage's ascending RowKey order newest first,
and makes "created before t" a key range, so expiry needs no scan.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

_MAX_MS = 10**13 - 1
_ALPHABET = "0123456789abcdefghijklmnopqrstuv"
_REQUEST_ID = re.compile(r"^\d{13}[0-9a-v]{6}$")


def to_millis(moment: datetime) -> int:
    """Milliseconds since the epoch."""
    return int(moment.timestamp() * 1000)


def truncate_to_millis(moment: datetime) -> datetime:
    """The instant at millisecond precision, as ids record it."""
    return datetime.fromtimestamp(to_millis(moment) / 1000, tz=UTC)


def time_key(moment: datetime) -> str:
    """13 digits that sort newest first."""
    return f"{_MAX_MS - to_millis(moment):013d}"


def new_request_id(created_at: datetime) -> str:
    """A fresh id that sorts newest first."""
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(6))
    return time_key(created_at) + suffix


def is_request_id(value: str) -> bool:
    """Ids are checked before they reach storage: a bad one is simply not found."""
    return bool(_REQUEST_ID.fullmatch(value))

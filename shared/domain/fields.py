"""The checked strings of the API's inputs: ids, names, messages, addresses, URLs."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlparse

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, StringConstraints

from shared.domain.text import free_text_error, single_line_error

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_ID_RE = re.compile(ID_PATTERN)

GUID_PATTERN = r"^[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$"


def is_valid_id(value: str) -> bool:
    """Product and plan ids are short, storage-key safe strings."""
    return bool(_ID_RE.fullmatch(value))


def _single_line(value: str) -> str:
    if error := single_line_error(value):
        raise ValueError(error)
    return value


def _free_text(value: str) -> str:
    if error := free_text_error(value):
        raise ValueError(error)
    return value


def _normalise_email(value: str) -> str:
    _single_line(value)
    try:
        # Deliverability needs DNS, which an API must not depend on.
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from exc


def _absolute_http_url(value: str) -> str:
    parsed = urlparse(value)
    if (
        parsed.scheme not in ("http", "https")
        or not parsed.netloc
        or any(c.isspace() for c in value)
    ):
        raise ValueError("must be an absolute http or https URL")
    return value


Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(_normalise_email)]
EntityId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text200 = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_single_line),
]
Message = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=1000),
    AfterValidator(_free_text),
]
HttpUrl = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_absolute_http_url)]


# ---- licence terms -------------------------------------------------------------------------

# An ISO 8601 duration: years, months, weeks, days, hours, minutes, seconds (P90D, P3M, PT20S).
DURATION_PATTERN = (
    r"^P(?:[0-9]{1,4}Y)?(?:[0-9]{1,4}M)?(?:[0-9]{1,4}W)?(?:[0-9]{1,5}D)?"
    r"(?:T(?:[0-9]{1,6}H)?(?:[0-9]{1,7}M)?(?:[0-9]{1,9}S)?)?$"
)


def _some_length(value: str) -> str:
    # The pattern lets "P", "PT" and "P1DT" through (no look-ahead in the schema's regex).
    if value.endswith(("P", "T")):
        raise ValueError("is not an ISO 8601 duration (e.g. P90D, P3M, PT20S)")
    return value


LicenseDuration = Annotated[
    str, StringConstraints(pattern=DURATION_PATTERN, max_length=40), AfterValidator(_some_length)
]

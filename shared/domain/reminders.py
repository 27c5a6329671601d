"""Reminders and escalation: when the tenant's admins are reminded of requests that wait
for a decision, when those requests are escalated and to whom, and the rule that changes
these settings.

The delays are ISO 8601 durations of days, hours and minutes (a delay means the same
whatever the date: no months or years), kept as the admin wrote them. A reminder is for a
request that has waited at least a day: the digest goes out once a day, and every new
request is announced to the admins as it arrives (X10). That floor also keeps the
reminder timer off the days whose requests cannot be due yet (today's).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo, field_validator

from shared.domain.errors import InvalidRequest
from shared.domain.fields import Email
from shared.domain.models import InputModel, Person, RequestProcess, WireModel, unique_values

# What the API schema says (a superset: "P" and "PT" match it) ...
DELAY_PATTERN = r"^P(?:[0-9]{1,3}D)?(?:T(?:[0-9]{1,4}H)?(?:[0-9]{1,6}M)?)?$"
# ... and what a delay is: at least one number, and a T only before hours or minutes.
_DELAY = re.compile(
    r"P(?=[0-9]|T[0-9])(?:([0-9]{1,3})D)?(?:T(?=[0-9])(?:([0-9]{1,4})H)?(?:([0-9]{1,6})M)?)?"
)
DEFAULT_REMIND_AFTER = "P2D"
DEFAULT_ESCALATE_AFTER = "P7D"
MIN_DELAY = timedelta(days=1)
MAX_DELAY = timedelta(days=365)
MAX_RECIPIENTS = 20


def delay_parts(text: str) -> tuple[int, int, int]:
    """Days, hours and minutes of a delay ("P1DT12H" is (1, 12, 0)); ValueError otherwise."""
    match = _DELAY.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a duration in days, hours or minutes (e.g. P2D, PT36H)")
    days, hours, minutes = (int(g or 0) for g in match.groups())
    return days, hours, minutes


def parse_delay(text: str) -> timedelta:
    """The length of a delay."""
    days, hours, minutes = delay_parts(text)
    return timedelta(days=days, hours=hours, minutes=minutes)


def _checked_delay(text: str) -> str:
    if not MIN_DELAY <= parse_delay(text) <= MAX_DELAY:
        raise ValueError("must be at least one day (P1D) and at most 365 days (P365D)")
    return text


Delay = Annotated[str, StringConstraints(pattern=DELAY_PATTERN), AfterValidator(_checked_delay)]
Recipients = Annotated[list[Email], Field(max_length=MAX_RECIPIENTS)]


class ReminderSettings(WireModel):
    """The tenant's reminder settings (their own row beside the own-request-process row,
    which keeps `notifyAdmins`), and the day of the last digest."""

    remind_after: str = DEFAULT_REMIND_AFTER
    escalate_after: str = DEFAULT_ESCALATE_AFTER
    escalate_to: list[str] = []
    updated_at: datetime | None = None
    updated_by: Person | None = None
    # The UTC day (ISO) whose digest went out: at most one a day. Internal.
    last_digest: str | None = Field(default=None, exclude=True)


class NotificationSettingsPut(InputModel):
    """Body of PUT /api/settings/notifications; omitted (or null) members are kept."""

    notify_admins: Recipients | None = None
    remind_after: Delay | None = None
    escalate_after: Delay | None = None
    escalate_to: Recipients | None = None

    @field_validator("notify_admins", "escalate_to")
    @classmethod
    def _unique(cls, emails: list[str] | None, info: ValidationInfo) -> list[str] | None:
        what = "notifyAdmins" if info.field_name == "notify_admins" else "escalateTo"
        return None if emails is None else unique_values(emails, what)


class NotificationSettings(WireModel):
    """Who hears of requests and when: new requests and the daily digest go to
    `notifyAdmins`, requests waiting longer than `escalateAfter` also to `escalateTo`."""

    notify_admins: list[str]
    remind_after: str
    escalate_after: str
    escalate_to: list[str]
    # The last change through /api/settings/notifications (X9).
    updated_at: datetime | None = None
    updated_by: Person | None = None

    @classmethod
    def of(cls, process: RequestProcess, reminders: ReminderSettings) -> NotificationSettings:
        """The view of the two rows."""
        return cls(
            notify_admins=list(process.notify_admins),
            remind_after=reminders.remind_after,
            escalate_after=reminders.escalate_after,
            escalate_to=list(reminders.escalate_to),
            updated_at=reminders.updated_at,
            updated_by=reminders.updated_by,
        )


def updated_reminders(
    current: ReminderSettings,
    change: NotificationSettingsPut,
    by: Person,
    now: datetime,
    retention: timedelta,
) -> ReminderSettings:
    """Apply an admin's change: escalation comes after the reminder, and a delay the admin
    sets is shorter than the time requests are kept (else nothing would ever be sent)."""
    remind_after = change.remind_after or current.remind_after
    escalate_after = change.escalate_after or current.escalate_after
    errors = []
    if parse_delay(escalate_after) <= parse_delay(remind_after):
        errors.append({"field": "escalateAfter", "message": "must be longer than remindAfter"})
    for field, value in (
        ("remindAfter", change.remind_after),
        ("escalateAfter", change.escalate_after),
    ):
        if value is not None and parse_delay(value) >= retention:
            errors.append(
                {"field": field, "message": "must be shorter than the time requests are kept"}
            )
    if errors:
        raise InvalidRequest(
            "; ".join(f"{e['field']} {e['message']}" for e in errors) + ".", errors=errors
        )
    return current.model_copy(
        update={
            "remind_after": remind_after,
            "escalate_after": escalate_after,
            "escalate_to": current.escalate_to
            if change.escalate_to is None
            else change.escalate_to,
            "updated_at": now,
            "updated_by": by,
        }
    )

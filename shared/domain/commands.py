"""The bodies of the decision endpoints: approve (R9-R12, X14) and deny (R8, R12)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, model_validator

from shared.domain.fields import Email, EntityId, LicenseDuration, Message
from shared.domain.models import InputModel


class ApproveCommand(InputModel):
    """Body of POST /api/requests/{id}/approve (R9-R12)."""

    exclude_users: Annotated[list[Email], Field(max_length=51)] = []
    product_id: EntityId | None = None
    disabled_service_plans: Annotated[list[EntityId], Field(max_length=100)] = []
    message: Message | None = None
    # When seats are short: refuse the approval, or seat who fits and queue the rest.
    when_short: Literal["refuse", "wait"] = "refuse"
    # A time-limited licence: for a duration from the seat's assignment, or through a date.
    license_duration: LicenseDuration | None = None
    license_until: date | datetime | None = None

    @model_validator(mode="after")
    def _one_term(self) -> ApproveCommand:
        if self.license_duration is not None and self.license_until is not None:
            raise ValueError("give licenseDuration or licenseUntil, not both")
        return self


class DenyCommand(InputModel):
    """Body of POST /api/requests/{id}/deny (R8, R12)."""

    message: Message | None = None

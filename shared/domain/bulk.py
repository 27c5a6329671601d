"""Bulk decisions (X14): one decision for up to 100 requests, each decided on its own."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from shared.domain.fields import EntityId, LicenseDuration, Message
from shared.domain.models import InputModel, unique_values


class BulkDecision(InputModel):
    """Body of POST /api/requests/decisions: one decision for up to 100 requests (X14)."""

    ids: Annotated[
        list[Annotated[str, StringConstraints(max_length=64)]], Field(min_length=1, max_length=100)
    ]
    action: Literal["approve", "deny"]
    message: Message | None = None
    product_id: EntityId | None = None
    disabled_service_plans: Annotated[list[EntityId], Field(max_length=100)] = []
    when_short: Literal["refuse", "wait"] | None = None
    license_duration: LicenseDuration | None = None
    license_until: date | datetime | None = None

    @field_validator("ids")
    @classmethod
    def _ids_once(cls, ids: list[str]) -> list[str]:
        return unique_values(ids, "ids")

    @model_validator(mode="after")
    def _approval_options_only_to_approve(self) -> BulkDecision:
        approval_only = (
            self.product_id,
            self.disabled_service_plans,
            self.when_short,
            self.license_duration,
            self.license_until,
        )
        if self.action == "deny" and any(approval_only):
            raise ValueError(
                "productId, disabledServicePlans, whenShort, licenseDuration and licenseUntil "
                "go with approve only"
            )
        return self

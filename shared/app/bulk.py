"""Bulk decisions (X14): one decision for up to 100 requests, each one atomic on its own."""

from __future__ import annotations

from dataclasses import dataclass

from shared.app.context import UseCaseContext
from shared.app.decide import Decide
from shared.domain.bulk import BulkDecision
from shared.domain.commands import ApproveCommand, DenyCommand
from shared.domain.errors import AppError
from shared.domain.identity import Principal
from shared.domain.models import LicenseRequest


@dataclass(frozen=True)
class BulkOutcome:
    """What happened to one request of a bulk decision: 200 with the request, or the
    status and code its single decision would have answered."""

    id: str
    status: int
    request: LicenseRequest | None = None
    code: str | None = None
    detail: str | None = None

    def to_wire(self) -> dict[str, object]:
        """`{"id","status"}` with `request`, or with `code` and `detail`."""
        wire: dict[str, object] = {"id": self.id, "status": self.status}
        if self.request is not None:
            wire["request"] = self.request.to_wire()
        else:
            wire.update(code=self.code, detail=self.detail)
        return wire


class BulkDecide:
    """Approve or deny several requests, oldest first, each exactly as a single decision."""

    def __init__(self, ctx: UseCaseContext, decide: Decide) -> None:
        self._ctx = ctx
        self._decide = decide

    def __call__(self, who: Principal, body: BulkDecision) -> list[BulkOutcome]:
        """One outcome per id, in the order given. Approvals go oldest first, so that when
        seats run out the earliest requests get them and the rest `insufficient_licenses`;
        a repeated call changes nothing (`already_decided`)."""
        self._ctx.decidable(who)  # 403 at once for a caller who may decide nothing
        approve = ApproveCommand.model_validate(
            {
                "productId": body.product_id,
                "disabledServicePlans": body.disabled_service_plans,
                "message": body.message,
                "whenShort": body.when_short or "refuse",
                "licenseDuration": body.license_duration,
                "licenseUntil": body.license_until,
            }
        )
        deny = DenyCommand.model_validate({"message": body.message})
        outcomes: dict[str, BulkOutcome] = {}
        # Request ids sort newest first: the oldest is the greatest.
        for request_id in sorted(body.ids, reverse=True):
            try:
                if body.action == "approve":
                    decided = self._decide.approve(who, request_id, approve)
                else:
                    decided = self._decide.deny(who, request_id, deny)
            except AppError as exc:
                outcomes[request_id] = BulkOutcome(
                    request_id, exc.status, code=exc.code, detail=exc.detail
                )
            else:
                outcomes[request_id] = BulkOutcome(request_id, 200, request=decided)
        return [outcomes[i] for i in body.ids]

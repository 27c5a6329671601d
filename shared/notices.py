"""What a notice (outbox row → queue message → emails) says, built from domain objects only."""

from __future__ import annotations

from shared.models import LicenseRequest, Product
from shared.ports import Notice


def decision_notice(request: LicenseRequest, product: Product | None) -> Notice:
    """R13: every user of a decided request hears the outcome that concerns them."""
    decision = request.decision
    assert decision is not None, "only decided requests have a decision notice"
    plan_names = {p.id: p.name for p in product.service_plans} if product else {}
    return Notice(
        kind="decision",
        request_id=request.id,
        created_at=decision.decided_at,
        payload={
            "kind": "decision",
            "requestId": request.id,
            "action": decision.action,
            "requestedProductName": request.product_name,
            "productId": product.id if product else None,
            "productName": product.name if product else request.product_name,
            "disabledServicePlans": [plan_names.get(p, p) for p in decision.disabled_service_plans],
            "message": decision.message,
            "decidedBy": decision.decided_by.name,
            "requester": request.requester.to_wire(),
            "users": [u.to_wire() for u in request.users],
        },
    )


def submitted_notice(request: LicenseRequest, recipients: list[str]) -> Notice:
    """X10: the tenant's listed admins hear of a new request."""
    return Notice(
        kind="submitted",
        request_id=request.id,
        created_at=request.created_at,
        payload={
            "kind": "submitted",
            "requestId": request.id,
            "productName": request.product_name,
            "requester": request.requester.to_wire(),
            "users": [u.to_wire() for u in request.users],
            "justification": request.justification,
            "recipients": recipients,
        },
    )

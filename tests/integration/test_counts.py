"""Counts kept with the requests (X14): pending / completed and the people waiting per
product change in the same transactions as submits, merges, decisions and expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.app.queries import ListQuery
from shared.domain.commands import ApproveCommand, DenyCommand
from shared.domain.errors import AlreadyDecided
from shared.domain.identity import Principal
from shared.domain.models import RequestCreate
from tests.integration.test_retention import Scene
from tests.support.azurite import Azurite


def _counts(scene: Scene, admin: Principal) -> tuple[int, int, dict[str, int]]:
    listed = scene.app.service.list_requests(admin, ListQuery(limit=1))
    assert listed.counts is not None
    demand = {i.product.id: i.pending_users for i in scene.app.service.list_products(admin)}
    return listed.counts.pending, listed.counts.completed, demand


def test_counts_follow_submits_merges_decisions_and_expiry(azurite: Azurite) -> None:
    scene = Scene(azurite)
    admin, _ = scene.tenant()
    first, second, third = (scene.submit(admin, n) for n in (1, 2, 3))  # 2 people each
    assert _counts(scene, admin) == (3, 0, {"visio": 6})
    who = Principal(admin.tenant_id, "u1", "U1", "u1@contoso.com", False)
    more = RequestCreate.model_validate(
        {"productId": "visio", "users": [{"email": "lee@contoso.com"}]}
    )
    scene.app.service.submit(who, more)  # merged into the first
    assert _counts(scene, admin) == (3, 0, {"visio": 7})
    scene.app.service.approve(admin, first, ApproveCommand())
    scene.app.service.deny(admin, second, DenyCommand())
    assert _counts(scene, admin) == (1, 2, {"visio": 2})
    # A second decision changes nothing, counts included.
    with pytest.raises(AlreadyDecided):
        scene.app.service.deny(admin, first, DenyCommand())
    assert _counts(scene, admin) == (1, 2, {"visio": 2})
    scene.clock.advance(timedelta(days=30))
    scene.app.retention().run()
    assert _counts(scene, admin) == (0, 0, {"visio": 0})
    assert third  # expired with the others

"""The largest request the API accepts can always be approved and denied with the longest
message, and notified, on real Table Storage (Azurite enforces the property size limits):
long JSON properties are stored in parts, and a size error is never taken for a race."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.adapters.email.outbox_dir import OutboxDirSender
from shared.domain.commands import ApproveCommand, DenyCommand
from shared.domain.identity import Principal
from shared.domain.models import (
    ProductPut,
    RequestCreate,
    RequestProcessPut,
)
from tests.integration.test_email_delivery import World, _read_eml
from tests.support.azurite import Azurite

# An emoji is two UTF-16 units, the unit Table Storage counts (32K of them per property).
LONGEST_NAME = "😀" * 200
LONGEST_MESSAGE = "😀" * 1000


def longest_email(i: int) -> str:
    """A 254-character address, the most a header may hold."""
    local = f"user{i:02d}".ljust(64, "x")
    domain = ".".join(["d" * 63, "e" * 63, "f" * 50, f"g{i:02d}.com"])
    address = f"{local}@{domain}"
    assert len(address) <= 254
    return address


@pytest.fixture
def world(azurite: Azurite, tmp_path: Path) -> World:
    world = World(azurite, OutboxDirSender(tmp_path / "outbox"))
    world.app.service.put_product(
        world.admin,
        "visio",
        ProductPut.model_validate(
            {
                "name": "😀" * 200,
                "selfServicePurchase": "blocked",
                "totalLicenses": 1000,
                "servicePlans": [{"id": f"plan{i}", "name": "😀" * 200} for i in range(100)],
            }
        ),
    )
    world.app.service.put_request_process(
        world.admin,
        RequestProcessPut.model_validate(
            {
                "useOwnProcess": False,
                "message": LONGEST_MESSAGE,
                "notifyAdmins": [longest_email(90 + i) for i in range(20)],
            }
        ),
    )
    return world


def the_largest_request(world: World, requester: str) -> str:
    who = Principal(world.tenant, requester, LONGEST_NAME, longest_email(99), False)
    body = RequestCreate.model_validate(
        {
            "productId": "visio",
            "users": [{"email": longest_email(i), "name": LONGEST_NAME} for i in range(50)],
            "justification": LONGEST_MESSAGE,
        }
    )
    return world.app.service.submit(who, body).request.id


def test_the_largest_request_is_approved_and_denied_with_the_longest_message(
    world: World, tmp_path: Path
) -> None:
    approved = the_largest_request(world, "u-a")
    denied = the_largest_request(world, "u-d")
    decided = world.app.service.approve(
        world.admin,
        approved,
        ApproveCommand.model_validate(
            {
                "message": LONGEST_MESSAGE,
                "disabledServicePlans": [f"plan{i}" for i in range(100)],
                "excludeUsers": [longest_email(i) for i in range(25)],
            }
        ),
    )
    assert decided.status == "approved"
    assert len(decided.users) == 51
    refused = world.app.service.deny(world.admin, denied, DenyCommand(message=LONGEST_MESSAGE))
    assert refused.status == "denied"
    read_back = world.app.service.get_request(world.admin, approved)
    assert read_back.model_dump() == decided.model_dump()

    # Two submissions to 20 admins, two decisions to 51 people each.
    while world.deliver_all():
        pass
    assert len(_read_eml(tmp_path / "outbox")) == 2 * 20 + 2 * 51

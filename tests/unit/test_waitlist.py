"""The waitlist (X14) with the fake store: who waits, in which order, and who is seated
when seats free up — never more than free, never out of order, never twice."""

from __future__ import annotations

import pytest

from shared.domain.errors import NotFound
from shared.domain.models import ProductPut
from tests.unit.test_use_cases import ADMIN, LEE, MEGAN, World, approve, world

__all__ = ["world"]


def _seats(world: World, pid: str, total: int) -> None:
    body = {"name": pid.upper(), "selfServicePurchase": "blocked", "totalLicenses": total}
    world.service.put_product(ADMIN, pid, ProductPut.model_validate(body))


def _outcomes(world: World, request_id: str) -> list[tuple[str, str, int | None]]:
    request = world.service.get_request(ADMIN, request_id)
    return [(u.email, u.outcome, u.position) for u in request.users]


def test_who_fits_is_seated_and_the_rest_wait_in_order(world: World) -> None:
    world.product("visio", total=2)
    first = world.submit(MEGAN, "visio", "a@contoso.com", "b@contoso.com")
    decided = world.service.approve(ADMIN, first, approve(whenShort="wait"))
    assert [(u.outcome, u.position) for u in decided.users] == [
        ("assigned", None),
        ("assigned", None),
        ("waiting", 1),
    ]
    second = world.submit(LEE, "visio", "c@contoso.com")
    world.service.approve(ADMIN, second, approve(whenShort="wait"))
    assert _outcomes(world, second) == [
        ("lee@contoso.com", "waiting", 2),
        ("c@contoso.com", "waiting", 3),
    ]
    product = world.store.get_product("contoso", "visio")
    assert product is not None
    assert (product.value.assigned_licenses, product.value.waiting) == (2, 3)

    _seats(world, "visio", 4)  # two more seats: the first two in the queue, in order
    assert _outcomes(world, first)[2] == ("b@contoso.com", "assigned", None)
    assert _outcomes(world, second) == [
        ("lee@contoso.com", "assigned", None),
        ("c@contoso.com", "waiting", 1),
    ]
    product = world.store.get_product("contoso", "visio")
    assert product is not None
    assert (product.value.assigned_licenses, product.value.waiting) == (4, 1)
    assert [e.email for e in world.service.waitlist.queue(ADMIN, "visio")] == ["c@contoso.com"]


def test_without_wait_a_short_approval_is_still_refused(world: World) -> None:
    world.product("visio", total=1)
    request_id = world.submit(MEGAN, "visio", "a@contoso.com")
    with pytest.raises(Exception, match="free licences"):
        world.service.approve(ADMIN, request_id, approve())


def test_nobody_jumps_the_queue(world: World) -> None:
    world.product("visio", total=1)
    first = world.submit(MEGAN, "visio", "a@contoso.com")
    world.service.approve(ADMIN, first, approve(whenShort="wait"))  # megan seated, a waits
    _seats(world, "visio", 1)
    second = world.submit(LEE, "visio")
    with pytest.raises(Exception, match="free licences"):
        world.service.approve(ADMIN, second, approve())  # no free seat ahead of a
    assert _outcomes(world, first)[1] == ("a@contoso.com", "waiting", 1)


def test_an_admin_takes_someone_off_the_waitlist_and_they_are_told(world: World) -> None:
    world.product("visio", total=1)
    request_id = world.submit(MEGAN, "visio", "a@contoso.com", "b@contoso.com")
    world.service.approve(ADMIN, request_id, approve(whenShort="wait"))
    world.service.waitlist.remove(ADMIN, "visio", "A@contoso.com")
    assert _outcomes(world, request_id) == [
        ("megan@contoso.com", "assigned", None),
        ("a@contoso.com", "notAssigned", None),
        ("b@contoso.com", "waiting", 1),
    ]
    told = [n for n in world.notifier.notices() if "waitlist" in n.payload]
    assert [n.payload["notify"] for n in told] == [["a@contoso.com"]]
    with pytest.raises(NotFound):
        world.service.waitlist.remove(ADMIN, "visio", "a@contoso.com")

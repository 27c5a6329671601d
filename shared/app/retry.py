"""Optimistic concurrency: run an attempt again when another writer won the race."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TypeVar

from shared.app.ports import StoreConflict
from shared.domain.errors import StorageUnavailable

T = TypeVar("T")

# Each lost race means another writer won, so N contenders settle within N attempts.
MAX_ATTEMPTS = 30


class TryAgain(Exception):
    """The attempt learned something it needs (no race lost): run it again at once."""


def too_busy() -> StorageUnavailable:
    """The 503 a caller gets when every attempt lost a race."""
    return StorageUnavailable("Too many concurrent changes; try again.", retry_after=1)


def retry_on_conflict(
    attempt: Callable[[int], T],
    *,
    sleep: Callable[[float], None],
    give_up: Callable[[], Exception] = too_busy,
) -> T:
    """`attempt(n)` until it returns; after a lost race (StoreConflict) wait a few random
    milliseconds, growing with n, so contenders spread out; `give_up()` after 30."""
    for number in range(MAX_ATTEMPTS):
        try:
            return attempt(number)
        except TryAgain:
            continue
        except StoreConflict:
            sleep(random.uniform(0, 0.005 * min(number, 8)))
    raise give_up()

"""Input models refuse what they must; cursors refuse tampering."""

from __future__ import annotations

import base64

import pytest
from pydantic import ValidationError

from shared.adapters.tables.keys import key_part
from shared.app.cursors import CursorCodec
from shared.domain.commands import ApproveCommand
from shared.domain.errors import InvalidRequest
from shared.domain.ids import is_request_id, new_request_id, time_key
from shared.domain.models import RequestCreate, RequestProcessPut
from tests.support.clock import FrozenClock


@pytest.mark.parametrize(
    "body",
    [
        {"productId": "v", "unknown": 1},
        {"productId": "v", "users": [{"email": "nope"}]},
        {"productId": "v/../x"},
        {"productId": "v", "users": [{"email": f"u{i}@x.com"} for i in range(51)]},
        {"productId": "v", "justification": "x" * 1001},
    ],
)
def test_request_bodies_are_validated(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        RequestCreate.model_validate(body)


def test_snake_case_names_are_not_accepted_on_the_wire() -> None:
    with pytest.raises(ValidationError):
        ApproveCommand.model_validate({"exclude_users": []})
    with pytest.raises(ValidationError):
        RequestProcessPut.model_validate({"use_own_process": True})


def test_cursors_round_trip_and_refuse_tampering_and_other_scopes() -> None:
    codec = CursorCodec("s" * 40)
    cursor = codec.encode("t|requests|all", "8204485029407abcdef")
    assert cursor is not None
    assert codec.decode("t|requests|all", cursor) == "8204485029407abcdef"
    assert codec.encode("t|requests|all", None) is None
    with pytest.raises(InvalidRequest):
        codec.decode("other|requests|all", cursor)
    with pytest.raises(InvalidRequest):
        CursorCodec("k" * 40).decode("t|requests|all", cursor)
    body = cursor.split(".")[0]
    deep = base64.urlsafe_b64encode(b"[" * 5000).decode()
    for bad in ("x", "a.b", cursor[1:], cursor + "==", f"{body}.\u00e9", f"{deep}.x", "a" * 5000):
        with pytest.raises(InvalidRequest):
            codec.decode("t|requests|all", bad)


def test_request_ids_sort_newest_first_and_keys_are_storage_safe() -> None:
    clock = FrozenClock()
    older = new_request_id(clock.now())
    clock.current = clock.current.replace(year=2027)
    newer = new_request_id(clock.now())
    assert newer < older
    assert is_request_id(older) and not is_request_id("R|1") and not is_request_id(older + "x")
    assert time_key(clock.now()) == newer[:13]
    assert not set(key_part("a/b\\c#d?e|f@x.com")) & set("/\\#?|")

"""JSON in Table Storage properties: compact, and split over several properties when one
cannot hold it (a string property holds at most 32K UTF-16 units)."""

from __future__ import annotations

import json
from typing import Any

Entity = dict[str, Any]

# A string property holds at most 32K UTF-16 units; a character is at most two of them.
MAX_PART_CHARS = 15_000


def dump(value: Any) -> str:
    """Compact JSON, as every JSON property is stored."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def dump_parts(name: str, value: Any) -> Entity:
    """`value` as compact JSON in property `name`, continued in `name_1`, `name_2`... when
    longer than one property may hold (only for rows written whole, never merged)."""
    text = dump(value)
    if len(text) <= MAX_PART_CHARS:
        return {name: text}
    parts = [text[i : i + MAX_PART_CHARS] for i in range(0, len(text), MAX_PART_CHARS)]
    return {name if i == 0 else f"{name}_{i}": part for i, part in enumerate(parts)}


def load_parts(entity: Entity, name: str) -> Any:
    """The JSON value `dump_parts` stored under `name`."""
    text = entity[name]
    if f"{name}_1" in entity:
        pieces, i = [text], 1
        while (part := entity.get(f"{name}_{i}")) is not None:
            pieces.append(part)
            i += 1
        text = "".join(pieces)
    return json.loads(text)

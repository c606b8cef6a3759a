"""Byte budgets for what the emulator keeps of its clients' input (the request journal).

A count cap bounds how many things are kept, not how big each is: 60 requests with an 8 MB
field name would keep 520 MB. So what is kept is cut to a budget, and every cut is marked with
the size it had, never silent: `name…[cut, 8388608 chars]`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

CUT_MARK: Final = "…[cut, {size} chars]"
# The key under which a cut request notes the fields it left out.
MORE_FIELDS: Final = "…"


def cut_text(text: str, keep: int) -> str:
    """`text`, or its first `keep` characters marked with its full length."""
    if len(text) <= keep:
        return text
    return text[:keep] + CUT_MARK.format(size=len(text))


def text_cost(value: Any) -> int:
    """Characters a kept value holds: its strings, keys and values of nested mappings."""
    if type(value) is str:
        return len(value)
    if isinstance(value, Mapping):  # nearly always flat texts: counted without a call each
        total = 0
        for key, item in value.items():
            total += len(key) if type(key) is str else text_cost(key)
            total += len(item) if type(item) is str else text_cost(item)
        return total
    return len(value) if isinstance(value, str) else 8


def field_cost(name: str, value: Any) -> int:
    """Characters one kept field holds, its name and its value."""
    return len(name) + (len(value) if type(value) is str else text_cost(value))


def fit_fields(fields: Mapping[str, Any], budget: int) -> dict[str, Any]:
    """The first fields that fit in `budget` characters (names and values); the rest are left
    out and counted under MORE_FIELDS. Fields are expected already cut one by one."""
    return fit_costed(((name, value, field_cost(name, value))
                       for name, value in fields.items()), budget)[0]


def fit_costed(fields: Iterable[tuple[str, Any, int]],
               budget: int) -> tuple[dict[str, Any], int]:
    """`fit_fields` over (name, value, `field_cost`) triples, for a caller that knows each
    cost as it makes the value; also the characters kept (`text_cost` of the result)."""
    kept: dict[str, Any] = {}
    spent = left_out = left_out_chars = 0
    for name, value, cost in fields:
        if left_out or spent + cost > budget:
            left_out += 1
            left_out_chars += cost
            continue
        kept[name] = value
        spent += cost
    if left_out:
        kept[MORE_FIELDS] = note = more_fields_note(left_out, left_out_chars)
        spent += len(MORE_FIELDS) + len(note)
    return kept, spent


def more_fields_note(count: int, chars: int) -> str:
    """What stands for the fields a budget left out."""
    return f"[cut, {count} more field(s), {chars} chars]"

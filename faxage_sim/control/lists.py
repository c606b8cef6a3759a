"""How many items one control-plane list answer carries.

A list grows with the run (jobs, deliveries, emails); answering 100,000 of them at once is
megabytes of JSON built on the event loop. So a list answers at most MAX_LIST_ITEMS, the
newest, and says how many older ones it left out (`omitted`), as `GET /_sim/requests` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, TypeVar

MAX_LIST_ITEMS: Final = 10_000

Item = TypeVar("Item")


def newest(items: Sequence[Item]) -> tuple[Sequence[Item], int]:
    """The newest MAX_LIST_ITEMS of `items` (oldest first), and how many were left out."""
    omitted = max(0, len(items) - MAX_LIST_ITEMS)
    return items[omitted:], omitted

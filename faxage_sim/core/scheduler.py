"""The event scheduler: due transitions applied in simulated-time order.

Events run with the time they were due at (not the clock's later "now"), so every
timestamp a job records is exact and a run is the same however the clock got there.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Any

import msgspec

EventAction = Callable[[float], None]


class ScheduledEvent(msgspec.Struct, eq=False):  # one event is itself only (seq is unique)
    """Something to do at a simulated time; ordered by when, then by when it was asked."""

    due: float
    seq: int
    action: EventAction
    label: str = ""
    cancelled: bool = False
    # What the event does, as data (kind + ids), so a saved state can re-create it
    # (faxage_sim.persist.events). None: not re-creatable (it is not saved).
    data: dict[str, Any] | None = None

    def __lt__(self, other: ScheduledEvent) -> bool:  # the heap's order
        return (self.due, self.seq) < (other.due, other.seq)

    def cancel(self) -> None:
        self.cancelled = True


class Scheduler:
    def __init__(self) -> None:
        self._heap: list[ScheduledEvent] = []
        self._seq = itertools.count()
        # Told the due time of each event scheduled (the simulator wakes its driver by it).
        self.on_schedule: Callable[[float], None] | None = None

    def schedule(self, due: float, action: EventAction, label: str = "",
                 data: dict[str, Any] | None = None) -> ScheduledEvent:
        event = ScheduledEvent(due, next(self._seq), action, label, data=data)
        heapq.heappush(self._heap, event)
        if self.on_schedule is not None:
            self.on_schedule(due)
        return event

    def next_due(self) -> float | None:
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0].due if self._heap else None

    def run_until(self, now: float) -> int:
        """Run every event due at or before `now`, including ones scheduled meanwhile."""
        ran = 0
        while True:
            due = self.next_due()
            if due is None or due > now:
                return ran
            event = heapq.heappop(self._heap)
            event.action(event.due)
            ran += 1

    def pending(self) -> int:
        return sum(1 for e in self._heap if not e.cancelled)

    def events(self) -> list[ScheduledEvent]:
        """The pending events, in no particular order."""
        return [e for e in self._heap if not e.cancelled]

    def clear(self) -> None:
        self._heap.clear()

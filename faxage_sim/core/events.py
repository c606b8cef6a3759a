"""What happened in the simulation, for observers: the console log, notifications, tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec


class SimEvent(msgspec.Struct, frozen=True):
    """Kinds so far: job.submitted, job.transition, job.completed, callback.attempt, and
    `call` — one per ended phone call (every outbound dial try, every inbound call, busy ones
    included), emitted at the call's end with data {"direction": "OUT"|"IN", "src", "dst"
    (10 digits), "start" (simulated epoch), "duration" (billable whole seconds, 0 when never
    answered), "answered"}; call detail records are built from these."""

    kind: str
    at: float  # simulated time
    company: str | None
    message: str  # one readable line
    data: dict[str, Any] = msgspec.field(default_factory=dict)


Observer = Callable[[SimEvent], None]


class EventBus:
    def __init__(self) -> None:
        self._observers: list[Observer] = []

    def subscribe(self, observer: Observer) -> Callable[[], None]:
        self._observers.append(observer)
        return lambda: self._observers.remove(observer)

    def emit(self, event: SimEvent) -> None:
        for observer in list(self._observers):
            observer(event)

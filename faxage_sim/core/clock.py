"""Simulated time. Each account runs on its own `Clock`.

Modes: `realtime` (one simulated second per real second), `scaled` (`speed` simulated
seconds per real second) and `manual` (time moves only through `advance`). Simulated time is
a float of seconds since the Unix epoch; it never goes backwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum

MonotonicSource = Callable[[], float]

# Manual clocks start here unless told otherwise, so runs are reproducible:
# Monday 2026-01-05 09:00:00 in Denver (16:00 UTC).
DEFAULT_MANUAL_START = datetime(2026, 1, 5, 16, 0, 0, tzinfo=UTC).timestamp()


class ClockMode(StrEnum):
    REALTIME = "realtime"
    SCALED = "scaled"
    MANUAL = "manual"


class Clock:
    """A simulated clock: `now()` and `advance(seconds)`."""

    def __init__(
        self,
        mode: ClockMode = ClockMode.MANUAL,
        *,
        speed: float = 1.0,
        start: float | None = None,
        monotonic: MonotonicSource = time.monotonic,
    ) -> None:
        if mode is ClockMode.REALTIME:
            speed = 1.0
        elif mode is ClockMode.MANUAL:
            speed = 0.0
        elif speed <= 0:
            raise ValueError("a scaled clock needs a positive speed")
        if start is None:
            start = DEFAULT_MANUAL_START if mode is ClockMode.MANUAL else float(int(time.time()))
        self.mode = mode
        self.speed = speed
        self._monotonic = monotonic
        self._base = start
        self._mono_base = monotonic()

    def now(self) -> float:
        if self.speed == 0.0:
            return self._base
        return self._base + (self._monotonic() - self._mono_base) * self.speed

    def advance(self, seconds: float) -> float:
        """Jump forward; in every mode, so a realtime clock can be fast-forwarded too."""
        if seconds < 0:
            raise ValueError("the clock cannot go backwards")
        self._rebase()
        self._base += seconds
        return self._base

    def set_time(self, when: float) -> None:
        """Move to an absolute time (forward only)."""
        now = self.now()
        if when < now:
            raise ValueError("the clock cannot go backwards")
        self.advance(when - now)

    def real_seconds_until(self, when: float) -> float | None:
        """How long in real time until simulated `when`; None if it never comes by itself."""
        if self.speed == 0.0:
            return None
        return max(0.0, (when - self.now()) / self.speed)

    def _rebase(self) -> None:
        self._base = self.now()
        self._mono_base = self._monotonic()

    def describe(self) -> dict[str, object]:
        now = self.now()
        return {
            "mode": self.mode.value,
            "speed": self.speed,
            "now": datetime.fromtimestamp(now, UTC).isoformat(),
            "epoch": now,
        }

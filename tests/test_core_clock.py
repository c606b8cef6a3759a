"""The simulated clock and the event scheduler, without any HTTP."""

from __future__ import annotations

import pytest

from faxage_sim.core.clock import DEFAULT_MANUAL_START, Clock, ClockMode
from faxage_sim.core.scheduler import Scheduler


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_manual_clock_moves_only_when_advanced() -> None:
    mono = FakeMonotonic()
    clock = Clock(ClockMode.MANUAL, monotonic=mono)
    assert clock.now() == DEFAULT_MANUAL_START
    mono.now += 500
    assert clock.now() == DEFAULT_MANUAL_START
    clock.advance(90)
    assert clock.now() == DEFAULT_MANUAL_START + 90
    assert clock.real_seconds_until(clock.now() + 10) is None


def test_realtime_and_scaled_clocks_follow_real_time() -> None:
    mono = FakeMonotonic()
    realtime = Clock(ClockMode.REALTIME, start=0.0, monotonic=mono)
    scaled = Clock(ClockMode.SCALED, speed=60, start=0.0, monotonic=mono)
    mono.now += 2
    assert realtime.now() == 2
    assert scaled.now() == 120
    assert scaled.real_seconds_until(240) == 2
    scaled.advance(60)  # any clock can be fast-forwarded
    assert scaled.now() == 180


def test_clock_never_goes_backwards() -> None:
    clock = Clock(ClockMode.MANUAL, start=100.0)
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        clock.set_time(50)


def test_scaled_clock_needs_a_positive_speed() -> None:
    with pytest.raises(ValueError):
        Clock(ClockMode.SCALED, speed=0)


def test_events_run_in_time_order_with_their_due_time() -> None:
    scheduler = Scheduler()
    ran: list[tuple[str, float]] = []
    scheduler.schedule(30, lambda t: ran.append(("b", t)))
    scheduler.schedule(10, lambda t: ran.append(("a", t)))
    scheduler.schedule(30, lambda t: ran.append(("c", t)))  # same time: in scheduling order
    scheduler.schedule(99, lambda t: ran.append(("late", t)))
    assert scheduler.run_until(50) == 3
    assert ran == [("a", 10), ("b", 30), ("c", 30)]
    assert scheduler.next_due() == 99


def test_events_scheduled_while_running_run_in_the_same_pass_if_due() -> None:
    scheduler = Scheduler()
    ran: list[float] = []

    def first(t: float) -> None:
        ran.append(t)
        scheduler.schedule(t + 5, ran.append)
        scheduler.schedule(t + 500, ran.append)

    scheduler.schedule(10, first)
    scheduler.run_until(100)
    assert ran == [10, 15]


def test_cancelled_events_do_not_run() -> None:
    scheduler = Scheduler()
    ran: list[float] = []
    event = scheduler.schedule(10, ran.append)
    event.cancel()
    assert scheduler.next_due() is None
    assert scheduler.run_until(100) == 0
    assert ran == []


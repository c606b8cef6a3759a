"""Timing helpers the benchmark scripts share (run them as scripts: this directory is on
their import path)."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable


def machine() -> str:
    """One line saying where the figures come from."""
    return (f"machine: {platform.machine()}, {os.cpu_count()} cores, "
            f"{platform.python_implementation()} {platform.python_version()}, "
            f"{platform.platform()}")


def median_seconds(action: Callable[[], object], repeat: int, warmup: int | None = None) -> float:
    """Median wall time of `action` over `repeat` runs, after a warm-up (default: a tenth)."""
    for _ in range(max(3, repeat // 10) if warmup is None else warmup):
        action()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def paired_medians(first: Callable[[], object], second: Callable[[], object],
                   repeat: int) -> tuple[float, float]:
    """Medians of two actions timed alternately, so that load from other work on the machine
    falls on both alike."""
    for _ in range(max(3, repeat // 10)):  # warm up
        first()
        second()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for action, bucket in ((first, times[0]), (second, times[1])):
            started = time.perf_counter()
            action()
            bucket.append(time.perf_counter() - started)
    return statistics.median(times[0]), statistics.median(times[1])


def alternating_rates(runners: dict[str, Callable[[], object]], rounds: int, block: int,
                      per_round: int = 2, warmup: int = 50) -> dict[str, float]:
    """Rounds per second of each runner (times `per_round`: requests per second when a round
    is a sendfax+status pair), timed in alternating blocks of `block` rounds so that load
    from other work on the machine falls on each alike."""
    for run in runners.values():
        for _ in range(warmup):
            run()
    elapsed = dict.fromkeys(runners, 0.0)
    blocks = max(1, rounds // block)
    for _ in range(blocks):
        for kind, run in runners.items():
            started = time.perf_counter()
            for _ in range(block):
                run()
            elapsed[kind] += time.perf_counter() - started
    return {kind: per_round * block * blocks / seconds for kind, seconds in elapsed.items()}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"

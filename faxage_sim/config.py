"""Settings of one emulator instance (from the CLI, the pytest plugin or a scenario)."""

from __future__ import annotations

from dataclasses import dataclass

from .core.clock import ClockMode

DEFAULT_MAX_BODY = 64 * 1024 * 1024  # bytes, like a generous PHP post_max_size
DEFAULT_JOURNAL_LIMIT = 100_000


@dataclass
class SimConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    clock: ClockMode = ClockMode.REALTIME
    speed: float = 1.0
    start: float | None = None
    seed: int = 0
    max_body: int = DEFAULT_MAX_BODY
    journal_limit: int = DEFAULT_JOURNAL_LIMIT
    log_requests: bool = True
    log_format: str = "text"

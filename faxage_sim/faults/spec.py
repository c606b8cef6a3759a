"""What a fault is made of: its fields (`FaultFields`), the protocol errors, latencies and
drips it can name, and the constants both the matching and the effects read.

Its own module so that the effects (effects.py) and the fault spec that asks them what to do
(`FaultSpec`, matching.py) import it and never each other.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from ..core.matching import NumberMatch
from ..core.timeref import TimeRef

PROTOCOL_PATHS: Final = ("/httpsfax.php", "/httpsfax-debug.php", "/getcdr.php",
                         "/provision.php", "/new_provision.php")


class ProtocolError(StrEnum):
    ERR01 = "ERR01"
    ERR13 = "ERR13"
    ERR15 = "ERR15"
    ERR21 = "ERR21"
    ERR23 = "ERR23"


# The operation each operation-level error belongs to (ERR01 hits any request).
ERROR_OPERATIONS: Final = {
    ProtocolError.ERR13: "getfax",
    ProtocolError.ERR15: "sendfax",
    ProtocolError.ERR21: "stopfax",
    ProtocolError.ERR23: "stopfax",
}
HTTP_STATUSES: Final = (500, 502, 503, 504)
DISTRIBUTIONS: Final = ("fixed", "uniform", "normal", "lognormal", "exponential")
DEFAULT_LATENCY_CAP: Final = 120.0  # real seconds: no drawn latency is longer
DEFAULT_HANG_MAX: Final = 600.0  # real seconds before a hung request's connection is closed
UPPER_CASE_PATHS: Final = frozenset({"/httpsfax.php", "/httpsfax-debug.php"})
DEBUG_PATH: Final = "/httpsfax-debug.php"


@dataclass(frozen=True)
class Latency:
    """Real seconds before the answer starts: fixed, or drawn from a distribution."""

    distribution: str = "fixed"
    seconds: float = 0.0  # fixed
    low: float = 0.0  # uniform
    high: float = 0.0
    mean: float = 0.0  # normal, exponential
    stddev: float = 0.0  # normal
    median: float = 0.0  # lognormal
    sigma: float = 0.0  # lognormal: the spread of log(latency)
    cap: float = DEFAULT_LATENCY_CAP

    def draw(self, rng: random.Random) -> float:
        if self.distribution == "uniform":
            value = rng.uniform(self.low, self.high)
        elif self.distribution == "normal":
            value = rng.gauss(self.mean, self.stddev)
        elif self.distribution == "lognormal":
            value = self.median * math.exp(rng.gauss(0.0, self.sigma)) if self.median else 0.0
        elif self.distribution == "exponential":
            value = rng.expovariate(1.0 / self.mean) if self.mean > 0 else 0.0
        else:
            value = self.seconds
        return min(max(0.0, value), self.cap)

    def describe(self) -> str:
        if self.distribution == "fixed":
            return f"latency {self.seconds:g}s"
        params = {"uniform": f"{self.low:g}-{self.high:g}s",
                  "normal": f"mean {self.mean:g}s sd {self.stddev:g}s",
                  "lognormal": f"median {self.median:g}s sigma {self.sigma:g}",
                  "exponential": f"mean {self.mean:g}s"}[self.distribution]
        return f"latency {self.distribution} {params}"


@dataclass(frozen=True)
class Drip:
    """The body sent `chunk_bytes` at a time, `interval` real seconds apart."""

    chunk_bytes: int = 1
    interval: float = 0.1


@dataclass(frozen=True)
class FaultFields:
    """Every field of a fault, declared once: which requests, when, and what. What the effect
    makes of them is `FaultSpec` (matching.py), derived from the registry (effects.py)."""

    name: str = ""
    # --- which requests ---
    paths: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()
    companies: tuple[str, ...] = ()
    destination: NumberMatch | None = None
    nth: int | None = None
    every: int | None = None
    after: int | None = None
    probability: float | None = None
    # --- when ---
    start: TimeRef | None = None
    end: TimeRef | None = None
    duration: float | None = None  # the window's length from `start` (instead of `end`)
    hits: int | None = None
    # --- what ---
    error: ProtocolError | None = None
    status: int | None = None
    server: str | None = None  # the 500 page: "php" (default) or "nginx"
    latency: Latency | None = None
    hang: bool = False
    hang_max: float | None = None  # None: until the client gives up (DEFAULT_HANG_MAX at most)
    reset: bool = False
    truncate: bool = False
    truncate_keep: int | None = None  # bytes kept; None: half the body
    drip: Drip | None = None
    # Does the request still reach the simulated service (a job is stored, say) although
    # the client sees the fault? None: the effect's default (see `reaches_service`).
    processed: bool | None = None

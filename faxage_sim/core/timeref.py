"""Simulated times and durations as people write them in scenario files and fault specs.

A duration is a number of seconds or a string such as `90s`, `10m`, `1h30m`, `1d`, `1.5h`.
A point in simulated time (`TimeRef`) is either an offset from the moment the scenario starts
(a duration, optionally written with a leading `+`) or an absolute date-time: ISO 8601
(`2026-01-05T09:30:00-07:00`, or `2026-01-05 16:30:00`, which is UTC when it has no offset).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime

import msgspec

_UNIT_SECONDS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)(ms|d|h|m|s))+$")
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|d|h|m|s)")


class TimeSyntaxError(ValueError):
    """A duration or time that cannot be read; the message says what was expected."""


# The longest duration anything accepts (ten years): beyond it the date-times of a simulated
# event stop being printable, and a loop stepping through it would never end.
MAX_DURATION_SECONDS = 10 * 365 * 86400.0
DURATION_HINT = ('a duration: seconds, or a string like "90s", "10m", "1h30m" '
                 f"(at most {MAX_DURATION_SECONDS:.0f} s, ten years)")


def _bounded(seconds: float, value: object) -> float:
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_DURATION_SECONDS:
        raise TimeSyntaxError(f"expected {DURATION_HINT}, got {value!r}"[:300])
    return seconds
TIME_HINT = ('a time: an offset from the scenario start ("+10m", "90s", a number of seconds) '
             'or a date-time ("2026-01-05T09:30:00-07:00"; UTC without an offset)')


def parse_duration(value: object) -> float:
    """Seconds from a number or a `1h30m`-style string; raises `TimeSyntaxError`."""
    if isinstance(value, bool):
        raise TimeSyntaxError(f"expected {DURATION_HINT}, got {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise TimeSyntaxError(f"expected {DURATION_HINT} >= 0, got {value!r}"[:300])
        return _bounded(float(value) if abs(value) < 1e300 else math.inf, value)
    if isinstance(value, str) and len(value) <= 200:
        text = value.strip().lower().replace(" ", "")
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is not None and number >= 0:
            return _bounded(number, value)
        if text and _DURATION.match(text):
            return _bounded(sum(float(n) * _UNIT_SECONDS[u] for n, u in _PART.findall(text)),
                            value)
    raise TimeSyntaxError(f"expected {DURATION_HINT}, got {value!r}"[:300])


class TimeRef(msgspec.Struct, frozen=True):
    """An offset from the scenario start, or an absolute simulated time (epoch seconds)."""

    offset: float | None = None
    absolute: float | None = None

    def resolve(self, start: float) -> float:
        return self.absolute if self.absolute is not None else start + (self.offset or 0.0)

    def describe(self) -> str:
        if self.absolute is not None:
            return datetime.fromtimestamp(self.absolute, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        return f"+{self.offset or 0:g}s"


def parse_datetime(value: object) -> float | None:
    """Epoch seconds from a date-time (string, or what YAML made of it); None if not one."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and len(value) >= 10 and value[4:5] == "-":
        text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


# A date-time a file may name: from 1970 to the year 3000, the bounds of every stored time
# (persist.validate), so what a scenario or the control plane sets can be saved and loaded.
LATEST_TIME = 32_503_680_000.0  # 3000-01-01T00:00:00Z


def parse_time_ref(value: object) -> TimeRef:
    absolute = parse_datetime(value)
    if absolute is not None:
        if not 0.0 <= absolute <= LATEST_TIME:
            raise TimeSyntaxError(f"expected {TIME_HINT} from 1970 to 3000, got {value!r}"[:300])
        return TimeRef(absolute=absolute)
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and text.startswith("+"):
        text = text[1:]
    try:
        return TimeRef(offset=parse_duration(text))
    except TimeSyntaxError:
        raise TimeSyntaxError(f"expected {TIME_HINT}, got {value!r}") from None

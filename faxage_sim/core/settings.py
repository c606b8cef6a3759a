"""An account's settings: how long each step of a job takes, how callbacks retry, and the
per-account choices (`AccountSettings`), with `apply_fields`, the one checked way to change them.

The account (`accounts.Account`) holds its settings; the parts of an account (the outbound
desk, the inbound exchange, the delivery book) read them from here without importing the
account itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from .timeref import MAX_DURATION_SECONDS


@dataclass
class Timings:
    """Simulated seconds for each step of a job (documented in the README)."""

    conversion_seconds: float = 20.0  # per job, plus per page below
    conversion_per_page: float = 2.0
    dial_seconds: float = 25.0  # dial, ring and fax handshake before page one
    busy_seconds: float = 12.0  # dial to busy tone
    no_answer_seconds: float = 60.0  # rings before giving up
    page_seconds: dict[int, float] = field(
        default_factory=lambda: {0: 30.0, 1: 45.0, 2: 75.0}  # standard, fine, hyperfine
    )
    hangup_seconds: float = 5.0  # end-of-transmission handshake

    def per_page(self, resolution: int) -> float:
        return self.page_seconds.get(resolution, self.page_seconds[0])


@dataclass
class RetryPolicy:
    """Delivery of callbacks and inbound pushes: attempts, backoff on the simulated clock."""

    attempts: int = 1  # like the real service: one attempt
    backoff_seconds: float = 60.0
    backoff_factor: float = 2.0
    timeout_seconds: float = 10.0  # real seconds to wait for the receiver

    def delay_before(self, attempt: int) -> float:
        """Simulated seconds between attempt `attempt - 1` and `attempt` (attempt >= 2)."""
        # Capped like every duration: a large factor must not push a retry past year 9999.
        return min(self.backoff_seconds * self.backoff_factor ** (attempt - 2),
                   MAX_DURATION_SECONDS)


@dataclass
class AccountSettings:
    """An account's behaviour, each field declared once: scenario schema, checks and merging
    derive from it."""

    outbound_lines: int = 4
    tries: int = 3
    retry_delay_seconds: float = 300.0
    timezone: str = "America/Denver"
    fax_format: str = "pdf"  # inbound faxes: pdf or tiff
    inbound_lines: int = 4  # simultaneous inbound calls; one more gets a fast busy
    inbound_rate_per_hour: float = 0.0  # background inbound faxes (0: none)
    inbound_url: str | None = None  # inbound push: POSTed when a fax arrives
    default_resolution: int = 0
    tagname: str = ""
    tagnumber: str = ""
    timings: Timings = field(default_factory=Timings)
    callback_policy: RetryPolicy = field(default_factory=RetryPolicy)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)



class SettingsError(ValueError):
    """A settings change that names an unknown field or gives a value of the wrong type."""


def apply_fields(target: object, data: dict[str, object], path: str = "settings") -> None:
    """Update a settings dataclass from JSON-like data, checking names and types first.

    Nothing is changed unless every field is valid, so a bad request never half-applies.
    """
    staged: list[tuple[object, str, object]] = []
    _stage(target, data, path, staged)
    for obj, name, value in staged:
        setattr(obj, name, value)


def _stage(target: object, data: dict[str, object], path: str,
           staged: list[tuple[object, str, object]]) -> None:
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: expected an object")
    known = getattr(target, "__dataclass_fields__", {})
    for name, value in data.items():
        where = f"{path}.{name}"
        if name not in known:
            raise SettingsError(f"{where}: unknown field (known: {', '.join(sorted(known))})")
        current = getattr(target, name)
        if hasattr(current, "__dataclass_fields__"):
            if not isinstance(value, dict):
                raise SettingsError(f"{where}: expected an object")
            _stage(current, value, where, staged)
        elif isinstance(current, dict):
            if not isinstance(value, dict):
                raise SettingsError(f"{where}: expected an object")
            try:
                converted = {int(k): float(v) for k, v in value.items()}
            except (TypeError, ValueError) as exc:
                raise SettingsError(f"{where}: expected numbers by resolution") from exc
            staged.append((target, name, {**current, **converted}))
        else:
            staged.append((target, name, _coerce(current, value, where)))


def _coerce(current: object, value: object, where: str) -> object:
    if isinstance(current, bool):
        if isinstance(value, bool):
            return value
        raise SettingsError(f"{where}: expected true or false")
    if isinstance(current, int) and not isinstance(value, bool) and isinstance(value, int):
        if value < 0:
            raise SettingsError(f"{where}: expected a number >= 0")
        return value
    if isinstance(current, float) and isinstance(value, int | float) \
            and not isinstance(value, bool):
        if value < 0:
            raise SettingsError(f"{where}: expected a number >= 0")
        return float(value)
    if (isinstance(current, str) or current is None) and (isinstance(value, str)
                                                            or value is None):
        if where.endswith(".timezone"):
            _check_zone(str(value), where)
        if where.endswith(".fax_format") and str(value).lower() not in ("pdf", "tiff", "tif"):
            raise SettingsError(f"{where}: expected pdf or tiff")
        if where.endswith(".inbound_url") and value \
                and not str(value).lower().startswith(("http://", "https://")):
            raise SettingsError(f"{where}: expected an http:// or https:// URL (or null)")
        return value
    raise SettingsError(f"{where}: expected {type(current).__name__}, got {value!r}")


def _check_zone(name: str, where: str) -> None:
    try:
        ZoneInfo(name)
    except Exception as exc:
        raise SettingsError(f"{where}: unknown time zone {name!r}") from exc

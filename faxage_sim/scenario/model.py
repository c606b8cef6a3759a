"""A scenario, read and checked: what `apply` installs into a simulator.

Every part keeps the `Location` it was written at, so problems found only once files are
merged (`extends:`) or applied still point at a file and line. `None` means "not given" (a
file that extends another inherits it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.clock import ClockMode
from ..core.matching import NumberMatch
from ..core.outcomes import TryOutcome
from ..core.timeref import TimeRef
from ..faults import FaultSpec
from .errors import Location


@dataclass
class ClockSpec:
    mode: ClockMode | None = None
    speed: float | None = None
    start: float | None = None  # simulated epoch seconds


@dataclass
class UserSpec:
    username: str
    password: str
    email: str | None = None
    manager: bool | None = None
    dids: list[str] | None = None


@dataclass
class PortRequestSpec:
    """A number port request; times resolve against the account's start."""

    number: str
    requested: TimeRef | None = None  # None: the start
    due: TimeRef | None = None
    completed: TimeRef | None = None
    status: str | None = None
    comment: str = ""
    complete: bool | None = None


@dataclass
class AccountSpec:
    where: Location
    company: str | None = None
    users: list[UserSpec] | None = None
    dids: list[str] | None = None
    did_count: int | None = None
    disabled_dids: list[str] | None = None  # numbers or "#N" references
    settings: dict[str, Any] = field(default_factory=dict)  # as apply_fields takes it
    port_requests: list[PortRequestSpec] | None = None


@dataclass
class TrySpec:
    """One dial try: an outcome, or `conversion` (the job fails before any try)."""

    outcome: TryOutcome | None
    conversion_failure: bool = False


@dataclass
class RuleSpec:
    where: Location
    match: NumberMatch
    tries: list[TrySpec]  # the last repeats
    company: str | None = None
    probability: float | None = None


@dataclass
class InboundSpec:
    to: str | None  # a number or "#N"; None: the account's first DID
    cid: str = ""
    tsid: str = ""
    sender: str = ""
    pages: int = 1
    count: int = 1
    over: float = 0.0
    spacing: str = "even"
    unreadable: bool = False


@dataclass
class OutboundSpec:
    username: str | None = None
    to: list[str] | None = None  # None: random numbers
    count: int = 1
    over: float = 0.0
    spacing: str = "even"
    pages: tuple[int, int] = (1, 1)
    url_notify: str | None = None
    priority: str = "high"


@dataclass
class StepSpec:
    """A timeline step: at `at`, one action on one account."""

    where: Location
    at: TimeRef
    company: str | None = None
    note: str | None = None
    inbound: InboundSpec | None = None
    outbound: OutboundSpec | None = None
    disable_dids: list[str] = field(default_factory=list)
    enable_dids: list[str] = field(default_factory=list)
    settings: dict[str, Any] | None = None


@dataclass
class FaultEntry:
    where: Location
    spec: FaultSpec


@dataclass
class RateCenterSpec:
    npanxx: str
    name: str
    state: str
    numbers: list[str] = field(default_factory=list)


@dataclass
class InventorySpec:
    where: Location
    replace: bool | None = None
    rate_centers: list[RateCenterSpec] = field(default_factory=list)
    shortage: bool | list[str] | None = None


@dataclass
class Scenario:
    name: str
    source: str  # the file it came from (or "<request>")
    description: str | None = None
    seed: int | None = None
    clock: ClockSpec = field(default_factory=ClockSpec)
    accounts: list[AccountSpec] | None = None  # None: the default account
    rules: list[RuleSpec] = field(default_factory=list)
    faults: list[FaultEntry] = field(default_factory=list)
    timeline: list[StepSpec] = field(default_factory=list)
    inventory: InventorySpec | None = None
    files: list[str] = field(default_factory=list)  # this file and those it extends

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name, "description": self.description, "source": self.source,
            "files": self.files, "seed": self.seed,
            "accounts": None if self.accounts is None else len(self.accounts),
            "rules": len(self.rules), "faults": len(self.faults),
            "timeline": len(self.timeline),
            "inventory": self.inventory is not None,
        }

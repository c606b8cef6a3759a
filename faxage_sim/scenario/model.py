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
from ..faults.matching import FaultSpec
from .errors import Location
from .merging import (
    BASE_FIRST,
    CHILD,
    CHILD_FIRST,
    DEEP,
    FIELDS,
    OVERRIDE,
    Merge,
    policy,
)


@dataclass
class ClockSpec:
    mode: ClockMode | None = field(default=None, metadata=OVERRIDE)
    speed: float | None = field(default=None, metadata=OVERRIDE)
    start: float | None = field(default=None, metadata=OVERRIDE)  # simulated epoch seconds


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
    where: Location = field(metadata=CHILD)
    company: str | None = field(default=None, metadata=CHILD)  # the key accounts merge by
    users: list[UserSpec] | None = field(
        default=None, metadata=policy(Merge.REPLACE_BY_KEY, "username"))
    dids: list[str] | None = field(default=None, metadata=OVERRIDE)
    did_count: int | None = field(default=None, metadata=OVERRIDE)
    # numbers or "#N" references
    disabled_dids: list[str] | None = field(default=None, metadata=OVERRIDE)
    # as apply_fields takes it
    settings: dict[str, Any] = field(default_factory=dict, metadata=DEEP)
    port_requests: list[PortRequestSpec] | None = field(default=None, metadata=OVERRIDE)


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
    where: Location = field(metadata=CHILD)
    replace: bool | None = field(default=None, metadata=OVERRIDE)
    rate_centers: list[RateCenterSpec] = field(default_factory=list, metadata=BASE_FIRST)
    shortage: bool | list[str] | None = field(default=None, metadata=OVERRIDE)


@dataclass
class Scenario:
    """How an extending file merges into its base is declared on each field
    (`scenario.merging`): its accounts merge into the base's by company, its rules and
    faults come first (so they win), its timeline steps are added."""

    name: str = field(metadata=CHILD)
    source: str = field(metadata=CHILD)  # the file it came from (or "<request>")
    description: str | None = field(default=None, metadata=OVERRIDE)
    seed: int | None = field(default=None, metadata=OVERRIDE)
    clock: ClockSpec = field(default_factory=ClockSpec, metadata=FIELDS)
    # None: the default account
    accounts: list[AccountSpec] | None = field(
        default=None, metadata=policy(Merge.MERGE_BY_KEY, "company"))
    rules: list[RuleSpec] = field(default_factory=list, metadata=CHILD_FIRST)
    faults: list[FaultEntry] = field(default_factory=list, metadata=CHILD_FIRST)
    timeline: list[StepSpec] = field(default_factory=list, metadata=BASE_FIRST)
    inventory: InventorySpec | None = field(default=None, metadata=FIELDS)
    # this file and those it extends
    files: list[str] = field(default_factory=list, metadata=CHILD_FIRST)

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name, "description": self.description, "source": self.source,
            "files": self.files, "seed": self.seed,
            "accounts": None if self.accounts is None else len(self.accounts),
            "rules": len(self.rules), "faults": len(self.faults),
            "timeline": len(self.timeline),
            "inventory": self.inventory is not None,
        }

"""A scenario, read and checked: what `apply` installs into a simulator.

Every part keeps the `Location` it was written at, so problems found only once files are
merged (`extends:`) or applied still point at a file and line. `None` means "not given" (a
file that extends another inherits it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from ..core.clock import ClockMode
from ..core.matching import NumberMatch
from ..core.outcomes import TryOutcome
from ..core.simulator import Simulator
from ..core.timeref import TimeRef, parse_duration, parse_time_ref
from ..faults.matching import FaultSpec
from .declare import (
    MAX_CLOCK_SPEED,
    MAX_TIMELINE_FAXES,
    Schema,
    declared,
    declared_fields,
    key_of,
    one_or_list,
    read_part,
    ref,
)
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
from .parts import account_part, account_parts


@dataclass
class ClockSpec:
    """The simulated clock."""

    mode: ClockMode | None = field(default=None, metadata=declared(
        {"type": "string", "enum": ["realtime", "scaled", "manual"]}, read=ClockMode,
        merge=OVERRIDE))
    speed: float | None = field(default=None, metadata=declared(
        {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_CLOCK_SPEED}, merge=OVERRIDE))
    # simulated epoch seconds (the builder checks that the file gave a date-time)
    start: float | None = field(default=None, metadata=declared(
        ref("time"), read=lambda value: parse_time_ref(value).absolute, merge=OVERRIDE))


def _numbers(value: Any) -> list[str]:
    """One number or a list of them (YAML may read a number as an integer), as text."""
    return [str(n) for n in (value if isinstance(value, list) else [value])]


def normalize_settings(data: dict[str, Any]) -> dict[str, Any]:
    """Durations ("5m") to seconds, for `apply_fields`; the schema has checked the names."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = str(key)
        if isinstance(value, dict):
            out[name] = (
                {int(k): parse_duration(v) for k, v in value.items()}
                if name == "page_seconds" else normalize_settings(value))
        elif name.endswith("_seconds") and isinstance(value, str):
            out[name] = parse_duration(value)
        elif name.endswith("_seconds") and isinstance(value, int) \
                and not isinstance(value, bool):
            out[name] = float(value)
        else:
            out[name] = value
    return out


def did_list(value: Any) -> list[str]:
    """A DID or a list of them ("#1" or 10 digits), as text."""
    return [str(v).strip() for v in (value if isinstance(value, list) else [value])]


def _page_range(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (min(value), max(value))


# The parts below are declared field by field (`scenario.declare`): each field's line is its
# type, default, schema, file key and reader. The checks across fields are the builder's.

_LINE_TEXT = "^[^\\t\\r\\n]*$"
_PAGES: Schema = {"type": "integer", "minimum": 1, "maximum": 500}
_COUNT: Schema = {"type": "integer", "minimum": 1, "maximum": MAX_TIMELINE_FAXES}
_SPACING: Schema = {"type": "string", "enum": ["even", "random"]}


@dataclass
class UserSpec:
    """A user of the account."""

    username: str = field(metadata=declared(
        {"type": "string", "minLength": 1, "description": "the login name"}))
    password: str = field(metadata=declared(
        {"type": "string", "description": "the user's password"}))
    email: str | None = field(default=None, metadata=declared(
        {"type": "string", "description": "Email address (em_notify)."}))
    manager: bool | None = field(default=None, metadata=declared(
        {"type": "boolean", "description": "A manager sees the whole account; a "
                                           "non-manager only its own jobs and granted DIDs."}))
    dids: list[str] | None = field(default=None, metadata=declared(
        {"type": "array", "items": ref("phone"),
         "description": "DIDs granted to a non-manager user."}, read=_numbers))


@dataclass
class PortRequestSpec:
    """A number port request (times: offsets from the start or date-times; requested
    defaults to the start)."""

    number: str = field(metadata=declared(ref("phone"), read=str))
    requested: TimeRef | None = field(  # None: the start
        default=None, metadata=declared(ref("time"), read=parse_time_ref))
    due: TimeRef | None = field(default=None, metadata=declared(ref("time"), read=parse_time_ref))
    completed: TimeRef | None = field(
        default=None, metadata=declared(ref("time"), read=parse_time_ref))
    status: str | None = field(default=None, metadata=declared(
        {"type": "string", "minLength": 1, "maxLength": 100, "pattern": _LINE_TEXT,
         "description": 'The status text (default "Pending", or "Complete" once completed).'}))
    comment: str = field(default="", metadata=declared(
        {"type": "string", "maxLength": 500, "pattern": _LINE_TEXT,
         "description": "A comment from the porting desk."}))
    complete: bool | None = field(default=None, metadata=declared(
        {"type": "boolean", "description": "Complete (default: when it has a completed time)."}))


@dataclass
class AccountSpec:
    """An account: a company with users, DIDs and settings."""

    where: Location = field(metadata=CHILD)
    company: str | None = field(  # the key accounts merge by
        default=None, metadata=declared(ref("company"), read=str, merge=CHILD))
    users: list[UserSpec] | None = field(default=None, metadata=declared(
        {"type": "array", "items": ref("user"), "minItems": 1,
         "description": "Users (default: demo/demo)."},
        read=lambda users: [read_part(UserSpec, u) for u in users],
        merge=policy(Merge.REPLACE_BY_KEY, "username")))
    dids: list[str] | None = field(default=None, metadata=declared(
        {"type": "array", "items": ref("phone"),
         "description": "The account's fax numbers (default: did_count fresh ones)."},
        read=_numbers, merge=OVERRIDE))
    did_count: int | None = field(default=None, metadata=declared(
        {"type": "integer", "minimum": 0, "maximum": 1000,
         "description": "How many fresh DIDs to give (default 2)."}, merge=OVERRIDE))
    disabled_dids: list[str] | None = field(  # numbers or "#N" references
        default=None, metadata=declared(
            {"type": "array", "items": ref("did"), "description": "DIDs disabled from the start."},
            read=_numbers, merge=OVERRIDE))
    settings: dict[str, Any] = field(  # as apply_fields takes it
        default_factory=dict, metadata=declared(ref("settings"), read=normalize_settings,
                                                merge=DEEP))
    # --- its parts: each a list of declared items and the core calls that set it
    # (`scenario.parts`); schema, loading, control routes and the handle follow ---
    port_requests: list[PortRequestSpec] | None = field(default=None, metadata=account_part(
        PortRequestSpec, "port_request", "Numbers being ported in (portstatus).",
        route="ports", add=Simulator.add_port_request, clear=Simulator.clear_port_requests))


ACCOUNT_PARTS: Final = account_parts(AccountSpec)


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
    """Inbound faxes: one, or a burst of `count` over `over`."""

    to: str | None = field(  # a number or "#N"; None: the account's first DID
        default=None, metadata=declared(ref("did"), read=str))
    cid: str = field(default="", metadata=declared(ref("phone"), key="from", read=str))
    tsid: str = field(default="", metadata=declared({"type": "string", "maxLength": 20}))
    sender: str = field(default="", metadata=declared({"type": "string"}))
    pages: int = field(default=1, metadata=declared(_PAGES))
    count: int = field(default=1, metadata=declared(_COUNT))
    over: float = field(default=0.0, metadata=declared(ref("duration"), read=parse_duration))
    spacing: str = field(default="even", metadata=declared(_SPACING))
    unreadable: bool = field(default=False, metadata=declared(
        {"type": "boolean", "description": "getfax answers ERR13."}))


@dataclass
class OutboundSpec:
    """Outbound faxes the account's users send, as sendfax would store them."""

    username: str | None = field(default=None, metadata=declared(
        {"type": "string", "minLength": 1}))
    to: list[str] | None = field(  # None: random numbers
        default=None, metadata=declared(
            one_or_list(ref("phone"), "Destinations (default: random numbers)."),
            read=_numbers))
    count: int = field(default=1, metadata=declared(_COUNT))
    over: float = field(default=0.0, metadata=declared(ref("duration"), read=parse_duration))
    spacing: str = field(default="even", metadata=declared(_SPACING))
    pages: tuple[int, int] = field(default=(1, 1), metadata=declared(
        {"description": "Pages per fax: N, or [min, max].", "oneOf": [
            _PAGES, {"type": "array", "items": _PAGES, "minItems": 2, "maxItems": 2}]},
        read=_page_range))
    url_notify: str | None = field(default=None, metadata=declared(
        {"type": "string", "pattern": "^https?://"}))
    priority: str = field(default="high", metadata=declared(
        {"type": "string", "enum": ["high", "low"]}))


@dataclass
class StepSpec:
    """A timeline step: at a time, one thing happens."""

    where: Location
    at: TimeRef = field(metadata=declared(ref("time"), read=parse_time_ref))
    company: str | None = field(default=None, metadata=declared(ref("company"), read=str))
    note: str | None = field(default=None, metadata=declared(
        {"type": "string", "description": "A line for the console."}))
    # --- the actions: a step does one (each has its runner in timeline.ACTION_RUNNERS) ---
    inbound: InboundSpec | None = field(default=None, metadata=declared(
        ref("inbound"), read=lambda data: read_part(InboundSpec, data)))
    outbound: OutboundSpec | None = field(default=None, metadata=declared(
        ref("outbound"), read=lambda data: read_part(OutboundSpec, data)))
    disable_dids: list[str] = field(default_factory=list, metadata=declared(
        one_or_list(ref("did"), "Disable these DIDs."), key="disable_did", read=did_list))
    enable_dids: list[str] = field(default_factory=list, metadata=declared(
        one_or_list(ref("did"), "Enable these DIDs."), key="enable_did", read=did_list))
    settings: dict[str, Any] | None = field(default=None, metadata=declared(
        ref("settings"), read=normalize_settings))


# What a step can do: its action fields, and a fault (added to the scenario's faults).
STEP_FIELDS: Final = ("at", "company", "note")
STEP_ACTIONS: Final = (*(key_of(f) for f in declared_fields(StepSpec)
                         if f.name not in STEP_FIELDS), "fault")


@dataclass
class FaultEntry:
    where: Location
    spec: FaultSpec


@dataclass
class RateCenterSpec:
    """A rate center the simulated service serves."""

    npanxx: str = field(metadata=declared(
        {"type": ["string", "integer"], "pattern": "^[2-9][0-9]{5}$"}, read=str))
    name: str = field(metadata=declared({"type": "string", "minLength": 1}))
    state: str = field(metadata=declared({"type": "string", "minLength": 1}))
    numbers: list[str] = field(default_factory=list, metadata=declared(
        {"type": "array", "items": ref("phone")}, read=_numbers))


@dataclass
class InventorySpec:
    """Changes to the rate-center inventory (portable, provision.php)."""

    where: Location = field(metadata=CHILD)
    replace: bool | None = field(default=None, metadata=declared(
        {"type": "boolean", "description": "Start from an empty rate-center table."},
        merge=OVERRIDE))
    rate_centers: list[RateCenterSpec] = field(default_factory=list, metadata=declared(
        {"type": "array", "items": ref("rate_center")},
        read=lambda centers: [read_part(RateCenterSpec, c) for c in centers], merge=BASE_FIRST))
    shortage: bool | list[str] | None = field(default=None, metadata=declared(
        {"description": "No spare numbers: everywhere (true) or in these area codes / "
                        "NPANXXs.",
         "oneOf": [{"type": "boolean"},
                   {"type": "array", "items": {"type": ["string", "integer"],
                                               "pattern": "^[0-9]{3,6}$"}}]},
        read=lambda value: _numbers(value) if isinstance(value, list) else value,
        merge=OVERRIDE))


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

"""A scenario model from one checked document, with the checks a schema cannot express.

The document has passed the JSON Schema (types, names, ranges), so this reads it without
second-guessing its shape; what it checks is meaning: one matcher per rule, one action per
timeline step, no DID on two accounts, a conversion failure only before the first try...
"""

from __future__ import annotations

from typing import Any

from ..core.clock import ClockMode
from ..core.matching import NumberMatch
from ..core.outcomes import TryKind, TryOutcome
from ..core.timeref import parse_duration
from .build_faults import build_fault
from .declare import MAX_TIMELINE_FAXES, read_part
from .document import Document
from .errors import Issue, Location, Path
from .model import (
    STEP_ACTIONS,
    AccountSpec,
    ClockSpec,
    FaultEntry,
    InventorySpec,
    RuleSpec,
    Scenario,
    StepSpec,
    TrySpec,
)

TRY_KINDS = {"success": TryKind.SUCCESS, "busy": TryKind.BUSY, "no-answer": TryKind.NO_ANSWER,
             "drop-after": TryKind.DROP}
TRY_DETAILS = ("dial_seconds", "transmit_seconds", "remote_csid", "longstatus")


class Builder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.issues: list[Issue] = []

    def problem(self, path: Path, message: str) -> None:
        self.issues.append(self.doc.issue(path, message))

    def where(self, path: Path) -> Location:
        return Location(self.doc.source, self.doc.line(path), path)

    # --- the whole file ------------------------------------------------------------------

    def scenario(self, name: str) -> Scenario:
        data: dict[str, Any] = self.doc.data
        scenario = Scenario(name=name, source=self.doc.source, files=[self.doc.source],
                            description=data.get("description"), seed=data.get("seed"))
        if "clock" in data:
            scenario.clock = self.clock(data["clock"])
        if "accounts" in data:
            scenario.accounts = [self.account(a, ("accounts", i))
                                 for i, a in enumerate(data["accounts"])]
            self.check_accounts(scenario.accounts)
        scenario.rules = [r for i, item in enumerate(data.get("rules", []))
                          if (r := self.rule(item, ("rules", i))) is not None]
        for i, item in enumerate(data.get("faults", [])):
            spec = build_fault(self.doc, item, ("faults", i), self.issues)
            if spec is not None:
                scenario.faults.append(FaultEntry(self.where(("faults", i)), spec))
        for i, item in enumerate(data.get("timeline", [])):
            step = self.step(item, ("timeline", i), scenario)
            if step is not None:
                scenario.timeline.append(step)
        self.check_fax_total(scenario)
        if "inventory" in data:
            scenario.inventory = self.inventory(data["inventory"])
        return scenario

    def clock(self, data: dict[str, Any]) -> ClockSpec:
        spec = read_part(ClockSpec, data)
        if "start" in data and spec.start is None:
            self.problem(("clock", "start"), "the clock starts at a date-time, e.g. "
                         '"2026-01-05T09:00:00-07:00"; an offset has nothing to count from')
        if spec.speed is not None and spec.mode not in (None, ClockMode.SCALED):
            self.problem(("clock", "speed"), f'"speed" needs mode scaled, not {spec.mode}')
        return spec

    # --- accounts ------------------------------------------------------------------------

    def account(self, data: dict[str, Any], path: Path) -> AccountSpec:
        spec = read_part(AccountSpec, data, where=self.where(path))
        names = [u.username for u in spec.users or []]
        for i, name in enumerate(names):
            if name in names[:i]:
                self.problem((*path, "users", i, "username"), f'user "{name}" twice')
        if spec.dids is not None:
            if "did_count" in data:
                self.problem((*path, "did_count"), 'give "dids" or "did_count", not both')
            for i, user in enumerate(spec.users or []):
                for did in user.dids or []:
                    if did not in spec.dids:
                        self.problem((*path, "users", i, "dids"),
                                     f"{did} is not one of the account's dids")
        return spec

    def check_accounts(self, accounts: list[AccountSpec]) -> None:
        companies: dict[str, Path] = {}
        owners: dict[str, str] = {}
        for i, account in enumerate(accounts):
            if account.company is not None:
                if account.company in companies:
                    self.problem(("accounts", i, "company"),
                                 f"company {account.company} is already an account above")
                companies[account.company] = ("accounts", i)
            for j, did in enumerate(account.dids or []):
                if did in owners:
                    self.problem(("accounts", i, "dids", j),
                                 f"{did} already belongs to {owners[did]}")
                owners[did] = account.company or f"accounts[{i}]"

    # --- destination rules ---------------------------------------------------------------

    def rule(self, data: dict[str, Any], path: Path) -> RuleSpec | None:
        before = len(self.issues)
        matchers = [k for k in ("number", "prefix", "pattern") if k in data]
        if len(matchers) > 1:
            self.problem(path, f"a rule matches by one of number, prefix or pattern; this "
                         f"one has {', '.join(matchers)}")
        if ("outcome" in data) == ("tries" in data):
            self.problem(path, 'give the rule "outcome" (every try) or "tries" (try by try)')
        defaults = {k: data[k] for k in TRY_DETAILS if k in data}
        raw = data.get("tries") or ([data["outcome"]] if "outcome" in data else [])
        in_tries = "tries" in data
        tries = [self.try_spec(t, (*path, "tries", i) if in_tries else (*path, "outcome"),
                               defaults, i) for i, t in enumerate(raw)]
        if len(self.issues) > before:
            return None
        match = NumberMatch.of(
            number=str(data["number"]) if "number" in data else None,
            prefix=str(data["prefix"]) if "prefix" in data else None,
            pattern=data.get("pattern"))
        return RuleSpec(self.where(path), match, [t for t in tries if t is not None],
                        company=str(data["company"]) if "company" in data else None,
                        probability=data.get("probability"))

    def try_spec(self, data: Any, path: Path, defaults: dict[str, Any],
                 index: int) -> TrySpec | None:
        details = dict(defaults)
        pages: int | None = None
        name: str | None
        if isinstance(data, str):
            name = data
        else:
            details.update({k: data[k] for k in TRY_DETAILS if k in data})
            name = data.get("outcome") or ("drop-after" if "drop-after" in data else None)
            if name is None:
                self.problem(path, 'say what the try does: "outcome: busy", or '
                             '"drop-after: 2" (pages)')
                return None
            if "drop-after" in data and name != "drop-after":
                self.problem(path, f'"drop-after" is for a dropped line, not {name}')
            if "pages" in data and name != "drop-after":
                self.problem((*path, "pages"), '"pages" counts what is sent before a '
                             "drop-after")
            pages = data.get("drop-after", data.get("pages"))
        if name == "conversion-failure":
            if index > 0:
                self.problem(path, "conversion happens once, before the first try: "
                             "conversion-failure can only be the first")
            return TrySpec(None, conversion_failure=True)
        return TrySpec(TryOutcome(
            TRY_KINDS[name], drop_after_pages=pages,
            transmit_seconds=_seconds(details.get("transmit_seconds")),
            dial_seconds=_seconds(details.get("dial_seconds")),
            remote_csid=details.get("remote_csid"), longstatus=details.get("longstatus")))

    # --- the timeline --------------------------------------------------------------------

    def step(self, data: dict[str, Any], path: Path, scenario: Scenario) -> StepSpec | None:
        actions = [k for k in STEP_ACTIONS if k in data]
        if len(actions) > 1:
            self.problem(path, f"a step does one thing; this one has {', '.join(actions)} "
                         "(make one step each)")
            return None
        if not actions and "note" not in data:
            self.problem(path, "a step needs something to do: " + ", ".join(STEP_ACTIONS)
                         + " (or a note)")
            return None
        step = read_part(StepSpec, data, where=self.where(path))
        if actions == ["fault"]:
            spec = build_fault(self.doc, data["fault"], (*path, "fault"), self.issues,
                               start=step.at, company=step.company)
            if spec is not None:
                scenario.faults.append(FaultEntry(self.where((*path, "fault")), spec))
            if "note" not in data:
                return None
        return step

    def check_fax_total(self, scenario: Scenario) -> None:
        total = sum((s.inbound.count if s.inbound else 0)
                    + (s.outbound.count if s.outbound else 0) for s in scenario.timeline)
        if total > MAX_TIMELINE_FAXES:
            self.problem(("timeline",), f"the timeline makes {total} faxes in all; at most "
                                        f"{MAX_TIMELINE_FAXES} (split it into scenarios)")

    # --- inventory -----------------------------------------------------------------------

    def inventory(self, data: dict[str, Any]) -> InventorySpec:
        return read_part(InventorySpec, data, where=self.where(("inventory",)))

def _seconds(value: Any) -> float | None:
    return None if value is None else parse_duration(value)

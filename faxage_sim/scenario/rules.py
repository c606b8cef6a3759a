"""Scenario destination rules: one `DestinationRules` layer asked before the magic numbers.

Rules of a scenario loaded into one account apply to that account's jobs only and are asked
first; then the rules of the scenario loaded for the whole simulator. Within a scenario the
first matching rule wins. A rule with a `probability` takes that share of the matching jobs,
decided per job from the scenario's seed and the job id, so a replay decides the same way.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..core.jobs import FaxJob
from ..core.outcomes import TryOutcome
from .model import RuleSpec


@dataclass
class ActiveRule:
    spec: RuleSpec
    seed: int
    index: int
    company: str | None  # only this account's jobs (None: every account)

    def applies(self, job: FaxJob) -> bool:
        if self.company is not None and job.company != self.company:
            return False
        if not self.spec.match.matches(job.destnum):
            return False
        chance = self.spec.probability
        if chance is None:
            return True
        draw = random.Random(f"faxage-sim rule {self.seed} {self.index} {job.jobid}").random()
        return draw < chance


class ScenarioRules:
    def __init__(self) -> None:
        self.shared: list[ActiveRule] = []
        self.by_company: dict[str, list[ActiveRule]] = {}

    def install(self, rules: list[RuleSpec], seed: int, owner: str | None = None) -> None:
        """Replace the rules of the whole simulator (`owner` None) or of one account."""
        active = [ActiveRule(r, seed, i, owner or r.company) for i, r in enumerate(rules)]
        if owner is None:
            self.shared = active
        elif active:
            self.by_company[owner] = active
        else:
            self.by_company.pop(owner, None)

    def prune(self, live: set[str]) -> None:
        """Forget rules loaded into accounts that no longer exist."""
        for company in [c for c in self.by_company if c not in live]:
            del self.by_company[company]

    def clear(self) -> None:
        self.shared = []
        self.by_company.clear()

    def count(self) -> int:
        return len(self.shared) + sum(len(r) for r in self.by_company.values())

    def _rule_for(self, job: FaxJob) -> ActiveRule | None:
        own: list[ActiveRule] = self.by_company.get(job.company, [])
        for rule in (*own, *self.shared):
            if rule.applies(job):
                return rule
        return None

    # --- DestinationRules --------------------------------------------------------------

    def conversion_fails(self, job: FaxJob) -> bool | None:
        rule = self._rule_for(job)
        if rule is None:
            return None
        return rule.spec.tries[0].conversion_failure

    def outcome(self, job: FaxJob, try_number: int) -> TryOutcome | None:
        rule = self._rule_for(job)
        if rule is None:
            return None
        tries = rule.spec.tries
        return tries[min(try_number, len(tries)) - 1].outcome

"""What a run did not observe, said out loud: the wire details of the cases that did not run
(and what would run them: `--allow-send`, `--did`), and the decisions of docs/protocol.md
(`wire/contract.py`) no answer of this run showed, each with what would settle it.

A run that compared every case it sent and found them the same still ends on this list: "the
same" is only ever about what was observed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..wire.contract import DECISIONS
from .cases import CASES

if TYPE_CHECKING:
    from .runner import Result

NEEDS_SEND = "--allow-send --faxno YOUR_OWN_FAX_NUMBER"
NEEDS_DID = "--did ONE_OF_YOUR_FAX_NUMBERS"


@dataclass(frozen=True)
class Unobserved:
    what: str  # a wire detail (a case) or a decision, in words
    decisions: tuple[str, ...]  # the decision keys it touches
    needs: str  # what would observe it

    def as_json(self) -> dict[str, object]:
        return {"what": self.what, "decisions": list(self.decisions), "needs": self.needs}


@dataclass(frozen=True)
class Coverage:
    unobserved_cases: tuple[Unobserved, ...]
    unobserved_decisions: tuple[Unobserved, ...]  # no case of this run showed them
    observed_decisions: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.unobserved_cases

    def as_json(self) -> dict[str, object]:
        return {"observed_decisions": list(self.observed_decisions),
                "unobserved_cases": [u.as_json() for u in self.unobserved_cases],
                "unobserved_decisions": [u.as_json() for u in self.unobserved_decisions]}

    def lines(self) -> list[str]:
        """The summary's coverage section (empty when everything was observed)."""
        out: list[str] = []
        by_need: dict[str, list[Unobserved]] = {}
        for item in self.unobserved_cases:
            by_need.setdefault(item.needs, []).append(item)
        for needs, items in by_need.items():
            out.append(f"Not observed by this run ({needs}):")
            for item in items:
                touches = f" [decision {', '.join(item.decisions)}]" if item.decisions else ""
                out.append(f"  - {item.what}{touches}")
        listed = {key for item in self.unobserved_cases for key in item.decisions}
        others = [item for item in self.unobserved_decisions
                  if not set(item.decisions) <= listed]
        if others:
            out.append("Decisions of docs/protocol.md no case of this run observes:")
            for item in others:
                out.append(f"  - {', '.join(item.decisions)}: {item.what} "
                           f"(settled by {item.needs})")
        return out


def coverage(results: list[Result]) -> Coverage:
    ran = {r.case.name: r for r in results}
    cases: list[Unobserved] = []
    observed: set[str] = set()
    for case in CASES:
        result = ran.get(case.name)
        if result is not None and result.verdict in ("same", "differs"):
            observed.update(case.decisions)
            continue
        if result is None:
            needs = NEEDS_SEND if case.kind == "send" else "a run that selects it"
        elif result.verdict == "skipped" and case.needs_did:
            needs = NEEDS_DID
        else:
            needs = f"a run where it can run: {result.detail}"
        cases.append(Unobserved(case.observes, case.decisions, needs))
    decisions = tuple(
        Unobserved(d.topic, (d.key,), d.settles) for d in DECISIONS if d.key not in observed)
    return Coverage(tuple(cases), decisions,
                    tuple(d.key for d in DECISIONS if d.key in observed))

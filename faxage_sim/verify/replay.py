"""`faxage-sim verify --replay REPORT.json`: a saved report checked against this version of
the emulator, with no network.

The recorded answers stand in for the URL: every case the report holds is run against the
two references as in a live run (the send cases too: the references make their own job, the
recording's job id comes from its recorded sendfax answer), and each recorded answer is
compared by the case's rules. A report recorded from the live service is so evidence that
lasts: replayed by the test suite (`fixtures/live/`), it fails the day the emulator drifts
from what FAXAGE answered.
"""

from __future__ import annotations

import time

from .cases import CASES, Case
from .report import Report
from .runner import (
    _JOBID,
    Options,
    Progress,
    Result,
    TransportProblem,
    _common_values,
    run_cases,
)
from .shape import Answer

REPLAY_PASSWORD = "verify-replay"  # the recorded password is masked; the references need one


class Recording:
    """The URL under test, as the report recorded it."""

    def __init__(self, report: Report, options: Options) -> None:
        self.recorded = {r.case.name: r for r in report.cases}
        self.values = _common_values(options, time.time())

    def fill(self, form: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
        return [(name, value.format_map(self.values)) for name, value in form]

    def answer(self, case: Case, form: list[tuple[str, str]]) -> Answer:
        recorded = self.recorded[case.name]
        if recorded.got is None:
            raise TransportProblem(f"not recorded ({recorded.verdict}"
                                   f"{': ' + recorded.detail if recorded.detail else ''})")
        return recorded.got

    def capture_jobid(self, answer: Answer) -> None:
        found = _JOBID.search(answer.body)
        if found:
            self.values["jobid"] = found.group(1)


def replay_options(report: Report) -> Options:
    return Options(report.url, report.username, report.company, REPLAY_PASSWORD,
                   report.did, report.faxno, report.allow_send, interval=0.0)


def replay(report: Report, progress: Progress | None = None) -> list[Result]:
    """Every recorded case compared with this emulator's answers (in the cases' order)."""
    options = replay_options(report)
    names = {r.case.name for r in report.cases}
    cases = [c for c in CASES if c.name in names]
    results = run_cases(cases, Recording(report, options), options, time.time(), progress)
    recorded = {r.case.name: r for r in report.cases}
    for result in results:
        was = recorded[result.case.name]
        if was.got is None and result.verdict == "could not run":
            # nothing recorded to compare: not a drift of the emulator (coverage lists it)
            result.verdict = "skipped"
            result.detail = f"not recorded: {was.detail or was.verdict}"
    return results

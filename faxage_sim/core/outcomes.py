"""What the simulated network does with a destination: the outcome of each dial try.

`DestinationRules` answers two questions for a job: does conversion fail, and what happens on
try N. The magic numbers (last four digits of the destination) are the default rules;
scenario rules layer over them by being asked first.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

import msgspec

from ..wire import catalog
from .jobs import FaxJob


class TryKind(StrEnum):
    SUCCESS = "success"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    DROP = "dropped"


class TryOutcome(msgspec.Struct, frozen=True):
    """How one dial attempt ends (scripted by a scenario or drawn from the account's mix)."""

    kind: TryKind
    # Pages sent before the line drops (DROP only); None: half the job's pages.
    drop_after_pages: int | None = None
    # Overrides of the account's timings for this try, in simulated seconds.
    transmit_seconds: float | None = None
    dial_seconds: float | None = None
    remote_csid: str | None = None
    # Final longstatus if this try is the last one; None: the default for the kind.
    longstatus: str | None = None


FAILURE_LONGSTATUS: dict[TryKind, str] = {
    TryKind.BUSY: catalog.LONG_BUSY,
    TryKind.NO_ANSWER: catalog.LONG_NO_ANSWER,
    TryKind.DROP: catalog.LONG_NO_CARRIER,
}


class DestinationRules(Protocol):
    def conversion_fails(self, job: FaxJob) -> bool | None:
        """True/False to decide; None to let the next rule set decide."""

    def outcome(self, job: FaxJob, try_number: int) -> TryOutcome | None:
        """The outcome of try `try_number` (1-based); None to let the next rule set decide."""


MAGIC_TRANSMIT_SECONDS = 30 * 60


class MagicNumbers:
    """The documented magic destinations: the last four digits decide."""

    def conversion_fails(self, job: FaxJob) -> bool | None:
        return job.destnum.endswith("0005")

    def outcome(self, job: FaxJob, try_number: int) -> TryOutcome | None:
        suffix = job.destnum[-4:]
        if suffix == "0001":
            return TryOutcome(TryKind.BUSY)
        if suffix == "0002":
            return TryOutcome(TryKind.NO_ANSWER)
        if suffix == "0003":
            return TryOutcome(TryKind.BUSY if try_number == 1 else TryKind.SUCCESS)
        if suffix == "0004":
            return TryOutcome(TryKind.SUCCESS, transmit_seconds=MAGIC_TRANSMIT_SECONDS)
        if suffix == "0006":
            return TryOutcome(TryKind.DROP)
        return TryOutcome(TryKind.SUCCESS)


class LayeredRules:
    """Rule sets asked in order; the first that decides wins. Magic numbers come last."""

    def __init__(self, *layers: DestinationRules) -> None:
        self.layers: list[DestinationRules] = list(layers)

    def conversion_fails(self, job: FaxJob) -> bool:
        for layer in self.layers:
            verdict = layer.conversion_fails(job)
            if verdict is not None:
                return verdict
        return False

    def outcome(self, job: FaxJob, try_number: int) -> TryOutcome:
        for layer in self.layers:
            decided = layer.outcome(job, try_number)
            if decided is not None:
                return decided
        return TryOutcome(TryKind.SUCCESS)

"""Timeline steps on an account's scheduler: inbound faxes and bursts, outbound traffic, DIDs
disabled and enabled, settings changed (line counts...), notes for the console.

Each step runs at its simulated time, as any other event of the account: a manual clock
advanced past it runs it, a realtime or scaled clock runs it when its time comes. Bursts are
spread evenly over their `over` window, or at random times drawn from the scenario's seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.accounts import Account
from ..core.jobs import Document, Priority
from ..core.numbering import is_blocked
from ..core.simulator import Simulator, Submission
from .model import InboundSpec, OutboundSpec, StepSpec

if TYPE_CHECKING:
    from ..core.inbound import CallResult

TEXT_LINES_PER_PAGE = 60  # documents.formats counts a text file's pages this way


def resolve_did(account: Account, ref: str) -> str | None:
    """A DID reference of a step: 10 digits (the account's), or "#N" (its Nth DID)."""
    if ref.startswith("#"):
        index = int(ref[1:]) - 1
        return account.dids[index] if index < len(account.dids) else None
    return ref if account.owns_did(ref) else None


def spread(start: float, count: int, over: float, spacing: str,
           rng: random.Random) -> list[float]:
    """`count` times from `start` within `over` seconds: evenly, or at seeded random."""
    if count <= 1 or over <= 0:
        return [start] * count
    if spacing == "random":
        return sorted(start + rng.uniform(0, over) for _ in range(count))
    step = over / count
    return [start + i * step for i in range(count)]


@dataclass
class Load:
    """One loading of a scenario; a later load into the same account retires it, and its
    steps still on the scheduler then do nothing."""

    active: bool = True


@dataclass
class StepRunner:
    sim: Simulator
    account: Account
    step: StepSpec
    rng: random.Random
    load: Load

    def schedule(self, start: float) -> None:
        self.schedule_at(self.step.at.resolve(start))

    def schedule_at(self, at: float) -> None:
        # The event's data lets a saved state re-create it (faxage_sim.persist.events).
        self.account.scheduler.schedule(at, self.run, "scenario step",
                                        {"kind": "scenario.step", "runner": self})

    def run(self, at: float) -> None:
        if not self.load.active:
            return
        for name, action in ACTION_RUNNERS.items():
            value = getattr(self.step, name)
            if value:  # not given (None) or empty
                action(self, value, at)

    def _note(self, note: str, at: float) -> None:
        self.sim.emit("scenario.note", at, self.account.company, note)

    def _set_dids(self, refs: list[str], enabled: bool, at: float) -> None:
        for ref in refs:
            did = resolve_did(self.account, ref)
            if did is not None:
                self.sim.set_did_enabled(self.account, did, enabled, at, by="the scenario")

    def _settings(self, changes: dict[str, Any], at: float) -> None:
        self.sim.change_settings(self.account, changes, at, by="the scenario")

    # --- inbound -------------------------------------------------------------------------

    def _inbound(self, spec: InboundSpec, at: float) -> None:
        did = resolve_did(self.account, spec.to) if spec.to is not None else (
            self.account.dids[0] if self.account.dids else None)
        if did is None:
            return
        if spec.count > 1:
            self.sim.emit("scenario.burst", at, self.account.company,
                          f"inbound burst: {spec.count} faxes to {did} over {spec.over:g}s")
        for when in spread(at, spec.count, spec.over, spec.spacing, self.rng):
            self.ring_at(spec, did, when)

    def ring_at(self, spec: InboundSpec, did: str, when: float) -> None:
        self.account.scheduler.schedule(
            when, lambda t: self._ring(spec, did, t), "scenario inbound",
            {"kind": "scenario.inbound", "runner": self, "spec": spec, "did": did})

    def _ring(self, spec: InboundSpec, did: str, at: float) -> None:
        if not self.load.active:
            return
        call = self.sim.inbound.generated_call(self.account, did, spec.cid or None)
        if spec.tsid:
            call.tsid = spec.tsid
        if spec.sender:
            call.sender = spec.sender
        call.pages = spec.pages
        result = self.sim.inbound.ring(call, at, self.account)
        if spec.unreadable and result.recvdate is not None:
            # Runs after the call has ended and stored its fax (same time, later in order).
            self.account.scheduler.schedule(result.recvdate, lambda t: _unreadable(result),
                                            "scenario unreadable fax",
                                            {"kind": "scenario.unreadable", "did": did})

    # --- outbound ------------------------------------------------------------------------

    def _outbound(self, spec: OutboundSpec, at: float) -> None:
        user = self._sender(spec.username)
        if user is None:
            return
        self.sim.emit("scenario.outbound", at, self.account.company,
                      f"{spec.count} outbound fax(es) from {user} over {spec.over:g}s")
        for n, when in enumerate(spread(at, spec.count, spec.over, spec.spacing, self.rng)):
            number = spec.to[n % len(spec.to)] if spec.to else random_number(self.rng)
            low, high = spec.pages
            pages = self.rng.randint(low, high)
            self.send_at(spec, user, number, pages, n, when)

    def send_at(self, spec: OutboundSpec, username: str, number: str, pages: int, n: int,
                when: float) -> None:
        self.account.scheduler.schedule(
            when, self._sender_of(spec, username, number, pages, n), "scenario outbound",
            {"kind": "scenario.outbound", "runner": self, "spec": spec, "username": username,
             "number": number, "pages": pages, "n": n})

    def _sender(self, username: str | None) -> str | None:
        users = self.account.users
        if username is not None:
            return username if username in users else None
        managers = [u for u in users.values() if u.manager]
        chosen = managers[0] if managers else next(iter(users.values()), None)
        return chosen.username if chosen is not None else None

    def _sender_of(self, spec: OutboundSpec, username: str, number: str, pages: int,
                   n: int) -> Callable[[float], None]:
        return lambda at: self._send(spec, username, number, pages, n)

    def _send(self, spec: OutboundSpec, username: str, number: str, pages: int,
              n: int) -> None:
        user = self.account.users.get(username)
        if user is None or not self.load.active:
            return
        submission = Submission(
            faxno=number, recipname=f"Recipient {n + 1}",
            documents=[Document("scenario.txt", text_document(pages))],
            priority=Priority(spec.priority), url_notify=spec.url_notify)
        self.sim.submit(self.account, user, submission)  # refused ones are simply not sent


# What each action field of a timeline step does, in the order a step does them. Every
# StepSpec field but where/at/company is one (tests/test_scenario_timeline_actions.py).
ACTION_RUNNERS: dict[str, Callable[[StepRunner, Any, float], None]] = {
    "note": StepRunner._note,
    "disable_dids": lambda runner, refs, at: runner._set_dids(refs, False, at),
    "enable_dids": lambda runner, refs, at: runner._set_dids(refs, True, at),
    "settings": StepRunner._settings,
    "inbound": StepRunner._inbound,
    "outbound": StepRunner._outbound,
}
STEP_TARGETING = ("where", "at", "company")  # which step, when, on which account


def _unreadable(result: CallResult) -> None:
    if result.fax is not None:
        result.fax.unreadable = True


_TEXT_CACHE: dict[int, bytes] = {}


def text_document(pages: int) -> bytes:
    """A text file of exactly `pages` fax pages."""
    data = _TEXT_CACHE.get(pages)
    if data is None:
        lines = [f"Scenario fax, page {n // TEXT_LINES_PER_PAGE + 1}, line "
                 f"{n % TEXT_LINES_PER_PAGE + 1}" for n in range(pages * TEXT_LINES_PER_PAGE)]
        data = _TEXT_CACHE[pages] = ("\n".join(lines) + "\n").encode()
    return data


def random_number(rng: random.Random) -> str:
    """An unblocked destination whose last four digits are no magic number: a real geographic
    number, in an exchange libphonenumber places in a city."""
    from ..core.nanp_places import RATE_CENTERS

    while True:
        number = f"{rng.choice(RATE_CENTERS)[0]}{rng.randint(1000, 9999)}"
        if not is_blocked(number):
            return number

"""Background inbound traffic: faxes arriving on an account's numbers at a steady rate.

Arrivals are a Poisson process of `inbound_rate_per_hour` on the account's own clock (off at
0, the default; the default account runs a gentle rate when the clock is realtime). Senders
come from `faker`; caller ids (and the station ids made of them) are real geographic numbers,
in exchanges libphonenumber places in a city (nanp_data); everything is drawn from
generators seeded by the simulator seed and the company, so a given `--seed` replays the
same traffic.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Protocol

from .incoming import TSID_MAX, IncomingCall

if TYPE_CHECKING:
    from .scheduler import ScheduledEvent, Scheduler
    from .settings import AccountSettings

UNAVAILABLE_CID_SHARE: Final = 0.1  # callers whose number is withheld
PAGE_COUNTS: Final = (1, 2, 3, 4, 5, 8)
PAGE_WEIGHTS: Final = (35, 25, 15, 10, 10, 5)


MIN_RATE_PER_HOUR = 1e-6


class TrafficAccount(Protocol):
    """What the generator reads of its account (`accounts.Account` is one)."""

    company: str
    dids: list[str]
    settings: AccountSettings
    scheduler: Scheduler

    def now(self) -> float: ...


Ring = Callable[[IncomingCall, float], object]  # the exchange rings the account's number


class TrafficGenerator:
    def __init__(self, ring: Ring, account: TrafficAccount, seed: int) -> None:
        self.ring = ring
        self.account = account
        self.rng = random.Random(f"faxage-sim inbound {seed} {account.company}")
        self._fake: Any = None
        self._event: ScheduledEvent | None = None
        self._event_rate = 0.0

    @property
    def rate(self) -> float:
        """Faxes an hour; a rate below MIN_RATE_PER_HOUR (one fax in a century or so, or a
        float so small that dividing it by 3600 gives 0) is no traffic."""
        rate = self.account.settings.inbound_rate_per_hour
        return rate if rate >= MIN_RATE_PER_HOUR else 0.0

    def refresh(self) -> None:
        """Follow the account's rate: start, stop, or re-time the next arrival."""
        if self._event is not None and (self._event.cancelled or self._event_rate != self.rate):
            self._event.cancel()
            self._event = None
        if self.rate > 0 and self._event is None:
            self._schedule_next(self.account.now())

    def _schedule_next(self, after: float) -> None:
        gap = self.rng.expovariate(self.rate / 3600.0)
        self.schedule_arrival(after + gap)

    def schedule_arrival(self, due: float) -> None:
        """The next arrival at `due` (also how a restored state keeps its next arrival)."""
        if self._event is not None:
            self._event.cancel()
        self._event_rate = self.rate
        self._event = self.account.scheduler.schedule(due, self._arrive, "inbound traffic",
                                                      {"kind": "inbound.traffic"})

    def _arrive(self, at: float) -> None:
        self._event = None
        if self.rate <= 0:
            return
        if self.account.dids:
            self.ring(self.make_call(), at)
        self._schedule_next(at)

    # --- generated calls ----------------------------------------------------------

    def _faker(self) -> Any:
        if self._fake is None:
            from faker import Faker  # heavy: only once traffic is generated

            self._fake = Faker("en_US")
            self._fake.seed_instance(self.rng.getrandbits(32))
        return self._fake

    def caller_number(self) -> str:
        """A geographic number: an exchange libphonenumber places in a city, any line."""
        from .nanp_places import RATE_CENTERS  # not at start-up: only once a fax arrives

        return f"{self.rng.choice(RATE_CENTERS)[0]}{self.rng.randint(0, 9999):04d}"

    def make_call(self, did: str | None = None, cid: str | None = None) -> IncomingCall:
        """A plausible fax: a company sender, its number (or none), a station id, pages.
        A given `cid` is the caller's: a station id made of a number is made of that one."""
        fake = self._faker()
        target = did if did is not None else self.rng.choice(self.account.dids)
        drawn = "" if self.rng.random() < UNAVAILABLE_CID_SHARE else self.caller_number()
        cid = drawn if cid is None else cid  # drawn either way: the sequence stays the seed's
        sender = str(fake.company())
        style = self.rng.random()
        if style < 0.5 and cid:
            tsid = f"+1 {cid[:3]} {cid[3:6]} {cid[6:]}"
        elif style < 0.9:
            tsid = sender.upper()[:TSID_MAX].strip()
        else:
            tsid = ""
        pages = self.rng.choices(PAGE_COUNTS, weights=PAGE_WEIGHTS)[0]
        return IncomingCall(did=target, cid=cid, tsid=tsid, sender=sender, pages=pages)

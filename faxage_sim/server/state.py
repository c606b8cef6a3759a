"""One running emulator: its settings, simulator, journal, deliveries and the clock driver."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from ..core.deliveries import DeliveryState
from ..core.simulator import Simulator, SimulatorOptions
from ..notify.callbacks import CallbackDispatcher
from ..notify.email import MailRelay, SmtpSettings
from ..notify.payloads import WirePayloads
from .config import SimConfig
from .journal import Journal

if TYPE_CHECKING:
    from ..core.accounts import Account
    from ..documents.fetch import UrlFetcher
    from ..faults.matching import FaultBook
    from ..scenario.model import Scenario
    from ..scenario.timeline import Load
    from .console import ConsoleLog
    from .journal import JournalEntry



class StateKeeper(Protocol):
    """What the app state asks of `--state FILE`'s keeper (`persist.writer.Persister`, which
    reads this state: it is handed in, never imported here)."""

    def request_done(self, entry: JournalEntry) -> None: ...

    def control_changed(self, path: str) -> None: ...

    def everything_changed(self) -> None: ...

    def start(self) -> None: ...

    async def stop(self) -> None: ...

    def ids_replaced(self) -> None: ...

    def health(self) -> dict[str, Any]: ...


# The realtime driver never sleeps longer than this, so a clock change is noticed soon.
MAX_DRIVER_SLEEP = 0.5
# A clock advance (or a snapshot, a scenario load) waits for the callbacks, pushes and emails
# it made due at most this long in real seconds; slower ones go on in the background and are
# recorded when they end (docs/limits.md). A receiver never holds the clock.
SETTLE_WAIT_SECONDS = 2.0


class AppState:
    def __init__(self, config: SimConfig, sim: Simulator | None = None,
                 console: ConsoleLog | None = None) -> None:
        self.config = config
        self.sim = sim or Simulator(SimulatorOptions(
            clock_mode=config.clock, speed=config.speed, start=config.start, seed=config.seed))
        self.sim.payloads = WirePayloads()  # the wire layouts of callbacks, pushes, emails
        self.journal = Journal(config.journal_limit)
        self._faults: FaultBook | None = None  # made when the first fault is added
        # The scenario loaded at start-up (re-applied by reset), and the one in force now.
        self.startup_scenario: Scenario | None = None
        self.scenario: Scenario | None = None
        self.scenario_loads: dict[str | None, Load] = {}  # by account (None: the simulator)
        self.dispatcher = CallbackDispatcher(self.sim)
        self._fetcher: UrlFetcher | None = None  # made on the first URL-mode sendfax
        self.sim.outbox.sender = config.smtp_from
        self.mail = MailRelay(self.sim, SmtpSettings(*config.smtp) if config.smtp else None)
        self.console = console
        self.persister: StateKeeper | None = None  # --state FILE: keeps the file up to date
        self.started = False
        # Observers of each journaled request, and of the server beginning to shut down
        # (the dashboard's live streams end then, so a graceful shutdown never waits on them).
        self.request_observers: list[Callable[[JournalEntry], None]] = []
        self.closing_hooks: list[Callable[[], None]] = []
        self._wakeup: asyncio.Future[None] | None = None  # the driver's sleep, while it sleeps
        self._wake_at = 0.0  # the loop time the driver's sleep ends at
        self._loop: asyncio.AbstractEventLoop | None = None
        self._driver: asyncio.Task[None] | None = None
        if console is not None:
            self.sim.bus.subscribe(console.event)
            console.zone_of = self._zone_of
            self.journal.on_first_drop = lambda notice: console.line("journal", notice)
        self.sim.deliveries.on_ready = self._on_delivery_ready

    @property
    def fetcher(self) -> UrlFetcher:
        if self._fetcher is None:
            from ..documents.fetch import FetchSettings, UrlFetcher

            config = self.config
            self._fetcher = UrlFetcher(self.sim, FetchSettings(
                enabled=config.fetch, timeout=config.fetch_timeout,
                max_bytes=config.fetch_max_bytes))
        return self._fetcher

    async def _settle_fetches(self) -> None:
        if self._fetcher is not None:
            await self._fetcher.settle()

    @property
    def faults(self) -> FaultBook:
        if self._faults is None:
            from ..faults.matching import FaultBook

            self._faults = FaultBook()
        return self._faults

    @property
    def has_faults(self) -> bool:
        """Any injected fault in force? (Checked on every request, so without the import.)"""
        return self._faults is not None and bool(self._faults.faults)

    def _on_delivery_ready(self) -> None:
        self.dispatcher.kick()

    def observe_request(self, entry: JournalEntry) -> None:
        if self.persister is not None:
            self.persister.request_done(entry)
        if self.console is not None and self.config.log_requests:
            self.console.request(entry)
        for observer in self.request_observers:
            observer(entry)

    def closing(self) -> None:
        """The server is shutting down: long-lived answers (live streams) should end."""
        for hook in list(self.closing_hooks):
            hook()

    def _zone_of(self, company: str | None) -> str | None:
        account = self.sim.accounts.get(company) if company is not None else None
        return account.settings.timezone if account is not None else None

    # --- time ------------------------------------------------------------------------

    async def settle(self, deadline: float | None = None) -> None:
        """Run due transitions and wait for the deliveries they cause, until quiet.

        Background URL fetches (async sendfax) and em_notify emails are awaited too, so a
        manual-clock advance never races them. Deliveries and emails are waited for at most
        SETTLE_WAIT_SECONDS in all: a slow peer costs its own delivery, never the clock."""
        loop = asyncio.get_running_loop()
        if deadline is None:  # (a run until idle shares one deadline over all its steps)
            deadline = loop.time() + SETTLE_WAIT_SECONDS
        while True:
            await self._settle_fetches()
            self.sim.run_due()
            await self.dispatcher.settle(deadline)
            await self.mail.settle(deadline)
            peers_done = loop.time() >= deadline or (
                self.sim.deliveries.in_flight() == 0 and not self.mail.busy)
            if not self.sim.deliveries.ready and peers_done \
                    and not (self._fetcher and self._fetcher.busy):
                due = self.sim.next_due()
                if due is None or due > 0:
                    return

    async def advance(self, seconds: float, company: str | None = None) -> None:
        await self._settle_fetches()  # fetched URLs arrive at the time they were posted
        self.sim.advance(seconds, company)
        await self.settle()

    def in_flight(self, company: str | None = None) -> int:
        """Deliveries (of `company`, or of all) under way, plus background URL fetches and
        emails being sent: what a run until idle waits for besides the clock."""
        deliveries = sum(1 for d in self.sim.deliveries.for_company(company)
                         if d.state is DeliveryState.IN_FLIGHT)
        return deliveries + len(self.sim.deliveries.ready) + int(self.mail.busy) \
            + int(bool(self._fetcher and self._fetcher.busy))

    async def advance_until_idle(self, company: str | None = None,
                                 max_seconds: float = 86400.0) -> tuple[float, bool]:
        """Advance to each next due event until none is left; (seconds moved, idle?).

        Idle: no event left and nothing in flight (`in_flight`). Deliveries are waited for
        SETTLE_WAIT_SECONDS in all, as by an advance: one still under way then (its own
        deadline ends it, in the background) answers not idle, never idle too early."""
        moved = 0.0
        deadline = asyncio.get_running_loop().time() + SETTLE_WAIT_SECONDS
        while True:
            await self.settle(deadline)
            delta = self.sim.next_due(company)
            if delta is None:
                return moved, self.in_flight(company) == 0
            if moved + delta > max_seconds:
                self.sim.advance(max_seconds - moved, company)
                await self.settle(deadline)
                return max_seconds, False
            self.sim.advance(delta, company)
            moved += delta

    # --- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        self._wakeup = None
        self._loop = asyncio.get_running_loop()
        self.sim.on_schedule = self._scheduled
        self._driver = self._loop.create_task(self._drive())
        if self.persister is not None:
            self.persister.start()
        self.started = True

    def wake(self) -> None:
        """The driver's sleep ends now: it runs what is due and looks again."""
        waiter = self._wakeup
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _scheduled(self, account: Account, due: float) -> None:
        """An event was scheduled: the driver is woken only if the event comes before its
        sleep ends. Every sendfax schedules one (its conversion), most often later than
        that, and on a manual clock never by itself: waking the driver for each cost a turn
        of the loop, a timer and a future a request."""
        waiter = self._wakeup
        if waiter is None or waiter.done() or self._loop is None:
            return
        wait = account.clock.real_seconds_until(due)
        if wait is not None and self._loop.time() + wait < self._wake_at:
            waiter.set_result(None)

    async def _drive(self) -> None:
        """Run due transitions of running (realtime/scaled) clocks as their time comes."""
        loop = asyncio.get_running_loop()
        while True:
            self.sim.run_due()
            self.dispatcher.kick()
            self.mail.kick()
            wait = self.sim.next_due_in_real_seconds()
            wait = MAX_DRIVER_SLEEP if wait is None else min(wait, MAX_DRIVER_SLEEP)
            waiter: asyncio.Future[None] = loop.create_future()
            self._wakeup = waiter
            self._wake_at = loop.time() + max(wait, 0.001)
            timer = loop.call_at(self._wake_at, _resolve, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._wakeup = None

    async def stop(self) -> None:
        self.closing()
        self.started = False
        if self._driver is not None:
            self._driver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._driver
            self._driver = None
        await self.dispatcher.aclose()
        if self._fetcher is not None:
            await self._fetcher.aclose()
        await self.mail.aclose()
        if self.persister is not None:
            await self.persister.stop()  # the final save, after the last change


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)

"""The simulator: accounts, id counters, the simulated network and its clocks.

Pure Python and synchronous: the web layer calls in, and reaches out (HTTP callbacks, email)
only through the `DeliveryBook` and the `EventBus`. All calls happen on one thread (the
server's event loop); nothing here blocks.
"""

from __future__ import annotations

import copy
import functools
import itertools
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

import msgspec

from ..documents.formats import MAX_JOB_PAGES
from ..wire import catalog
from .accounts import Account, AccountSettings, User, apply_fields
from .cdr import CdrStore
from .clock import Clock, ClockMode
from .deliveries import DeliveryBook
from .events import EventBus, SimEvent
from .inbound import DEFAULT_REALTIME_RATE_PER_HOUR, FIRST_RECVID, InboundExchange
from .inventory import Inventory
from .jobs import Document, FaxJob, Priority
from .numbering import is_blocked, is_ten_digits
from .outbound import OutboundDesk
from .outbox import Outbox
from .outcomes import DestinationRules, LayeredRules, MagicNumbers
from .payloads import NoPayloads, Payloads
from .ports import PortRequest, port_request
from .timeref import TimeRef

DEFAULT_COMPANY = "1000"
DEFAULT_USERNAME = "demo"
DEFAULT_PASSWORD = "demo"
DEFAULT_EMAIL = "demo@example.com"
DEFAULT_DIDS = ("3032974100", "3032974101")
RECIPNAME_MAX = 32
TAGNUMBER_MAX = 14
FIRST_JOBID = 100001
FIRST_COMMID = 5000001
FIRST_COMPANY = 1001


class SubmitProblem(StrEnum):
    NO_FILES = "no files"
    INVALID_NUMBER = "invalid number"
    BLOCKED_NUMBER = "blocked number"


class Submission(msgspec.Struct):
    """A sendfax request as the core sees it, after the wire layer has parsed it."""

    faxno: str | None
    recipname: str
    documents: list[Document]
    tagname: str = ""
    tagnumber: str = ""
    priority: Priority = Priority.HIGH
    resolution: int | None = None
    contrastalgo: int = 1
    url_notify: str | None = None
    em_notify: bool = False
    async_fetch: bool = False

    def problem(self) -> SubmitProblem | None:
        """The first check that fails, in the vendor document's order."""
        if not self.documents:
            return SubmitProblem.NO_FILES
        if not is_ten_digits(self.faxno):
            return SubmitProblem.INVALID_NUMBER
        assert self.faxno is not None
        if is_blocked(self.faxno):
            return SubmitProblem.BLOCKED_NUMBER
        return None


class SimulatorOptions(msgspec.Struct):
    """How a simulator runs: its clock, speed, start and seed."""

    clock_mode: ClockMode = ClockMode.MANUAL
    speed: float = 1.0
    start: float | None = None
    seed: int = 0
    default_account: bool = True


class _Counters(msgspec.Struct):
    """The id sequences a simulator hands out (reserved ahead in a --state file)."""

    jobids: itertools.count[int] = msgspec.field(
        default_factory=lambda: itertools.count(FIRST_JOBID))
    commids: itertools.count[int] = msgspec.field(
        default_factory=lambda: itertools.count(FIRST_COMMID))
    companies: itertools.count[int] = msgspec.field(
        default_factory=lambda: itertools.count(FIRST_COMPANY))
    recvids: itertools.count[int] = msgspec.field(
        default_factory=lambda: itertools.count(FIRST_RECVID))


class Simulator:
    def __init__(self, options: SimulatorOptions | None = None,
                 payloads: Payloads | None = None) -> None:
        self.options = options or SimulatorOptions()
        self.bus = EventBus()
        self.deliveries = DeliveryBook(self.bus)
        self.outbox = Outbox(self.bus)  # em_notify emails
        self.scenario_rules: list[DestinationRules] = []
        self.rules = LayeredRules(MagicNumbers())
        self.accounts: dict[str, Account] = {}
        self.inventory = Inventory(self.options.seed)
        self.cdrs = CdrStore()  # call detail records, fed by `call` events
        self.bus.subscribe(self.cdrs.observe)
        self._counters = _Counters()
        self.inbound = InboundExchange(self.accounts, self.bus, self.deliveries,
                                       lambda: next(self._counters.recvids), self.options.seed)
        # Called whenever any account schedules an event, with the account and the event's
        # due time (wakes the realtime driver if it comes before the driver's next turn).
        self.on_schedule: Callable[[Account, float], None] | None = None
        self.payloads = payloads or NoPayloads()
        if self.options.default_account:
            self.install_default_account()

    @property
    def payloads(self) -> Payloads:
        """Who builds callback, push and email payloads (`notify.payloads`; the core only
        decides when they are made)."""
        return self._payloads

    @payloads.setter
    def payloads(self, payloads: Payloads) -> None:
        self._payloads = self.outbox.payloads = self.inbound.payloads = payloads

    def _scheduled(self, account: Account, due: float) -> None:
        if self.on_schedule is not None:
            self.on_schedule(account, due)

    def set_scenario_rules(self, layers: list[DestinationRules]) -> None:
        """Rule sets asked before the magic numbers, first one first (scenario files)."""
        self.scenario_rules = list(layers)
        self.rules.layers[:] = [*self.scenario_rules, MagicNumbers()]

    def reset(self) -> None:
        """Back to the state of a fresh start: accounts, jobs, deliveries and counters."""
        self.set_scenario_rules([])
        for account in self.accounts.values():
            account.scheduler.clear()
        self.accounts.clear()
        self.inventory = Inventory(self.options.seed)
        self.cdrs.clear()
        self.deliveries.deliveries.clear()
        self.deliveries.ready.clear()
        self.outbox.clear()
        self._counters = _Counters()
        self.inbound.reset()
        if self.options.default_account:
            self.install_default_account()

    # --- accounts ---------------------------------------------------------------------

    def new_clock(self, mode: ClockMode | None = None, speed: float | None = None,
                  start: float | None = None) -> Clock:
        mode = mode or self.options.clock_mode
        return Clock(mode, speed=speed if speed is not None else self.options.speed,
                     start=start if start is not None else self.options.start)

    def create_account(
        self,
        company: str | None = None,
        users: Iterable[User] | None = None,
        dids: Iterable[str] | None = None,
        settings: AccountSettings | None = None,
        clock: Clock | None = None,
        did_count: int = 2,
    ) -> Account:
        if company is None:
            company = self._free_company()
        if company in self.accounts:
            raise ValueError(f"company {company} already exists")
        if dids is not None:
            did_list = list(dids)
            self.inventory.mark_owned(did_list)
        else:
            did_list = self.allocate_dids(did_count)
        user_list = list(users) if users is not None else [
            User(DEFAULT_USERNAME, DEFAULT_PASSWORD, f"{DEFAULT_USERNAME}@{company}.example.com")
        ]
        account = Account(
            company=company,
            users={u.username: u for u in user_list},
            dids=did_list,
            settings=settings or AccountSettings(),
            clock=clock or self.new_clock(),
        )
        account.scheduler.on_schedule = functools.partial(self._scheduled, account)
        account.desk = OutboundDesk(account, self.rules, self.bus, self._job_completed)
        self.accounts[company] = account
        self.inbound.attach(account)  # background inbound traffic, if its rate is set
        return account

    def install_default_account(self) -> Account:
        settings = AccountSettings()
        if self.options.clock_mode is ClockMode.REALTIME:
            # So that `faxage-sim serve` shows inbound traffic without any setup.
            settings.inbound_rate_per_hour = DEFAULT_REALTIME_RATE_PER_HOUR
        return self.create_account(
            DEFAULT_COMPANY,
            users=[User(DEFAULT_USERNAME, DEFAULT_PASSWORD, DEFAULT_EMAIL)],
            dids=DEFAULT_DIDS,
            settings=settings,
        )

    def remove_account(self, company: str) -> None:
        account = self.accounts.pop(company)
        account.scheduler.clear()
        self.cdrs.forget(company)

    def _free_company(self) -> str:
        while True:
            candidate = str(next(self._counters.companies))
            if candidate not in self.accounts:
                return candidate

    def allocate_dids(self, count: int) -> list[str]:
        """Fresh numbers for a new account: never 555, never a magic suffix."""
        return self.inventory.allocate(count) if count else []

    def authenticate(self, company: str | None, username: str | None,
                     password: str | None) -> tuple[Account, User] | None:
        if company is None or username is None or password is None:
            return None
        account = self.accounts.get(company)
        if account is None:
            return None
        user = account.authenticate(username, password)
        return (account, user) if user is not None else None

    # --- outbound jobs ----------------------------------------------------------------

    def admit(self, account: Account, user: User,
              submission: Submission) -> SubmitProblem | None:
        """The submission gate: every check a new job passes, in the vendor document's
        order — sendfax (standard and URL mode), resend and scenario traffic all come
        through here (via `submit`). Pages are counted by `_inspect`, at submission or,
        for an async URL job, once its documents are fetched (`documents_fetched`)."""
        return submission.problem()

    def submit(self, account: Account, user: User,
               submission: Submission) -> FaxJob | SubmitProblem:
        """Store and start a job, or the first check of `admit` it fails (nothing stored)."""
        problem = self.admit(account, user, submission)
        if problem is not None:
            return problem
        assert submission.faxno is not None and account.desk is not None
        at = account.now()
        # Async URL mode: the URLs are fetched after the answer, and the pages counted then.
        awaiting = submission.async_fetch and any(
            d.url is not None and not d.has_bytes for d in submission.documents)
        pagecount, error = self._inspect(submission.documents)
        resolution = (submission.resolution if submission.resolution is not None
                      else account.settings.default_resolution)
        job = FaxJob(
            jobid=next(self._counters.jobids),
            commid=next(self._counters.commids),
            company=account.company,
            username=user.username,
            destname=submission.recipname[:RECIPNAME_MAX],
            destnum=submission.faxno,
            documents=submission.documents,
            pagecount=pagecount,
            sendtime=int(at),
            tagname=submission.tagname or account.settings.tagname,
            tagnumber=(submission.tagnumber or account.settings.tagnumber)[:TAGNUMBER_MAX],
            priority=submission.priority,
            resolution=resolution,
            contrastalgo=submission.contrastalgo,
            url_notify=submission.url_notify,
            em_notify=submission.em_notify,
            async_fetch=submission.async_fetch,
            awaiting_fetch=awaiting,
            conversion_error=None if awaiting else error,
        )
        account.desk.submit(job, job.sendtime)
        return job

    def resend(self, account: Account, user: User, job: FaxJob) -> FaxJob | SubmitProblem:
        """`resend`: a new job, sent by `user`, with `job`'s documents, destination and options.
        URL documents that never arrived (a failed async fetch) are fetched again."""
        documents = [d.copy() for d in job.documents]
        return self.submit(account, user, Submission(
            faxno=job.destnum, recipname=job.destname, documents=documents,
            tagname=job.tagname, tagnumber=job.tagnumber, priority=job.priority,
            resolution=job.resolution, contrastalgo=job.contrastalgo,
            url_notify=job.url_notify, em_notify=job.em_notify,
            async_fetch=any(d.url is not None and not d.has_bytes for d in documents)))

    def documents_fetched(self, job: FaxJob, failure: str | None, at: float) -> None:
        """An async URL job's documents arrived (`failure`: the longstatus if one did not):
        count its pages and start its conversion, unless it was stopped meanwhile."""
        account = self.accounts.get(job.company)
        if not job.awaiting_fetch or account is None or account.desk is None \
                or account.jobs.get(job.jobid) is not job:  # reset or removed meanwhile
            return
        job.awaiting_fetch = False
        if not job.pending:
            return
        job.pagecount, error = self._inspect(job.documents)
        job.conversion_error = failure or error
        job.note(at, "fetched", failure or f"{job.pagecount} page(s)")
        account.desk.start_conversion(job, at)

    @staticmethod
    def _inspect(documents: list[Document]) -> tuple[int, str | None]:
        """Total pages, and the conversion failure the documents will cause (if any)."""
        pages, error = 0, None
        for document in documents:
            inspection = document.inspected()
            pages += inspection.pages
            if not inspection.ok and error is None:
                error = catalog.LONG_FAILED_CONVERSION
        if pages > MAX_JOB_PAGES:  # the job's page limit (docs/limits.md): not convertible
            error = catalog.LONG_FAILED_CONVERSION
        return max(1, pages), error

    def _job_completed(self, job: FaxJob, at: float) -> None:
        account = self.accounts.get(job.company)
        if account is not None and job.em_notify:
            self.outbox.job_notice(account, job, at)
        if account is None or not job.url_notify:
            return
        self.deliveries.create(
            account, "job", job.jobid, job.url_notify,
            self.payloads.job_callback(job, account.settings.tz), at,
            account.settings.callback_policy,
        )

    def find_job(self, account: Account, jobid: str | int | None) -> FaxJob | None:
        """A job of this account by id; other companies' jobs are simply not found."""
        if jobid is None:
            return None
        text = str(jobid).strip()
        if not text.isascii() or not text.isdigit():
            return None
        job = account.jobs.get(int(text))
        return job if job is not None and not job.cleared else None

    # --- time -------------------------------------------------------------------------

    def run_due(self, company: str | None = None) -> int:
        """Apply every transition due by each account's clock (or one account's)."""
        ran = 0
        for account in self._select(company):
            ran += account.scheduler.run_until(account.now())
        return ran

    def advance(self, seconds: float, company: str | None = None) -> None:
        for account in self._select(company):
            account.clock.advance(seconds)
            account.scheduler.run_until(account.now())

    def next_due_in_real_seconds(self) -> float | None:
        """Real seconds until some account with a running clock has an event due."""
        waits = []
        for account in self.accounts.values():
            due = account.scheduler.next_due()
            if due is None:
                continue
            wait = account.clock.real_seconds_until(due)
            if wait is not None:
                waits.append(wait)
        return min(waits) if waits else None

    def idle(self, company: str | None = None) -> bool:
        return all(a.scheduler.next_due() is None for a in self._select(company))

    def next_due(self, company: str | None = None) -> float | None:
        """The soonest due time (simulated) among the selected accounts' clocks, as a delta."""
        deltas = []
        for account in self._select(company):
            due = account.scheduler.next_due()
            if due is not None:
                deltas.append(max(0.0, due - account.now()))
        return min(deltas) if deltas else None

    def _select(self, company: str | None) -> list[Account]:
        if company is None:
            return list(self.accounts.values())
        account = self.accounts.get(company)
        if account is None:
            raise KeyError(company)
        return [account]

    def emit(self, kind: str, at: float, company: str | None, message: str) -> None:
        self.bus.emit(SimEvent(kind, at, company, message))

    def change_settings(self, account: Account, changes: dict[str, Any], at: float,
                        by: str = "") -> None:
        """Change an account's settings — the one way in for the control plane, scenario
        timelines and scenario loading. Every field is checked first (`SettingsError`,
        nothing changed); then the change is told as an `account.settings` event, and the
        inbound exchange (its background rate) and the outbound desk (free lines) see it."""
        apply_fields(account.settings, copy.deepcopy(changes))
        if not changes:
            return
        who = f" by {by}" if by else ""
        self.emit("account.settings", at, account.company,
                  f"settings changed{who}: " + ", ".join(f"{k}={v}" for k, v in changes.items()))
        self.inbound.settings_changed(account)
        if account.desk is not None:
            account.desk.dispatch(at)

    def set_did_enabled(self, account: Account, did: str, enabled: bool, at: float,
                        by: str = "") -> bool:
        """Enable or disable (busy out) one of the account's DIDs; a change is told as a
        `did.enabled`/`did.disabled` event. False when it already was so."""
        if enabled == (did not in account.disabled_dids):
            return False
        who = f" by {by}" if by else ""
        if enabled:
            account.disabled_dids.discard(did)
            self.emit("did.enabled", at, account.company, f"DID {did} enabled{who}")
        else:
            account.disabled_dids.add(did)
            self.emit("did.disabled", at, account.company,
                      f"DID {did} disabled{who}: calls get a fast busy")
        return True


    def add_port_request(self, account: Account, at: float, *, number: str,
                         requested: TimeRef | None = None, due: TimeRef | None = None,
                         completed: TimeRef | None = None, status: str | None = None,
                         comment: str = "", complete: bool | None = None) -> PortRequest:
        """Add a number port request (what `portstatus` lists) — the one way in for scenario
        files and the control plane. Its times resolve against `at` (offsets count from
        it); `requested` defaults to `at`."""
        def when(ref: TimeRef | None) -> float | None:
            return None if ref is None else ref.resolve(at)

        port = port_request(number, at if requested is None else requested.resolve(at),
                            duedate=when(due), completedate=when(completed), status=status,
                            comment=comment, complete=complete)
        account.port_requests.append(port)
        self._part_changed(account, at, "port_requests",
                           f"port request for {number} added ({port.status})")
        return port

    def clear_port_requests(self, account: Account) -> int:
        """Remove the account's port requests; how many there were."""
        removed = len(account.port_requests)
        account.port_requests = []
        if removed:
            self._part_changed(account, account.now(), "port_requests",
                               f"{removed} port request(s) removed")
        return removed

    def _part_changed(self, account: Account, at: float, part: str, message: str) -> None:
        """An `account.part` event: the account's list `part` changed (a saved state writes
        it again: `persist.parts`)."""
        self.bus.emit(SimEvent("account.part", at, account.company, message, {"part": part}))

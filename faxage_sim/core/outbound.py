"""The outbound fax desk of one account: conversion, the line queue, dial tries, retries.

A job moves `Waiting for conversion` → `In Queue` (until one of the account's lines is free,
high priority first) → `Transmitting` → `success`, or a failed try followed by a retry after
the account's retry delay, up to its tries, → `failure`. Every step is an event on the
account's scheduler, run at the simulated time it is due.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from ..wire import catalog
from .events import EventBus, SimEvent
from .jobs import DialAttempt, FaxJob, JobState, Priority
from .outcomes import FAILURE_LONGSTATUS, LayeredRules, TryKind, TryOutcome

if TYPE_CHECKING:
    from .scheduler import ScheduledEvent, Scheduler
    from .settings import AccountSettings


class DeskAccount(Protocol):
    """What the desk reads of its account (`accounts.Account` is one)."""

    company: str
    dids: list[str]
    jobs: dict[int, FaxJob]
    settings: AccountSettings
    scheduler: Scheduler


CompletionHook = Callable[[FaxJob, float], None]


class OutboundDesk:
    def __init__(
        self,
        account: DeskAccount,
        rules: LayeredRules,
        bus: EventBus,
        on_complete: CompletionHook,
    ) -> None:
        self.account = account
        self.rules = rules
        self.bus = bus
        self.on_complete = on_complete
        self.queue: list[FaxJob] = []
        self.lines: dict[int, FaxJob] = {}  # line number → job transmitting on it
        self._queue_seq = itertools.count()
        # The scheduled event of each job waiting for one (conversion end, try end, retry);
        # kept here, not on the job, so that no cycle passes through a job (`FaxJob`).
        self.pending: dict[int, ScheduledEvent] = {}

    # --- helpers -----------------------------------------------------------------

    def _emit(self, kind: str, at: float, job: FaxJob, message: str) -> None:
        job.note(at, kind.split(".", 1)[1], message)
        self.bus.emit(
            SimEvent(kind, at, self.account.company, f"job {job.jobid}: {message}",
                     {"jobid": job.jobid})
        )

    def _schedule(self, job: FaxJob, due: float, action: Callable[[float], None],
                  label: str, data: dict[str, Any] | None = None) -> None:
        self.pending[job.jobid] = self.account.scheduler.schedule(
            due, action, label, {"kind": f"job.{label}", "jobid": job.jobid, **(data or {})})

    def _set_state(self, job: FaxJob, state: JobState, queue_state: str) -> None:
        job.state = state
        job.longstatus = state.value
        job.queue_state = queue_state

    @property
    def free_lines(self) -> int:
        return max(0, self.account.settings.outbound_lines - len(self.lines))

    # --- the life cycle ----------------------------------------------------------

    def submit(self, job: FaxJob, at: float) -> None:
        self.account.jobs[job.jobid] = job
        self._set_state(job, JobState.WAITING_FOR_CONVERSION, catalog.QUEUE_CONVERTING)
        self._emit("job.submitted", at, job,
                   f"submitted to {job.destnum}, {job.pagecount} page(s), {job.priority} priority"
                   + ("; fetching its URLs" if job.awaiting_fetch else ""))
        if not job.awaiting_fetch:
            self.start_conversion(job, at)

    def start_conversion(self, job: FaxJob, at: float) -> None:
        """Conversion takes its time from `at` (submit, or when async URLs arrived)."""
        timings = self.account.settings.timings
        done = at + timings.conversion_seconds + timings.conversion_per_page * job.pagecount
        self.schedule_conversion_end(job, done)

    def schedule_conversion_end(self, job: FaxJob, done: float) -> None:
        self._schedule(job, done, lambda t: self._conversion_done(job, t), "conversion")

    def _conversion_done(self, job: FaxJob, at: float) -> None:
        self.pending.pop(job.jobid, None)
        if job.conversion_error is not None or self.rules.conversion_fails(job):
            longstatus = job.conversion_error or catalog.LONG_FAILED_CONVERSION
            self._finish(job, at, JobState.FAILURE, longstatus)
            return
        job.converted = True
        self._enqueue(job, at, catalog.QUEUE_WAITING_FOR_LINE)
        self._emit("job.transition", at, job, "converted; In Queue")
        self.dispatch(at)

    def _enqueue(self, job: FaxJob, at: float, queue_state: str) -> None:
        self._set_state(job, JobState.IN_QUEUE, queue_state)
        job.queue_seq = next(self._queue_seq)
        self.queue.append(job)

    def dispatch(self, at: float) -> None:
        """Give free lines to queued jobs: high priority first, then in queue order.

        A job resting between tries stays in the queue but is not eligible until its retry
        time comes.
        """
        while self.free_lines:
            eligible = [j for j in self.queue if j.queue_state != catalog.QUEUE_WAITING_FOR_RETRY]
            if not eligible:
                return
            job = min(eligible, key=lambda j: (j.priority is not Priority.HIGH, j.queue_seq))
            self.queue.remove(job)
            self._start_try(job, at)

    def _start_try(self, job: FaxJob, at: float) -> None:
        line = next(n for n in itertools.count(1) if n not in self.lines)
        self.lines[line] = job
        job.line = line
        job.tries += 1
        self._set_state(job, JobState.TRANSMITTING, catalog.QUEUE_DIALING)
        outcome = self.rules.outcome(job, job.tries)
        timings = self.account.settings.timings
        dial = outcome.dial_seconds if outcome.dial_seconds is not None else timings.dial_seconds
        per_page = timings.per_page(job.resolution)

        if outcome.kind is TryKind.BUSY:
            end, connected, pages = at + timings.busy_seconds, 0.0, 0
        elif outcome.kind is TryKind.NO_ANSWER:
            end, connected, pages = at + timings.no_answer_seconds, 0.0, 0
        elif outcome.kind is TryKind.DROP:
            pages = (outcome.drop_after_pages if outcome.drop_after_pages is not None
                     else job.pagecount // 2)
            pages = max(0, min(pages, job.pagecount - 1))
            connected = per_page * pages + per_page / 2  # the line drops mid-page
            end = at + dial + connected
        else:
            pages = job.pagecount
            connected = (outcome.transmit_seconds if outcome.transmit_seconds is not None
                         else per_page * job.pagecount + timings.hangup_seconds)
            end = at + dial + connected

        self._emit("job.transition", at, job, f"try {job.tries} dialling on line {line}")
        if connected > 0:
            # Page one starts after the handshake: the queue state becomes "Sending".
            self.account.scheduler.schedule(
                at + dial, lambda t: self._connected(job), "connect",
                {"kind": "job.connect", "jobid": job.jobid})
        self.schedule_try_end(job, end, at, outcome, connected, pages)

    def schedule_try_end(self, job: FaxJob, end: float, started: float, outcome: TryOutcome,
                         connected: float, pages: int) -> None:
        """The end of a dial try (also how a restored state resumes a try on the line)."""
        self._schedule(job, end, lambda t: self._try_done(job, t, started, outcome, connected,
                                                         pages), "try",
                       {"started": started, "outcome": outcome, "connected": connected,
                        "pages": pages})

    def schedule_retry(self, job: FaxJob, due: float) -> None:
        self._schedule(job, due, lambda t: self._retry_due(job, t), "retry")

    def connect_later(self, job: FaxJob, due: float) -> None:
        """A restored try still in its handshake: the queue state turns "Sending" at `due`."""
        self.account.scheduler.schedule(due, lambda t: self._connected(job), "connect",
                                        {"kind": "job.connect", "jobid": job.jobid})

    def _connected(self, job: FaxJob) -> None:
        if job.state is JobState.TRANSMITTING:
            job.queue_state = catalog.QUEUE_SENDING

    def _try_done(self, job: FaxJob, at: float, started: float, outcome: TryOutcome,
                  connected: float, pages: int) -> None:
        self.pending.pop(job.jobid, None)
        assert job.line is not None
        del self.lines[job.line]
        job.attempts.append(DialAttempt(
            number=job.tries, started=started, ended=at, outcome=outcome.kind.value,
            connected_seconds=int(connected), pages_sent=pages, line=job.line,
        ))
        self._emit_call(job, started, at, int(connected))
        job.line = None
        job.xmitpages = pages
        job.xmittime = int(connected)
        if outcome.kind is not TryKind.BUSY and outcome.kind is not TryKind.NO_ANSWER:
            job.csid = outcome.remote_csid if outcome.remote_csid is not None else _csid(job)

        if outcome.kind is TryKind.SUCCESS:
            self._finish(job, at, JobState.SUCCESS, outcome.longstatus or catalog.LONG_SUCCESS)
        elif job.tries >= max(1, self.account.settings.tries):
            longstatus = outcome.longstatus or FAILURE_LONGSTATUS[outcome.kind]
            self._finish(job, at, JobState.FAILURE, longstatus)
        else:
            self._emit("job.transition", at, job,
                       f"try {job.tries} {outcome.kind.value}; retry in "
                       f"{self.account.settings.retry_delay_seconds:g}s")
            self._enqueue(job, at, catalog.QUEUE_WAITING_FOR_RETRY)
            retry_at = at + self.account.settings.retry_delay_seconds
            self.schedule_retry(job, retry_at)
        self.dispatch(at)

    def _emit_call(self, job: FaxJob, started: float, ended: float, billable: int) -> None:
        """One outbound dial attempt ended: the `call` event that call detail records use."""
        src = caller_number(job.tagnumber, self.account.dids)
        self.bus.emit(SimEvent(
            "call", ended, self.account.company,
            f"call OUT {src} -> {job.destnum}, {billable}s billable",
            {"direction": "OUT", "src": src, "dst": job.destnum, "start": started,
             "duration": billable, "answered": billable > 0, "jobid": job.jobid},
        ))

    def _retry_due(self, job: FaxJob, at: float) -> None:
        self.pending.pop(job.jobid, None)
        job.queue_state = catalog.QUEUE_WAITING_FOR_LINE
        self.dispatch(at)

    def stop(self, job: FaxJob, at: float) -> None:
        """Stop a job that is waiting for conversion or in queue (checked by the caller)."""
        event = self.pending.pop(job.jobid, None)
        if event is not None:
            event.cancel()
        if job in self.queue:
            self.queue.remove(job)
        self._finish(job, at, JobState.FAILURE, catalog.LONG_STOPPED)

    def _finish(self, job: FaxJob, at: float, state: JobState, longstatus: str) -> None:
        job.state = state
        job.longstatus = longstatus
        job.queue_state = ""
        job.completetime = at
        if state is JobState.SUCCESS:
            job.xmitpages = job.pagecount
        self._emit("job.completed", at, job, f"{state.value}: {longstatus}")
        job.compact()  # kept for the rest of the run: as small as it gets
        self.on_complete(job, at)

    def transmitting(self) -> list[FaxJob]:
        return [self.lines[n] for n in sorted(self.lines)]


def caller_number(tagnumber: str, dids: list[str]) -> str:
    """The number an outbound call shows: the tagnumber's digits, else the first DID."""
    digits = "".join(c for c in tagnumber if c.isascii() and c.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 10:
        return digits
    return dids[0] if dids else ""


def _csid(job: FaxJob) -> str:
    """A remote station id as a fax machine reports it: its own number, international form."""
    n = job.destnum
    return f"+1 {n[:3]} {n[3:6]} {n[6:]}"

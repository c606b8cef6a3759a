"""The em_notify outbox: one email per completed job whose sender asked for it.

The core composes the message when the job completes (subject the JOBID, body the status
record, to the submitting user's address) and keeps it here, readable through
`GET /_sim/emails`. When an SMTP relay is configured (`--smtp HOST:PORT`) the message also
waits in `ready` until `faxage_sim.notify.email` sends it; the result (sent, or the SMTP
error) comes back through `record_result`. Nothing here does I/O.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Final

import msgspec

from .events import EventBus, SimEvent
from .payloads import NoPayloads, Payloads

if TYPE_CHECKING:
    from .accounts import Account
    from .jobs import FaxJob

DEFAULT_SENDER: Final = "faxage-sim <noreply@faxage-sim.localhost>"


class MailState(StrEnum):
    KEPT = "kept"  # no SMTP relay configured: it stays in the outbox
    QUEUED = "queued"  # waiting for the SMTP relay
    SENT = "sent"
    FAILED = "failed"  # the relay refused it or could not be reached (see `error`)
    NO_ADDRESS = "no-address"  # the submitting user has no email address


class OutboxMessage(msgspec.Struct):
    """A notification email the emulator wrote for a job, as kept for the control plane."""

    id: int
    company: str
    jobid: int
    username: str
    sender: str
    to: str
    subject: str
    body: str
    at: float  # simulated time the job completed
    state: MailState
    error: str | None = None
    sent_wall_time: float | None = None  # real time of the SMTP attempt


class Outbox:
    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self.messages: list[OutboxMessage] = []
        self.ready: deque[OutboxMessage] = deque()
        self.on_ready: Callable[[], None] | None = None
        self.relay_enabled = False
        self.sender = DEFAULT_SENDER
        self.payloads: Payloads = NoPayloads()  # the simulator's (`Simulator.payloads`)
        self._ids = itertools.count(1)

    def job_notice(self, account: Account, job: FaxJob, at: float) -> OutboxMessage:
        """The em_notify email of a completed job (docs/protocol.md: subject the jobid, body the
        status record)."""
        from ..wire import catalog

        user = account.users.get(job.username)
        to = user.email if user is not None else ""
        body = self.payloads.job_email_body(job, account.settings.tz)
        if not to:
            state = MailState.NO_ADDRESS
        else:
            state = MailState.QUEUED if self.relay_enabled else MailState.KEPT
        message = OutboxMessage(
            id=next(self._ids), company=account.company, jobid=job.jobid,
            username=job.username, sender=self.sender, to=to,
            subject=catalog.email_subject(job.jobid), body=body, at=at, state=state)
        self.messages.append(message)
        self.bus.emit(SimEvent("email.composed", at, account.company,
                               f"email {message.id} for job {job.jobid} to {to or '(no address)'}"
                               f": {state.value}", {"email": message.id, "jobid": job.jobid}))
        if state is MailState.QUEUED:
            self.ready.append(message)
            if self.on_ready is not None:
                self.on_ready()
        return message

    def record_result(self, message: OutboxMessage, error: str | None) -> None:
        message.sent_wall_time = time.time()
        message.state = MailState.FAILED if error else MailState.SENT
        message.error = error
        outcome = f"SMTP failed: {error}" if error else "sent over SMTP"
        self.bus.emit(SimEvent(f"email.{message.state.value}", message.at, message.company,
                               f"email {message.id} for job {message.jobid}: {outcome}",
                               {"email": message.id, "jobid": message.jobid}))

    def in_flight(self) -> int:
        return sum(1 for m in self.messages if m.state is MailState.QUEUED)

    def for_company(self, company: str | None) -> list[OutboxMessage]:
        return [m for m in self.messages if company is None or m.company == company]

    def clear(self) -> None:
        self.messages.clear()
        self.ready.clear()

"""Outgoing notifications (job callbacks, inbound pushes): a book of deliveries and attempts.

The core decides *when* an attempt is due (on the account's simulated clock) and what follows
its result (a retry after the policy's backoff, or giving up). The HTTP itself is done outside
the core by `faxage_sim.notify.callbacks`, which takes due attempts from `ready` and reports
back through `record_attempt`.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

import msgspec

from .events import EventBus, SimEvent
from .structs import repr_without

if TYPE_CHECKING:
    from .scheduler import Scheduler
    from .settings import RetryPolicy


class DeliveryAccount(Protocol):
    """What the book reads of an account (`accounts.Account` is one)."""

    company: str
    scheduler: Scheduler


class DeliveryState(StrEnum):
    SCHEDULED = "scheduled"
    IN_FLIGHT = "in-flight"
    DELIVERED = "delivered"
    FAILED = "failed"
    # The last attempt sent the request but no answer came in time: the receiver may well
    # have acted on it, so this is not called a failure.
    TIMED_OUT = "timed out (may have been received)"


# The error of an attempt whose request went out and whose answer did not come in time.
MAYBE_RECEIVED = "timed out (may have been received)"


class DeliveryAttempt(msgspec.Struct):
    """One try at a callback or push: when, and what the receiver answered."""

    attempt: int
    at: float  # simulated time the attempt was due
    wall_time: float  # real time it was made
    status: int | None  # HTTP status, None when no answer came
    error: str | None
    duration_ms: float

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Delivery(msgspec.Struct):
    """A callback (url_notify) or inbound push and its attempts, as the dashboard and the
    control plane show it."""

    __repr__ = repr_without("backoff")

    id: int
    kind: str  # "job" (url_notify) or "inbound" (inbound push)
    company: str
    ref: int  # jobid or recvid
    url: str
    fields: dict[str, str]
    attempts_allowed: int
    timeout_seconds: float
    backoff: Callable[[int], float]
    state: DeliveryState = DeliveryState.SCHEDULED
    attempts: list[DeliveryAttempt] = msgspec.field(default_factory=list)
    next_due: float | None = None


class DeliveryBook:
    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self.deliveries: list[Delivery] = []
        self.ready: deque[tuple[Delivery, float]] = deque()
        self.on_ready: Callable[[], None] | None = None
        self._ids = itertools.count(1)

    def create(self, account: DeliveryAccount, kind: str, ref: int, url: str,
               fields: dict[str, str], at: float, policy: RetryPolicy) -> Delivery:
        delivery = Delivery(
            id=next(self._ids), kind=kind, company=account.company, ref=ref, url=url,
            fields=fields, attempts_allowed=max(1, policy.attempts),
            timeout_seconds=policy.timeout_seconds, backoff=policy.delay_before,
        )
        self.deliveries.append(delivery)
        self._schedule_attempt(account, delivery, at)
        return delivery

    def _schedule_attempt(self, account: DeliveryAccount, delivery: Delivery, due: float) -> None:
        delivery.state = DeliveryState.SCHEDULED
        delivery.next_due = due
        account.scheduler.schedule(due, lambda t: self._make_ready(delivery, t), "delivery",
                                   {"kind": "delivery", "id": delivery.id})

    def resume(self, account: DeliveryAccount, delivery: Delivery, due: float) -> None:
        """A delivery of a restored state: its next attempt at `due`."""
        self._schedule_attempt(account, delivery, due)

    def _make_ready(self, delivery: Delivery, at: float) -> None:
        delivery.state = DeliveryState.IN_FLIGHT
        delivery.next_due = None
        self.ready.append((delivery, at))
        if self.on_ready is not None:
            self.on_ready()

    def record_attempt(self, account: DeliveryAccount | None, delivery: Delivery, at: float,
                       status: int | None, error: str | None, duration_ms: float) -> None:
        number = len(delivery.attempts) + 1
        attempt = DeliveryAttempt(number, at, time.time(), status, error, duration_ms)
        delivery.attempts.append(attempt)
        outcome = f"HTTP {status}" if status is not None else f"error: {error}"
        if attempt.ok:
            delivery.state = DeliveryState.DELIVERED
        elif number < delivery.attempts_allowed and account is not None:
            retry_at = at + delivery.backoff(number + 1)
            self._schedule_attempt(account, delivery, retry_at)
            outcome += f"; retry {number + 1} of {delivery.attempts_allowed} scheduled"
        else:
            delivery.state = (DeliveryState.TIMED_OUT if error == MAYBE_RECEIVED
                              else DeliveryState.FAILED)
        self.bus.emit(SimEvent(
            "callback.attempt", at, delivery.company,
            f"{delivery.kind} callback {delivery.id} (ref {delivery.ref}) attempt {number} "
            f"to {delivery.url}: {outcome}",
            {"delivery": delivery.id},
        ))

    def in_flight(self) -> int:
        return sum(1 for d in self.deliveries if d.state is DeliveryState.IN_FLIGHT)

    def for_company(self, company: str | None) -> list[Delivery]:
        return [d for d in self.deliveries if company is None or d.company == company]

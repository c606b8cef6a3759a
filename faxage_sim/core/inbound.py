"""Inbound faxes: what arrived on an account's numbers, and the calls that brought them.

An inbound call rings one DID. No account owns the number: the call is dropped. The DID is
disabled, or every inbound line of the account is in use: a fast busy, recorded for `busycalls`.
Otherwise the call is answered (`starttime`), the fax comes in page by page, and when the call
ends (`recvdate`) the fax is stored under the next `recvid` — one counter for the whole
simulator, so ids grow with time in every account. Every call ends with one `call` event (the
contract of `core.events`) for call detail records.

`Inbox` is one account's store; `InboundExchange` (one per simulator) routes calls to accounts
and runs them on the owning account's scheduler. Pure Python: the fax file itself is rendered
on first download by `faxage_sim.documents.received`.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import TYPE_CHECKING, Final, Generic, Protocol, TypeVar

import msgspec

from .events import EventBus, SimEvent

# The records live in `incoming` (the traffic generator and the payload builders need them
# too); these names stay importable from here, where every caller has always found them.
from .incoming import TSID_MAX as TSID_MAX
from .incoming import BusyCall as BusyCall
from .incoming import IncomingCall as IncomingCall
from .incoming import ReceivedFax as ReceivedFax
from .incoming import SuppliedDocument as SuppliedDocument
from .numbering import format_display
from .payloads import NoPayloads, Payloads

if TYPE_CHECKING:
    from .deliveries import DeliveryBook
    from .inbound_traffic import TrafficGenerator
    from .scheduler import Scheduler
    from .settings import AccountSettings

FIRST_RECVID: Final = 400001
# From answer to the first page (fax handshake), and from the last page to hang-up.
HANDSHAKE_SECONDS: Final = 10.0
HANGUP_SECONDS: Final = 5.0
# Inbound faxes come at fine resolution: the account's per-page time for resolution 1.
INBOUND_RESOLUTION: Final = 1
# The default account's background traffic when the clock is realtime (faxes per hour).
DEFAULT_REALTIME_RATE_PER_HOUR: Final = 12.0
FAX_FORMATS: Final = {"pdf": "pdf", "tiff": "tif", "tif": "tif"}  # setting → file extension


class FaxQuery(msgspec.Struct):
    """Which received faxes listfax returns (every field optional)."""

    recvid_above: int | None = None  # idgt
    received_from: float | None = None  # begin, inclusive
    no_match: bool = False  # a filter that matches nothing (an unreadable `begin`)
    did: str | None = None  # didnumber
    unhandled_only: bool = False
    dids_allowed: frozenset[str] | None = None  # useronly for a non-manager user
    ascending: bool = False  # idasc: recvid ascending; else by DNIS, newest first

    def matches(self, fax: ReceivedFax) -> bool:
        if self.received_from is not None and fax.recvdate < self.received_from:
            return False
        if self.did is not None and fax.did != self.did:
            return False
        if self.unhandled_only and fax.handled:
            return False
        return self.dids_allowed is None or fax.did in self.dids_allowed


class Inbox:
    """One account's received faxes and busy calls.

    Faxes are kept by recvid in arrival order, which is ascending recvid; `_ids` is the same
    sequence as a list searched with `bisect`, so `idgt` costs O(log n + k) however many faxes
    the account holds. Deleted ids stay in `_ids` until more than half of it is stale.
    """

    def __init__(self) -> None:
        self.faxes: dict[int, ReceivedFax] = {}
        self._ids: list[int] = []
        self.busy_calls: list[BusyCall] = []
        self.in_progress = 0  # answered calls not yet ended
        self.did_urls: dict[str, str] = {}  # inbound push URL per DID (wins over the account's)
        self.handled_count = 0

    def add(self, fax: ReceivedFax) -> None:
        if self._ids and fax.recvid <= self._ids[-1]:
            raise ValueError("recvids must grow")
        self.faxes[fax.recvid] = fax
        self._ids.append(fax.recvid)
        self.handled_count += fax.handled

    def get(self, recvid: int) -> ReceivedFax | None:
        return self.faxes.get(recvid)

    def delete(self, recvid: int) -> bool:
        fax = self.faxes.pop(recvid, None)
        if fax is None:
            return False
        self.handled_count -= fax.handled
        if len(self._ids) > 64 and len(self.faxes) * 2 < len(self._ids):
            self._ids = list(self.faxes)
        return True

    def mark(self, fax: ReceivedFax, handled: bool) -> None:
        if fax.handled != handled:
            self.handled_count += 1 if handled else -1
            fax.handled = handled

    def after(self, recvid: int | None) -> Iterator[ReceivedFax]:
        """Faxes with a recvid above `recvid` (all when None), ascending."""
        start = 0 if recvid is None else bisect.bisect_right(self._ids, recvid)
        faxes = self.faxes
        for index in range(start, len(self._ids)):
            fax = faxes.get(self._ids[index])
            if fax is not None:
                yield fax

    def select(self, query: FaxQuery) -> list[ReceivedFax]:
        if query.no_match:
            return []
        found = [f for f in self.after(query.recvid_above) if query.matches(f)]
        if not query.ascending:
            # By DNIS, then newest first (recvid breaks ties within one second).
            found.sort(key=lambda f: (f.did, -f.recvdate, -f.recvid))
        return found

    def __len__(self) -> int:
        return len(self.faxes)


class CallOutcome(StrEnum):
    ANSWERED = "answered"
    BUSY = "busy"
    DROPPED = "dropped"


BUSY_DISABLED: Final = "DID disabled"
BUSY_ALL_LINES: Final = "all inbound lines in use"


class CallResult(msgspec.Struct):
    """What became of one inbound call: received, busy or refused, and for which account."""

    outcome: CallOutcome
    company: str | None
    starttime: float | None = None
    recvdate: float | None = None
    busy_reason: str | None = None
    fax: ReceivedFax | None = None  # set once the call has ended


RecvidSource = Callable[[], int]


class InboundAccount(Protocol):
    """What the exchange reads of an account (`accounts.Account` is one)."""

    company: str
    dids: list[str]
    settings: AccountSettings
    scheduler: Scheduler
    inbox: Inbox
    disabled_dids: set[str]

    def now(self) -> float: ...

    def owns_did(self, number: str) -> bool: ...


A = TypeVar("A", bound=InboundAccount)


class InboundExchange(Generic[A]):
    """Routes inbound calls to the accounts that own the numbers, on their clocks."""

    def __init__(self, accounts: dict[str, A], bus: EventBus,
                 deliveries: DeliveryBook, next_recvid: RecvidSource, seed: int) -> None:
        self.accounts = accounts
        self.bus = bus
        self.deliveries = deliveries
        self.payloads: Payloads = NoPayloads()  # the simulator's (`Simulator.payloads`)
        self.next_recvid = next_recvid
        self.seed = seed
        self.generators: dict[str, TrafficGenerator] = {}

    # --- routing ------------------------------------------------------------------

    def owner(self, did: str) -> A | None:
        for account in self.accounts.values():
            if account.owns_did(did):
                return account
        return None

    def ring(self, call: IncomingCall, at: float | None = None,
             account: A | None = None) -> CallResult:
        """A call arrives now (or at `at`) on the owning account's clock."""
        account = account or self.owner(call.did)
        if account is None or not account.owns_did(call.did):
            self.bus.emit(SimEvent(
                "inbound.dropped", at or 0.0, None,
                f"call from {_shown(call.cid)} to {call.did} dropped: no account has the number",
                {"did": call.did}))
            return CallResult(CallOutcome.DROPPED, None)
        when = account.now() if at is None else at
        inbox = account.inbox
        if call.did in account.disabled_dids:
            return self._busy(account, call, when, BUSY_DISABLED)
        if inbox.in_progress >= account.settings.inbound_lines:
            return self._busy(account, call, when, BUSY_ALL_LINES)
        inbox.in_progress += 1
        end = when + self.transmit_seconds(account, call)
        result = CallResult(CallOutcome.ANSWERED, account.company, when, end)
        self.bus.emit(SimEvent(
            "inbound.answered", when, account.company,
            f"call from {_shown(call.cid)} to {call.did} answered; {call.pages} page(s) coming",
            {"did": call.did}))
        account.scheduler.schedule(
            end, lambda t: self._ended(account, call, when, t, result), "inbound call",
            {"kind": "inbound.call", "call": call, "start": when})
        return result

    def resume_call(self, account: A, call: IncomingCall, start: float,
                    end: float) -> CallResult:
        """An answered call of a restored state: it ends at `end` as it would have."""
        result = CallResult(CallOutcome.ANSWERED, account.company, start, end)
        account.scheduler.schedule(
            end, lambda t: self._ended(account, call, start, t, result), "inbound call",
            {"kind": "inbound.call", "call": call, "start": start})
        return result

    def ring_at(self, call: IncomingCall, account: A, due: float) -> None:
        """Schedule a call at simulated time `due` on the account's clock."""
        account.scheduler.schedule(due, lambda t: self._ring_at(call, account, t),
                                   "inbound ring", {"kind": "inbound.ring", "call": call})

    def ring_later(self, call: IncomingCall, account: A, delay: float) -> None:
        """Schedule a call `delay` simulated seconds from now on the account's clock."""
        self.ring_at(call, account, account.now() + delay)

    def _ring_at(self, call: IncomingCall, account: A, at: float) -> None:
        self.ring(call, at, account)  # dropped if the number has left the account meanwhile

    @staticmethod
    def transmit_seconds(account: A, call: IncomingCall) -> float:
        if call.duration is not None:
            return call.duration
        per_page = account.settings.timings.per_page(INBOUND_RESOLUTION)
        return HANDSHAKE_SECONDS + per_page * call.pages + HANGUP_SECONDS

    # --- outcomes -----------------------------------------------------------------

    def _busy(self, account: A, call: IncomingCall, at: float,
              reason: str) -> CallResult:
        account.inbox.busy_calls.append(BusyCall(call.did, call.cid, at, reason))
        self.bus.emit(SimEvent(
            "inbound.busy", at, account.company,
            f"call from {_shown(call.cid)} to {call.did}: fast busy ({reason})",
            {"did": call.did, "reason": reason}))
        self._emit_call(account, call, at, at, answered=False)
        return CallResult(CallOutcome.BUSY, account.company, at, at, busy_reason=reason)

    def _ended(self, account: A, call: IncomingCall, start: float, end: float,
               result: CallResult) -> None:
        inbox = account.inbox
        inbox.in_progress = max(0, inbox.in_progress - 1)
        fax = ReceivedFax(
            recvid=self.next_recvid(), company=account.company, did=call.did, cid=call.cid,
            tsid=call.tsid[:TSID_MAX], sender=call.sender, starttime=start, recvdate=end,
            pagecount=max(1, call.pages),
            extension=FAX_FORMATS.get(account.settings.fax_format.lower(), "pdf"),
            document=call.document,
        )
        inbox.add(fax)
        result.fax = fax
        self._emit_call(account, call, start, end, answered=True, recvid=fax.recvid)
        self.bus.emit(SimEvent(
            "inbound.received", end, account.company,
            f"fax {fax.recvid} received on {call.did} from {_shown(call.cid)}: "
            f"{fax.pagecount} page(s), {fax.duration}s",
            {"recvid": fax.recvid, "did": call.did}))
        url = inbox.did_urls.get(call.did) or account.settings.inbound_url
        if url:
            self.deliveries.create(
                account, "inbound", fax.recvid, url,
                self.payloads.inbound_push(fax, account.settings.tz), end,
                account.settings.callback_policy)

    def _emit_call(self, account: A, call: IncomingCall, start: float, end: float,
                   *, answered: bool, recvid: int | None = None) -> None:
        """One inbound call ended: the `call` event that call detail records use."""
        billable = int(end - start) if answered else 0
        data: dict[str, object] = {
            "direction": "IN", "src": call.cid, "dst": call.did, "start": start,
            "duration": billable, "answered": answered,
        }
        if recvid is not None:
            data["recvid"] = recvid
        self.bus.emit(SimEvent(
            "call", end, account.company,
            f"call IN {_shown(call.cid)} -> {call.did}, {billable}s billable", data))

    # --- background traffic -------------------------------------------------------

    def attach(self, account: A) -> None:
        """A new account: its traffic generator (running when its rate is above zero)."""
        from .inbound_traffic import TrafficGenerator

        def ring(call: IncomingCall, at: float) -> None:
            self.ring(call, at, account)

        self.generators[account.company] = TrafficGenerator(ring, account, self.seed)
        self.settings_changed(account)

    def settings_changed(self, account: A) -> None:
        generator = self.generators.get(account.company)
        if generator is not None and generator.account is account:
            generator.refresh()

    def generated_call(self, account: A, did: str | None = None,
                       cid: str | None = None) -> IncomingCall:
        """A plausible call to one of the account's numbers, from the account's generator
        (from `cid` when given: its station id then shows that number, not another)."""
        generator = self.generators.get(account.company)
        if generator is None or generator.account is not account:
            self.attach(account)
            generator = self.generators[account.company]
        return generator.make_call(did, cid)

    def reset(self) -> None:
        self.generators.clear()


def _shown(cid: str) -> str:
    return format_display(cid) if cid else "unknown caller"

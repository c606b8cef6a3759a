"""Call detail records: one per phone call of the simulated network, per account.

Every ended call — each outbound dial try (busy and unanswered ones too) and each inbound call
(busy ones too) — arrives as a `call` event on the simulator's bus and becomes one record. A
record gets its `nuid` when it is written, i.e. when the call has ended, from one counter for
the whole simulator: so `nuid > N` finds every record written after the one numbered N exactly
once, even while traffic continues (a call that started earlier but ended later still gets the
higher id).

Each account keeps its records twice, both as plain lists searched with `bisect`: in nuid order
(appended, since ids only grow) for `nuidgt`, and in calldate order for `begin`/`end`. Calls
end almost in the order they start, so inserting into the calldate list lands near its end.
Both selections cost O(log n + k) for k matching records, however many the account holds;
`nuidgt` near 0 (a long tail, which would need a sort by calldate) reads the calldate list
instead, a step at a time (`select_steps`), so that no step holds the event loop long.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from enum import StrEnum
from operator import attrgetter
from typing import Any, NamedTuple

import msgspec

from .events import SimEvent

FIRST_NUID = 1
# Records read between two yields to the event loop while a selection is answered.
SELECT_STEP = 2000
# A nuid tail up to this long is sorted by calldate at once (~5 ms); a longer one is read
# from the calldate index in steps.
SORT_AT_MOST = 20_000
CALL_EVENT = "call"


class Direction(StrEnum):
    IN = "IN"
    OUT = "OUT"


# A frozen Struct, never tracked by the cyclic garbage collector (it holds only atoms): a
# million records are kept, and as NamedTuples (tracked: a tuple subclass is never
# untracked) a full collection walked every one, 0.6-0.9 s that fell in some request. Also
# smaller (64 bytes against 104). Stored as a list of its fields (`array_like`).
class CallRecord(msgspec.Struct, frozen=True, gc=False, array_like=True):
    nuid: int
    calldate: int  # call start, simulated epoch seconds
    direction: Direction
    src: str  # the calling number
    dst: str  # outbound: the dialled number; inbound: the account's DID called
    duration: int  # billable seconds, pickup to hangup, not rounded; 0 when never answered


class CdrQuery(NamedTuple):
    """Which records getcdr.php returns. At least one selection (nuid or date range) must be
    given for any record to match; `inbound_to` narrows either one."""

    nuid_above: int | None = None
    begin: float | None = None  # inclusive, simulated epoch
    end: float | None = None  # inclusive
    inbound_to: str | None = None

    @property
    def selects(self) -> bool:
        return self.nuid_above is not None or (self.begin is not None and self.end is not None)


class AccountCdrs:
    """One account's records, indexed by nuid and by calldate."""

    def __init__(self) -> None:
        self.nuids: list[int] = []
        self.by_nuid: list[CallRecord] = []
        self.calldates: list[int] = []
        self.by_calldate: list[CallRecord] = []

    @classmethod
    def of(cls, records: list[CallRecord]) -> AccountCdrs:
        """The index of `records` (ascending nuid) at once: what adding them one by one gives
        (the sort is stable, so equal calldates keep nuid order), in a fraction of the time."""
        index = cls()
        index.nuids = [record.nuid for record in records]
        index.by_nuid = list(records)
        index.by_calldate = sorted(records, key=_CALLDATE)
        index.calldates = [record.calldate for record in index.by_calldate]
        return index

    def add(self, record: CallRecord) -> None:
        self.nuids.append(record.nuid)
        self.by_nuid.append(record)
        # bisect_right: among equal calldates the newer (higher nuid) record goes last.
        at = bisect.bisect_right(self.calldates, record.calldate)
        self.calldates.insert(at, record.calldate)
        self.by_calldate.insert(at, record)

    def __len__(self) -> int:
        return len(self.nuids)

    def select(self, query: CdrQuery) -> list[CallRecord]:
        """The matching records, ascending by calldate (ties: ascending nuid)."""
        return [record for part in self.select_steps(query) for record in part]

    def select_steps(self, query: CdrQuery,
                     step: int | None = None) -> Iterator[list[CallRecord]]:
        """The matching records of `select`, in parts that each cost at most `step` records
        read (a part may be empty): a caller on the event loop yields between two. The rows
        are taken at the first part, so the answer is the store as it was then."""
        step = step or SELECT_STEP
        if query.nuid_above is not None:
            start = bisect.bisect_right(self.nuids, query.nuid_above)
            if len(self.by_nuid) - start <= SORT_AT_MOST:
                # A short tail (a client paging new records): sorted at once, a few ms at
                # most. Stable: equal calldates stay in nuid order. Nearly sorted already.
                found = sorted(self.by_nuid[start:], key=_CALLDATE)
                if query.begin is not None and query.end is not None:
                    found = [r for r in found if query.begin <= r.calldate <= query.end]
                yield from self._parts(found, query.inbound_to, step)
                return
            # A long tail (nuidgt near 0): sorting it held the loop ~0.7 s at a million.
            # The calldate index has the order already (ties in nuid order, as they were
            # inserted); the tail's records are picked from it a part at a time.
            rows = self._calldate_rows(query)
            nuid_above = query.nuid_above
            for at in range(0, len(rows), step):
                yield [r for r in rows[at:at + step] if r.nuid > nuid_above
                       and (query.inbound_to is None or _inbound_to(r, query.inbound_to))]
        elif query.begin is not None and query.end is not None:
            yield from self._parts(self._calldate_rows(query), query.inbound_to, step)

    def _calldate_rows(self, query: CdrQuery) -> list[CallRecord]:
        """The records from `begin` to `end` by calldate (all without them): a copy of
        pointers, ~1 ms a hundred thousand."""
        if query.begin is None or query.end is None:
            return self.by_calldate[:]
        low = bisect.bisect_left(self.calldates, query.begin)
        high = bisect.bisect_right(self.calldates, query.end)
        return self.by_calldate[low:high]

    @staticmethod
    def _parts(rows: list[CallRecord], inbound_to: str | None,
               step: int) -> Iterator[list[CallRecord]]:
        for at in range(0, len(rows), step):
            part = rows[at:at + step]
            yield part if inbound_to is None else [r for r in part
                                                   if _inbound_to(r, inbound_to)]


def _inbound_to(record: CallRecord, did: str) -> bool:
    return record.direction is Direction.IN and record.dst == did


_CALLDATE = attrgetter("calldate")


class CdrStore:
    """Every account's call detail records, with one ascending nuid counter."""

    def __init__(self) -> None:
        self._accounts: dict[str, AccountCdrs] = {}
        self._next_nuid = FIRST_NUID

    def observe(self, event: SimEvent) -> None:
        """EventBus observer: a `call` event becomes a record of the event's account."""
        if event.kind != CALL_EVENT or event.company is None:
            return
        data: dict[str, Any] = event.data
        self.record(event.company, Direction(data["direction"]), str(data["src"]),
                    str(data["dst"]), start=float(data["start"]),
                    duration=int(data["duration"]))

    def record(self, company: str, direction: Direction, src: str, dst: str, *,
               start: float, duration: int) -> CallRecord:
        record = CallRecord(self._next_nuid, int(start), direction, src, dst,
                            max(0, int(duration)))
        self._next_nuid += 1
        self._accounts.setdefault(company, AccountCdrs()).add(record)
        return record

    def record_many(self, company: str,
                    calls: Iterable[tuple[Direction, str, str, float, int]]) -> int:
        """Bulk insert of (direction, src, dst, start, duration); the number written."""
        written = 0
        for direction, src, dst, start, duration in calls:
            self.record(company, direction, src, dst, start=start, duration=duration)
            written += 1
        return written

    def select(self, company: str, query: CdrQuery) -> list[CallRecord]:
        if not query.selects:
            return []  # neither selection: nothing (the vendor document's rule)
        cdrs = self._accounts.get(company)
        return cdrs.select(query) if cdrs is not None else []

    def select_steps(self, company: str, query: CdrQuery,
                     step: int | None = None) -> Iterator[list[CallRecord]]:
        """`select` in parts of bounded cost (AccountCdrs.select_steps)."""
        cdrs = self._accounts.get(company)
        if query.selects and cdrs is not None:
            yield from cdrs.select_steps(query, step)

    def count(self, company: str | None = None) -> int:
        if company is None:
            return sum(len(c) for c in self._accounts.values())
        cdrs = self._accounts.get(company)
        return len(cdrs) if cdrs is not None else 0

    @property
    def last_nuid(self) -> int:
        """The highest nuid handed out so far (FIRST_NUID - 1 when none)."""
        return self._next_nuid - 1

    def forget(self, company: str) -> None:
        """A removed account's records go with it (a new account may reuse the company)."""
        self._accounts.pop(company, None)

    def clear(self) -> None:
        """Back to a fresh start: no records, and the counter starts over."""
        self._accounts.clear()
        self._next_nuid = FIRST_NUID

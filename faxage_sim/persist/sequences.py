"""Ids reserved durably ahead of use, as a database sequence does: no id handed out is ever
handed out again, whatever dies when.

Every counter the emulator hands ids from (JOBIDs, commids, companies, recvids, nuids,
callback and email ids, journal sequence numbers) is wrapped in a `ReservedCounter`. The
`--state` file's `meta` table holds, per counter, a high-water mark: no id at or above it has
been handed out. Before a counter hands out the id equal to its mark, the next block
(`BLOCK` ids) is committed synchronously; from half-way through a block, the next one rides
along with the next regular save, so the synchronous commit is rare. After a crash the
counters restart at the marks — the sequence jumps, as a database's does — and after a clean
stop the marks are brought down to the counters, so a restart continues where it stopped.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..core.cdr import CallRecord, CdrStore, Direction
from .store import META_KEY

if TYPE_CHECKING:
    from ..server.state import AppState

BLOCK = 1000  # ids reserved at a time


class ReservedCounter(Iterator[int]):
    """`itertools.count` whose next value never reaches `limit` unreserved."""

    __slots__ = ("ahead_asked", "limit", "name", "reserve", "value")

    def __init__(self, name: str, value: int, limit: int,
                 reserve: Callable[[str, int, bool], None]) -> None:
        self.name = name
        self.value = value
        self.limit = limit
        self.reserve = reserve  # (name, the value about to be handed out, must it be now?)
        self.ahead_asked = False

    def __next__(self) -> int:
        value = self.value
        if value >= self.limit - BLOCK // 2:
            if value >= self.limit:
                self.reserve(self.name, value, True)  # committed before the id is given
            elif not self.ahead_asked:
                self.ahead_asked = True
                self.reserve(self.name, value, False)  # with the next regular save
        self.value = value + 1
        return value

    def __repr__(self) -> str:
        return f"count({self.value})"  # what `model.counter_value` reads


class ReservedCdrStore(CdrStore):
    """The call records' nuid counter (a plain int) behind the same reservation."""

    reserve_nuid: Callable[[int], None]

    def record(self, company: str, direction: Direction, src: str, dst: str, *,
               start: float, duration: int) -> CallRecord:
        self.reserve_nuid(self._next_nuid)
        return super().record(company, direction, src, dst, start=start, duration=duration)


def counter_slots(state: AppState) -> dict[str, tuple[Any, str]]:
    """Where each itertools-style counter lives: name -> (object, attribute)."""
    sim = state.sim
    return {"jobids": (sim._counters, "jobids"), "commids": (sim._counters, "commids"),
            "companies": (sim._counters, "companies"), "recvids": (sim._counters, "recvids"),
            "deliveries": (sim.deliveries, "_ids"), "emails": (sim.outbox, "_ids"),
            "journal": (state.journal, "_seq")}


def read_marks(conn: sqlite3.Connection) -> dict[str, int]:
    """The marks a `--state` file holds ({} when none: a file of an older faxage-sim)."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()
    if row is None:
        return {}
    from .validate import RecordError, check_counters, strict_json

    marks = strict_json(row[0], "meta reserved_ids")
    if not isinstance(marks, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in marks.values()):
        raise RecordError("meta reserved_ids: expected an object of whole numbers")
    check_counters(marks, required=False, where="meta reserved_ids")
    return {str(k): v for k, v in marks.items()}


class Sequences:
    """The marks of one `--state` file and the counters they guard."""

    def __init__(self, state: AppState, marks: dict[str, int],
                 commit: Callable[[dict[str, int]], None]) -> None:
        self.state = state
        self.marks = dict(marks)  # what the file holds
        self.commit = commit  # writes marks synchronously (the caller serialises with saves)
        self.ahead: dict[str, int] = {}  # marks to write with the next save
        self.done: dict[str, int] | None = None  # committed by the writer thread, not applied

    # --- wrapping ------------------------------------------------------------------------

    def start_after_marks(self) -> None:
        """After loading a file: ids below a mark may have been handed out before a crash,
        so each counter starts at its mark at least."""
        from .model import counter_value

        for name, (owner, attribute) in counter_slots(self.state).items():
            mark = self.marks.get(name)
            if mark is not None and counter_value(getattr(owner, attribute)) < mark:
                setattr(owner, attribute, itertools.count(mark))
        cdrs = self.state.sim.cdrs
        mark = self.marks.get("nuid")
        if mark is not None and cdrs._next_nuid < mark:
            cdrs._next_nuid = mark

    def guard(self) -> None:
        """Wrap every counter not wrapped yet (at start, and after a load, restore or reset
        replaced some); reserve the first blocks synchronously."""
        from .model import counter_value

        wanted: dict[str, int] = {}
        for name, (owner, attribute) in counter_slots(self.state).items():
            counter = getattr(owner, attribute)
            if isinstance(counter, ReservedCounter) and counter.reserve == self.reserve:
                continue
            value = counter_value(counter)
            limit = self.marks.get(name, 0)
            if value + BLOCK // 2 > limit:
                limit = wanted[name] = value + BLOCK
            setattr(owner, attribute, ReservedCounter(name, value, limit, self.reserve))
        cdrs = self.state.sim.cdrs
        if not isinstance(cdrs, ReservedCdrStore):
            cdrs.__class__ = ReservedCdrStore
        if getattr(cdrs, "reserve_nuid", None) != self.reserve_nuid:
            assert isinstance(cdrs, ReservedCdrStore)
            cdrs.reserve_nuid = self.reserve_nuid
        if cdrs._next_nuid + BLOCK // 2 > self.marks.get("nuid", 0):
            wanted["nuid"] = cdrs._next_nuid + BLOCK
        if wanted:
            self._commit_now(wanted)

    # --- reserving -----------------------------------------------------------------------

    def apply_done(self) -> None:
        """Marks the writer thread committed with a save: let the counters use them (on the
        event loop's thread, where the counters are used)."""
        done, self.done = self.done, None
        if done is not None:
            self.committed(done)

    def reserve(self, name: str, value: int, now: bool) -> None:
        new = value + BLOCK
        if now:
            self.apply_done()
            if self.marks.get(name, 0) > value:  # the block ahead is in the file already
                self.committed({})
                return
            self._commit_now({name: new})
        else:
            self.ahead[name] = max(self.ahead.get(name, 0), new)

    def reserve_nuid(self, value: int) -> None:
        mark = self.marks.get("nuid", 0)
        if value >= mark:
            self.apply_done()
            if self.marks.get("nuid", 0) > value:
                return
            self._commit_now({"nuid": value + BLOCK})
        elif value >= mark - BLOCK // 2 and "nuid" not in self.ahead:
            self.ahead["nuid"] = value + BLOCK

    def _commit_now(self, changes: dict[str, int]) -> None:
        marks = {**self.marks, **changes}
        self.commit(marks)  # raises only if the file cannot be written (logged by caller)
        self.committed(marks)

    def take_ahead(self) -> dict[str, int] | None:
        """Marks to write with the next save (None: nothing new)."""
        if not self.ahead:
            return None
        marks = {**self.marks, **{k: max(v, self.marks.get(k, 0))
                                  for k, v in self.ahead.items()}}
        self.ahead = {}
        return marks

    def committed(self, marks: dict[str, int]) -> None:
        """`marks` are in the file: the counters may hand ids out up to them."""
        for name, value in marks.items():
            if value > self.marks.get(name, -1) or name not in self.marks:
                self.marks[name] = value
        for name, (owner, attribute) in counter_slots(self.state).items():
            counter = getattr(owner, attribute)
            if isinstance(counter, ReservedCounter) and name in self.marks \
                    and self.marks[name] > counter.limit:
                counter.limit = self.marks[name]
                counter.ahead_asked = False

    def current(self) -> dict[str, int]:
        """Marks equal to the counters' next values (a clean stop: no jump on restart)."""
        from .model import counter_value

        marks = {name: counter_value(getattr(owner, attribute))
                 for name, (owner, attribute) in counter_slots(self.state).items()}
        marks["nuid"] = self.state.sim.cdrs._next_nuid
        return marks

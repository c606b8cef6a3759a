"""The request journal: every request the emulator answered, for the control plane and tests.

Bounded in count and in bytes: past `limit` entries, or past `byte_limit` bytes of what the
entries keep, the oldest are dropped, and the drops are counted and reported (never silent).
Each entry is cut to a budget first (`core/budget.py`): long names and values are marked
with their size, and a request's fields past JOURNAL_FIELDS_BUDGET are counted, not kept.
`JournalQuery` selects entries; counting them is how a test asserts what its client did
without parsing the log.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import msgspec

from ..core.budget import cut_text, fit_costed, text_cost
from ..core.structs import repr_without
from ..wire.forms import PhpPost

# Never kept in the journal: secrets and bulk file data.
ELIDED_FIELDS = frozenset({"password", "faxfiledata"})
MASK = "********"
ANSWER_KEPT = 2000  # characters of each answer the journal keeps for the dashboard


class JournalEntry(msgspec.Struct):
    """One request as the journal keeps it: what came, what was answered, and why."""

    __repr__ = repr_without("answer")

    seq: int
    wall_time: float
    sim_time: float | None
    path: str
    method: str
    client_ip: str
    operation: str | None
    company: str | None  # the account, once the login succeeded
    username: str | None
    fields: dict[str, Any]
    status: int
    first_line: str
    duration_ms: float
    outcome: str = ""  # short summary: "JOBID 123", "error 02", "ok", "file"
    fault: str | None = None  # the name of the injected fault applied
    fault_effect: str | None = None  # what it did: "HTTP 502", "ERR01", "latency 0.2s"...
    named_company: str | None = None  # the company the POST named (a failed login too)
    extra: dict[str, Any] = msgspec.field(default_factory=dict)
    # For the console only (not in the journal's JSON): how many records the answer carried,
    # and why the body was read as an empty POST, when it was not a form.
    records: int = 1
    unread_body: str | None = None
    # The answer's text, cut at ANSWER_KEPT characters (for the dashboard; not in as_json).
    answer: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "wall_time": self.wall_time, "sim_time": self.sim_time,
            "path": self.path, "method": self.method, "client_ip": self.client_ip,
            "operation": self.operation, "company": self.company, "username": self.username,
            "named_company": self.named_company,
            "fields": self.fields, "status": self.status, "first_line": self.first_line,
            "duration_ms": round(self.duration_ms, 3), "outcome": self.outcome,
            "fault": self.fault, "fault_effect": self.fault_effect, **self.extra,
        }


# A longer value is journaled as its size: the journal keeps thousands of requests, and a
# hostile client's megabytes must not stay in memory with each of them.
JOURNAL_VALUE_MAX = 1024
JOURNAL_NAME_MAX = 128  # a longer field name is kept as its start and its size
# Characters of one request's fields (names and values) kept; later fields are counted.
JOURNAL_FIELDS_BUDGET = 16 * 1024
JOURNAL_TEXT_MAX = 256  # operation, username, company, the answer's first line...
# Bytes the whole journal keeps (an estimate of what its entries hold), whatever their count.
DEFAULT_JOURNAL_BYTES = 64 * 1024 * 1024
ENTRY_OVERHEAD = 600  # bytes of one entry's objects besides its text (measured, rounded up)


def _bounded(value: Any) -> Any:
    if isinstance(value, dict):
        return {_bounded(key) if isinstance(key, str) else key: _bounded(item)
                for key, item in value.items()}
    return value if len(value) <= JOURNAL_VALUE_MAX else f"<{len(value)} chars>"


def elide_fields(post: PhpPost) -> dict[str, Any]:
    """The POST for the journal: password masked, file data replaced by its size, and any
    other value over JOURNAL_VALUE_MAX characters too; cut to JOURNAL_FIELDS_BUDGET."""
    return journal_fields(post)[0]


def journal_fields(post: PhpPost) -> tuple[dict[str, Any], int]:
    """`elide_fields`, and the characters it keeps (`text_cost` of it, the entry's size in
    `Journal.add`): masked, bounded, fitted to the budget and costed in one pass."""
    items: Iterable[tuple[Any, Any]] = post.values.items()
    if any(type(key) is not str or len(key) > JOURNAL_NAME_MAX for key in post.values):
        # A name made text or cut: two may read alike, and the later value then replaces the
        # earlier one in place (a dict), before the budget is applied.
        items = {cut_text(str(key), JOURNAL_NAME_MAX): value for key, value in items}.items()
    return fit_costed((_journaled(name, value) for name, value in items),
                      JOURNAL_FIELDS_BUDGET)


def _journaled(name: str, value: Any) -> tuple[str, Any, int]:
    """A field as the journal keeps it, and its cost (`field_cost`)."""
    if type(value) is str and name not in ELIDED_FIELDS:  # most fields: kept as posted
        kept: Any = value if len(value) <= JOURNAL_VALUE_MAX else f"<{len(value)} chars>"
        return name, kept, len(name) + len(kept)
    kept = _elided(name, value)
    return name, kept, len(name) + text_cost(kept)


def _elided(name: str, value: Any) -> Any:
    """A field not kept as posted: the password masked, file data as sizes, a nested array
    with each long value as its size."""
    if name == "password":
        return MASK
    if name in ELIDED_FIELDS:
        if isinstance(value, dict):
            return {str(k): f"<{len(v)} chars>" if isinstance(v, str) else "<array>"
                    for k, v in value.items()}
        return f"<{len(value)} chars>"
    return _bounded(value)


# The entry's texts cut to JOURNAL_TEXT_MAX (the answer is kept to ANSWER_KEPT instead).
_CUT_TEXTS = ("path", "operation", "username", "company", "named_company", "first_line",
              "outcome", "unread_body", "fault", "fault_effect")


def _fit_entry(entry: JournalEntry, fields_cost: int | None = None) -> int:
    """Cut the entry's free texts to JOURNAL_TEXT_MAX; the bytes it keeps (an estimate).
    `fields_cost`: `text_cost(entry.fields)`, when the caller has it (`journal_fields`)."""
    cut = (entry.path, entry.operation, entry.username, entry.company, entry.named_company,
           entry.first_line, entry.outcome, entry.unread_body, entry.fault, entry.fault_effect)
    if max(map(len, filter(None, cut)), default=0) > JOURNAL_TEXT_MAX:  # rare: a hostile client's
        for name in _CUT_TEXTS:
            value = getattr(entry, name)
            if isinstance(value, str) and len(value) > JOURNAL_TEXT_MAX:
                setattr(entry, name, cut_text(value, JOURNAL_TEXT_MAX))
    texts = (entry.path, entry.operation, entry.username, entry.company, entry.named_company,
             entry.first_line, entry.outcome, entry.unread_body, entry.answer, entry.client_ip)
    return (ENTRY_OVERHEAD + (text_cost(entry.fields) if fields_cost is None else fields_cost)
            + (text_cost(entry.extra) if entry.extra else 0) + sum(map(len, filter(None, texts))))


ANY_FAULT = "any"
NO_FAULT = "none"


class JournalQuery(msgspec.Struct, frozen=True):
    """Every field optional; an entry matches when it matches all that are given."""

    operation: str | None = None
    company: str | None = None  # the account, or the company a failed login named
    username: str | None = None
    path: str | None = None
    since_seq: int | None = None  # entries after this sequence number
    since_time: float | None = None  # simulated time, inclusive
    until_time: float | None = None  # simulated time, exclusive
    fault: str | None = None  # a fault's name, "any" (some fault) or "none"
    status: int | None = None
    outcome: str | None = None  # "JOBID" matches every "JOBID 123"
    fields: tuple[tuple[str, str], ...] = ()  # posted fields, compared as text

    def matches(self, e: JournalEntry) -> bool:
        if self.operation is not None and e.operation != self.operation:
            return False
        if self.company is not None and e.company != self.company \
                and (e.company is not None or e.named_company != self.company):
            return False
        if self.username is not None and e.username != self.username:
            return False
        if self.path is not None and e.path != self.path:
            return False
        if self.since_seq is not None and e.seq <= self.since_seq:
            return False
        if self.since_time is not None and (e.sim_time is None or e.sim_time < self.since_time):
            return False
        if self.until_time is not None and (e.sim_time is None
                                            or e.sim_time >= self.until_time):
            return False
        if self.status is not None and e.status != self.status:
            return False
        if self.outcome is not None and not (e.outcome == self.outcome
                                             or e.outcome.startswith(self.outcome + " ")):
            return False
        if not self._fault_matches(e.fault):
            return False
        return all(_field_text(e.fields.get(name)) == value for name, value in self.fields)

    def _fault_matches(self, fault: str | None) -> bool:
        if self.fault is None:
            return True
        if self.fault == ANY_FAULT:
            return fault is not None
        if self.fault == NO_FAULT:
            return fault is None
        return fault == self.fault


def _field_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):  # a PHP array: its values joined, as a client posted them
        return ",".join(str(v) for v in value.values())
    return str(value)


class Selection(msgspec.Struct, frozen=True):
    """The journal entries a query matched (the newest `limit`) and how many matched in all."""

    entries: list[JournalEntry]  # the newest `limit` of those that matched
    matched: int

    @property
    def omitted(self) -> int:
        return self.matched - len(self.entries)


class Journal:
    def __init__(self, limit: int, byte_limit: int = DEFAULT_JOURNAL_BYTES) -> None:
        self.limit = max(1, limit)
        self.byte_limit = max(1, byte_limit)
        self._entries: deque[JournalEntry] = deque()
        self._sizes: deque[int] = deque()  # bytes each entry keeps, in step with `entries`
        self.bytes = 0
        self.dropped = 0
        self._seq = itertools.count(1)
        # Called once when the journal first drops an entry, with the line that says why
        # (`drop_notice`; the console prints it).
        self.on_first_drop: Callable[[str], None] | None = None

    @property
    def entries(self) -> deque[JournalEntry]:
        return self._entries

    @entries.setter
    def entries(self, entries: deque[JournalEntry]) -> None:
        """Entries restored from a file: cut and counted like new ones."""
        self._entries = deque(entries)
        self._sizes = deque(_fit_entry(e) for e in self._entries)
        self.bytes = sum(self._sizes)
        while len(self._entries) > 1 and self.bytes > self.byte_limit:
            self._entries.popleft()
            self.bytes -= self._sizes.popleft()
            self.dropped += 1

    def next_seq(self) -> int:
        return next(self._seq)

    def add(self, entry: JournalEntry, fields_cost: int | None = None) -> None:
        """Keep `entry` (cut to its budget); `fields_cost` as `_fit_entry` takes it."""
        size = _fit_entry(entry, fields_cost)
        entries = self._entries
        entries.append(entry)
        self._sizes.append(size)
        self.bytes += size
        # The newest entry always stays, whatever its size.
        while len(entries) > 1 and (len(entries) > self.limit or self.bytes > self.byte_limit):
            by_count = len(entries) > self.limit
            entries.popleft()
            self.bytes -= self._sizes.popleft()
            self.dropped += 1
            if self.dropped == 1 and self.on_first_drop is not None:
                self.on_first_drop(self.drop_notice(by_count))

    def drop_notice(self, by_count: bool) -> str:
        """What the console says when the journal first drops an entry: past its entry cap
        (`--journal-limit`), or past its byte budget, with how many entries that held."""
        if by_count:
            reason = f"more than {self.limit} requests"
        else:
            reason = (f"more than {_amount(self.byte_limit)} of requests (the journal's byte "
                      f"budget; {len(self.entries)} requests kept)")
        return (f"{reason}: the oldest are now dropped, and counted (GET /_sim/requests "
                "shows how many)")

    def query(self, query: JournalQuery, limit: int | None = None) -> Selection:
        found = [e for e in self.entries if query.matches(e)]
        kept = found[-limit:] if limit is not None and limit < len(found) else found
        if limit == 0:
            kept = []
        return Selection(kept, len(found))

    def count(self, query: JournalQuery) -> int:
        return sum(1 for e in self.entries if query.matches(e))

    def select(self, *, operation: str | None = None, company: str | None = None,
               path: str | None = None, since_seq: int | None = None,
               limit: int | None = None) -> list[JournalEntry]:
        query = JournalQuery(operation=operation, company=company, path=path,
                             since_seq=since_seq)
        return self.query(query, limit).entries

    def last(self) -> JournalEntry | None:
        return self.entries[-1] if self.entries else None

    def clear(self) -> None:
        self.entries.clear()
        self._sizes.clear()
        self.bytes = 0
        self.dropped = 0

    @staticmethod
    def now() -> float:
        return time.time()


def _amount(size: int) -> str:
    mib = 1024 * 1024
    return f"{size // mib} MiB" if size % mib == 0 else f"{size:,} bytes"

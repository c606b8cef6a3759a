"""Saving a running emulator to its `--state` file: changed records, in the background.

What changed is tracked as it happens (the simulator's event bus, each answered request, each
control-plane change); every `FLUSH_INTERVAL` seconds the event loop turns the changed records
into rows (fast: a few hundred at most under load) and a writer thread commits them in one
SQLite transaction. A record answered at time t is therefore on disk by about
t + FLUSH_INTERVAL + one commit, well within a second. Large collections are never rewritten
whole: jobs by what changed, faxes/call records/journal by their growing ids.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.accounts import Account
from ..core.cdr import CallRecord
from ..core.deliveries import DeliveryState
from ..core.events import SimEvent
from ..core.inbound import BusyCall, ReceivedFax
from ..server.journal import JournalEntry
from . import parts, store
from .codec import DocumentPool, encode, read_back, use_pool
from .model import (
    account_body,
    account_events,
    all_rows,
    cdr_rows,
    delivery_row,
    email_row,
    globals_rows,
    job_body,
    queued_jobids,
    rows_of_accounts,
    taken_call_records,
    to_json,
)
from .sequences import Sequences
from .store import write_marks

if TYPE_CHECKING:
    from ..core.jobs import Document, FaxJob
    from ..server.state import AppState

FLUSH_INTERVAL = 0.5  # seconds between saves while anything changes
_ID_FIELDS = ("jobid", "faxid", "recvid")
_FINAL_STATES = (DeliveryState.DELIVERED, DeliveryState.FAILED)
# An ended job's document this small stays in memory: its digest would cost as much.
KEEP_IN_MEMORY_BYTES = 96


@dataclass
class Batch:
    """One transaction's worth of changes."""

    delete_companies: list[str] = field(default_factory=list)
    deletes: list[tuple[str, str, tuple[Any, ...]]] = field(default_factory=list)
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    documents: dict[str, bytes | Document] = field(default_factory=dict)
    clear_tables: list[str] = field(default_factory=list)
    replace_all: bool = False
    marks: dict[str, int] | None = None  # reserved ids to write (`sequences`)
    # A whole write's call records by company, encoded in the writer thread: immutable and
    # only appended to, they are taken as they are (200,000 took ~1.5 s to encode on the loop).
    call_records: dict[str, list[CallRecord]] = field(default_factory=dict)

    def add(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.rows.setdefault(table, []).extend(rows)

    def size(self) -> int:
        return sum(len(r) for r in self.rows.values())


def write_batch(conn: sqlite3.Connection, batch: Batch) -> None:
    # Compressed bytes are inflated here, in the writer thread: the file holds them as posted.
    documents = read_back(batch.documents)
    for company, records in batch.call_records.items():
        batch.add("cdrs", cdr_rows(company, records))
    if batch.replace_all:
        store.write_all(conn, batch.rows, documents, batch.marks)
        return
    with conn:
        if batch.marks is not None:
            write_marks(conn, batch.marks)
        for company in batch.delete_companies:
            for table in store.COMPANY_TABLES:
                conn.execute(f"DELETE FROM {table} WHERE company = ?", (company,))
        for table in batch.clear_tables:
            conn.execute(f"DELETE FROM {table}")
        for table, where, args in batch.deletes:
            conn.execute(f"DELETE FROM {table} WHERE {where}", args)
        for table, rows in batch.rows.items():
            store.insert(conn, table, rows)
        if documents:
            conn.executemany("INSERT OR IGNORE INTO documents VALUES (?, ?)",
                             documents.items())


class Persister:
    """Keeps one `StateFile` up to date with one `AppState`."""

    def __init__(self, state: AppState, file: store.StateFile, pool: DocumentPool,
                 interval: float = FLUSH_INTERVAL, marks: dict[str, int] | None = None) -> None:
        self.state = state
        self.sequences = Sequences(state, marks or {}, self._commit_marks)
        self._conn_lock = threading.Lock()  # the writer thread's saves, the loop's reservations
        self.file = file
        self.pool = pool
        self.interval = interval
        self.changed = True
        self.everything = False
        self.dirty_jobs: set[tuple[str, int]] = set()
        self.dirty_faxes: set[tuple[str, int]] = set()
        self.dirty_deliveries: set[int] = set()
        self.dirty_emails: set[int] = set()
        self.dirty_parts: set[tuple[str, str]] = set()  # (company, part)
        # What the file holds already.
        self.accounts: dict[str, Account] = {}
        self.fax_high: dict[str, int] = {}
        self.busy_count: dict[str, int] = {}
        # Each saved part's list as written, and how many of its items the file holds.
        self.parts_written: dict[tuple[str, str], tuple[list[Any], int]] = {}
        self.nuid_high = 0
        self.deliveries_written = 0
        self.emails_written = 0
        self.journal_high = 0
        self.journal_low = 0
        self.error: str | None = None  # why the last save failed (None: it succeeded)
        self.failures = 0  # saves failed in a row
        self.last_saved: float | None = None  # wall time of the last successful save
        self._told: set[str] = set()  # causes already logged (each is logged once)
        # Documents of a batch that failed: the file still lacks them (written with the next).
        self._unwritten_documents: dict[str, bytes | Document] = {}
        self._documents_lock = threading.Lock()
        # Ended jobs' documents whose bytes leave memory once the file has committed them,
        # and the digests the writer thread committed (both handled on the event loop).
        self._leaving: list[tuple[Document, str]] = []
        self._committed: list[str] = []  # digests, since the last `_release`
        self.written: dict[tuple[str, str], str] = {}
        self._queue: queue.Queue[Batch | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None

    # --- what changed -------------------------------------------------------------------

    def attach(self) -> None:
        self.state.persister = self
        self._unsubscribe = self.state.sim.bus.subscribe(self.observe)
        self.mark_written()
        self.sequences.start_after_marks()
        self.sequences.guard()

    def ids_replaced(self) -> None:
        """A load or restore replaced counters: guard the new ones."""
        self.sequences.guard()

    def _commit_marks(self, marks: dict[str, int]) -> None:
        """Reserved ids, committed now (on the event loop's thread, before an id of the new
        block is handed out). Should the file refuse, the emulator goes on and says so."""
        try:
            with self._conn_lock, self.file.conn as conn:
                write_marks(conn, marks)
        except Exception as exc:
            self._failed(exc)

    def observe(self, event: SimEvent) -> None:
        self.changed = True
        data = event.data
        if event.company is None or not data:
            return
        jobid = data.get("jobid")
        if jobid is not None and event.kind.startswith("job."):
            self.dirty_jobs.add((event.company, jobid))
        elif event.kind == "callback.attempt":
            self.dirty_deliveries.add(data["delivery"])
        elif event.kind.startswith("email."):
            self.dirty_emails.add(data["email"])
        elif event.kind == parts.EVENT_KIND:
            self.dirty_parts.add((event.company, data["part"]))

    def request_done(self, entry: JournalEntry) -> None:
        self.changed = True
        company = entry.company
        if company is None:
            return
        for name in _ID_FIELDS:
            value = entry.fields.get(name)
            if isinstance(value, str) and value.strip().isdigit():
                number = int(value.strip())
                (self.dirty_jobs if name == "jobid" else self.dirty_faxes).add((company, number))

    def control_changed(self, path: str) -> None:
        """A state-changing control request: accounts, settings, clocks, inventory, faults
        (rewritten at every save) may have changed; jobs and faxes tell their own changes.
        (A reset made new counters: guarded now.)"""
        self.changed = True
        self.sequences.guard()

    def everything_changed(self) -> None:
        """A snapshot was loaded: the next save rewrites the whole file."""
        self.changed = True
        self.everything = True

    def mark_written(self) -> None:
        """The file holds exactly the current state (just loaded or fully written)."""
        sim = self.state.sim
        self.accounts = dict(sim.accounts)
        self.fax_high = {c: max(a.inbox.faxes, default=0) for c, a in sim.accounts.items()}
        self.busy_count = {c: len(a.inbox.busy_calls) for c, a in sim.accounts.items()}
        self.parts_written = {}
        for account in sim.accounts.values():
            self._parts_written(account)
        self.nuid_high = sim.cdrs.last_nuid
        self.deliveries_written = len(sim.deliveries.deliveries)
        self.emails_written = len(sim.outbox.messages)
        entries = self.state.journal.entries
        self.journal_high = entries[-1].seq if entries else 0
        self.journal_low = entries[0].seq if entries else 0
        self.written.clear()
        self.dirty_jobs.clear()
        self.dirty_faxes.clear()
        self.dirty_deliveries.clear()
        self.dirty_emails.clear()
        self.dirty_parts.clear()
        self.everything = False

    # --- gathering rows (on the event loop's thread) -------------------------------------

    def gather(self, final: bool = False) -> Batch | None:
        if not (self.changed or final):
            return None
        self.changed = False
        use_pool(self.pool)
        try:
            if self.everything:
                batch = Batch(replace_all=True, rows=all_rows(self.state, with_cdrs=False),
                              call_records=taken_call_records(self.state))
                for account in self.state.sim.accounts.values():
                    for job in account.jobs.values():
                        self._leave_memory(job)
                batch.documents = dict(self.pool.take_added())
                self.mark_written()
            else:
                batch = self._gather_changes()
            with self._documents_lock:
                batch.documents.update(self._unwritten_documents)
                self._unwritten_documents.clear()
            return batch
        finally:
            use_pool(None)

    def _gather_changes(self) -> Batch:
        state, sim, batch = self.state, self.state.sim, Batch()
        accounts = sim.accounts
        fresh: list[str] = []
        for company in set(self.accounts) - set(accounts):
            batch.delete_companies.append(company)
            self._forget(company)
        for company, account in accounts.items():
            if self.accounts.get(company) is not account:  # new, or reset/replaced
                if company in self.accounts:
                    batch.delete_companies.append(company)
                self._forget(company)
                fresh.append(company)
        if fresh:
            for table, rows in rows_of_accounts(state, fresh).items():
                batch.add(table, rows)
            for company in fresh:
                account = accounts[company]
                self.fax_high[company] = max(account.inbox.faxes, default=0)
                self.busy_count[company] = len(account.inbox.busy_calls)
                self._parts_written(account)
        self.accounts = dict(accounts)
        fresh_set = set(fresh)
        kept = [a for c, a in accounts.items() if c not in fresh_set]
        positions = {c: i for i, c in enumerate(accounts)}
        generators = sim.inbound.generators
        for account in kept:
            body = to_json(account_body(account, positions[account.company],
                                        generators.get(account.company)))
            if self._unchanged("accounts", account.company, body):
                continue
            batch.add("accounts", [(account.company, body)])
        self._gather_jobs(batch, fresh_set)
        self._gather_faxes(batch, kept)
        for account in kept:
            company = account.company
            events = [(company, seq, due, to_json(data)) for seq, (due, data)
                      in enumerate(account_events(account))]
            if not self._unchanged("events", company, repr(events)):
                batch.deletes.append(("events", "company = ?", (company,)))
                batch.add("events", events)
            busy = account.inbox.busy_calls
            written = self.busy_count.get(company, 0)
            if len(busy) < written:
                batch.deletes.append(("busy_calls", "company = ?", (company,)))
                written = 0
            batch.add("busy_calls", [(company, seq, to_json(encode(BusyCall, busy[seq])))
                                     for seq in range(written, len(busy))])
            self.busy_count[company] = len(busy)
        self._gather_cdrs(batch, kept)
        self._gather_parts(batch, fresh_set)
        self._gather_deliveries(batch)
        self._gather_emails(batch)
        self._gather_journal(batch)
        batch.add("globals", [(name, body) for name, body in globals_rows(state)
                              if not self._unchanged("globals", name, body)])
        batch.documents = dict(self.pool.take_added())
        return batch

    def _forget(self, company: str) -> None:
        self.written.pop(("accounts", company), None)
        self.written.pop(("events", company), None)
        for key in parts.SAVED_PARTS:
            self.parts_written.pop((company, key), None)

    def _unchanged(self, table: str, key: str, text: str) -> bool:
        """Is this what the file holds already? (Small rows rebuilt at every save are only
        written when they differ.)"""
        if self.written.get((table, key)) == text:
            return True
        self.written[(table, key)] = text
        return False

    def _gather_jobs(self, batch: Batch, fresh: set[str]) -> None:
        accounts = self.state.sim.accounts
        queued: dict[str, set[int]] = {}
        for company, jobid in self.dirty_jobs:
            if company in fresh:
                continue
            account = accounts.get(company)
            job = account.jobs.get(jobid) if account is not None else None
            if account is None or job is None:
                batch.deletes.append(("jobs", "company = ? AND jobid = ?", (company, jobid)))
                continue
            if company not in queued:
                queued[company] = queued_jobids(account)
            batch.add("jobs", [(company, jobid,
                                to_json(job_body(job, account, jobid in queued[company])))])
            self._leave_memory(job)
        self.dirty_jobs.clear()

    def _leave_memory(self, job: FaxJob) -> None:
        """An ended job's documents (the pool has their digests now) leave memory once the
        file has committed them (`_release`): the file serves them from then on."""
        if job.pending:
            return
        for document in job.documents:
            if document.in_memory and (document.size or 0) > KEEP_IN_MEMORY_BYTES:
                digest = self.pool.put_document(document)
                if digest is not None:
                    self._leaving.append((document, digest))

    def _release(self) -> None:
        """On the event loop: what the writer committed is no longer kept in memory (the
        pool forgets the bytes; ended jobs' documents keep only their digest). A document
        whose bytes are not committed yet (a failed save) waits for the next commit."""
        with self._documents_lock:
            committed, self._committed = self._committed, []
        self.pool.committed(committed)
        source = self.pool.source
        if source is None or not self._leaving:
            return
        # Each leaving document's digest was put in a batch when it became a candidate (or is
        # in one still being written): it leaves with that batch's commit.
        stored, waiting = set(committed), []
        for document, digest in self._leaving:
            if digest in stored:
                document.keep_in(source, digest)
            else:
                waiting.append((document, digest))
        self._leaving = waiting

    def _gather_faxes(self, batch: Batch, kept: list[Account]) -> None:
        """New faxes by their growing recvid; changed ones (handled, deleted) by request."""
        for account in kept:
            company, inbox = account.company, account.inbox
            new = list(inbox.after(self.fax_high.get(company, 0)))
            batch.add("faxes", [(company, f.recvid, to_json(encode(ReceivedFax, f)))
                                for f in new])
            if new:
                self.fax_high[company] = new[-1].recvid
        accounts = self.state.sim.accounts
        for company, recvid in self.dirty_faxes:
            owner = accounts.get(company)
            if owner is None or self.fax_high.get(company, 0) < recvid:
                continue
            fax = owner.inbox.get(recvid)
            if fax is None:
                batch.deletes.append(("faxes", "company = ? AND recvid = ?", (company, recvid)))
            else:
                batch.add("faxes", [(company, recvid, to_json(encode(ReceivedFax, fax)))])
        self.dirty_faxes = set()

    def _gather_cdrs(self, batch: Batch, kept: list[Account]) -> None:
        cdrs = self.state.sim.cdrs
        last = cdrs.last_nuid
        if last < self.nuid_high:  # counter restarted (reset): accounts were replaced too
            self.nuid_high = 0
        if last == self.nuid_high:
            return
        for account in kept:
            records = cdrs._accounts.get(account.company)
            if records is None:
                continue
            start = bisect.bisect_right(records.nuids, self.nuid_high)
            batch.add("cdrs", [(r.nuid, account.company, to_json(encode(CallRecord, r)))
                               for r in records.by_nuid[start:]])
        self.nuid_high = last

    def _parts_written(self, account: Account) -> None:
        for key in parts.SAVED_PARTS:
            items = getattr(account, key)
            self.parts_written[(account.company, key)] = (items, len(items))

    def _gather_parts(self, batch: Batch, fresh: set[str]) -> None:
        """A changed part of an account (`account.part` events): its new items when the core
        appended to the list the file holds; else (cleared, replaced) the part again whole.
        Fresh accounts were written whole already."""
        accounts = self.state.sim.accounts
        for company, key in sorted(self.dirty_parts):
            account = accounts.get(company)
            if account is None or company in fresh or key not in parts.SAVED_PARTS:
                continue
            items: list[Any] = getattr(account, key)
            written_list, written = self.parts_written.get((company, key), (None, 0))
            if written_list is not items or len(items) < written:
                batch.deletes.append((parts.TABLE, "company = ? AND part = ?", (company, key)))
                written = 0
            batch.add(parts.TABLE, parts.part_rows(company, account, [key], to_json,
                                                   start=written))
            self.parts_written[(company, key)] = (items, len(items))
        self.dirty_parts.clear()

    def _gather_deliveries(self, batch: Batch) -> None:
        deliveries = self.state.sim.deliveries.deliveries
        if len(deliveries) < self.deliveries_written:
            batch.clear_tables.append("deliveries")
            self.deliveries_written = 0
        start = self.deliveries_written
        dirty = self.dirty_deliveries
        picked = [d for i, d in enumerate(deliveries)
                  if i >= start or d.id in dirty or d.state not in _FINAL_STATES]
        batch.add("deliveries", [delivery_row(d) for d in picked])
        self.deliveries_written = len(deliveries)
        self.dirty_deliveries.clear()

    def _gather_emails(self, batch: Batch) -> None:
        messages = self.state.sim.outbox.messages
        if len(messages) < self.emails_written:
            batch.clear_tables.append("emails")
            self.emails_written = 0
        start, dirty = self.emails_written, self.dirty_emails
        if start < len(messages) or dirty:
            batch.add("emails", [email_row(m) for i, m in enumerate(messages)
                                 if i >= start or m.id in dirty])
        self.emails_written = len(messages)
        self.dirty_emails.clear()

    def _gather_journal(self, batch: Batch) -> None:
        entries = self.state.journal.entries
        if not entries:
            if self.journal_high:
                batch.clear_tables.append("journal")
            self.journal_high = self.journal_low = 0
            return
        first, last = entries[0].seq, entries[-1].seq
        if last < self.journal_high:  # cleared and counted again
            batch.clear_tables.append("journal")
            self.journal_high = 0
        if first > self.journal_low:
            batch.deletes.append(("journal", "seq < ?", (first,)))
        new = [e for e in reversed(entries) if e.seq > self.journal_high] \
            if last > self.journal_high else []
        new.reverse()
        batch.add("journal", [(e.seq, to_json(encode(JournalEntry, e))) for e in new])
        self.journal_high, self.journal_low = last, first

    # --- the writer ---------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._write_loop, name="faxage-sim state",
                                        daemon=True)
        self._thread.start()
        self._task = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self.flush()

    def flush(self) -> None:
        """Hand what changed to the writer thread. A record that cannot be turned into rows
        is a failed save like any other: logged once, retried whole, never the end of saving."""
        self._release()
        sequences = self.sequences
        sequences.apply_done()
        sequences.guard()
        marks = sequences.take_ahead()
        if marks is not None:
            self.changed = True
        try:
            batch = self.gather()
        except Exception as exc:
            self.everything = self.changed = True
            self._failed(exc)
            batch = Batch() if marks is not None else None
        if batch is not None:
            batch.marks = marks
            self._queue.put(batch)

    def _write_loop(self) -> None:
        while True:
            batch = self._queue.get()
            try:
                if batch is None:
                    return
                self._write(batch)
            finally:
                self._queue.task_done()

    def wait_written(self) -> None:
        """Block until the writer thread has committed every batch handed to it."""
        self._queue.join()

    def _write(self, batch: Batch) -> None:
        try:
            with self._conn_lock:
                write_batch(self.file.conn, batch)
        except Exception as exc:
            # The changes of that batch are not in the file: the next save writes it whole,
            # with the batch's documents (the pool counts them as handed over already).
            with self._documents_lock:
                self._unwritten_documents.update(batch.documents)
            self.everything = self.changed = True
            self._failed(exc)
            return
        self.last_saved = time.time()
        with self._documents_lock:
            self._committed.extend(batch.documents)  # released on the loop (`_release`)
        if batch.marks is not None:
            self.sequences.done = batch.marks  # applied on the event loop's thread
        if self.error is not None:
            self._tell(f"saving to {self.file.path} works again (after {self.failures} failed "
                       "save(s)); the whole state was written")
        self.error, self.failures = None, 0

    def _failed(self, exc: BaseException) -> None:
        cause = f"{type(exc).__name__}: {str(exc)[:200]}"
        self.error = cause
        self.failures += 1
        if cause not in self._told:  # once per cause, however often it recurs
            self._told.add(cause)
            self._tell(f"cannot save to {self.file.path}: {cause}; retrying every "
                       f"{self.interval:g} s (GET /_sim/health shows the state of saving)")

    def _tell(self, text: str) -> None:
        console = self.state.console
        if console is not None:
            console.line("state", text)
        else:
            import logging

            logging.getLogger("faxage_sim").warning("%s", text)

    def health(self) -> dict[str, Any]:
        """What `GET /_sim/health` and the dashboard say about saving."""
        return {"file": str(self.file.path), "saving": "failing" if self.error else "ok",
                "error": self.error, "failed_saves": self.failures,
                "last_saved": self.last_saved}

    def save_now(self) -> None:
        """Write everything that changed, synchronously (start-up, tests)."""
        self._release()
        try:
            batch = self.gather(final=True)
        except Exception as exc:
            self.everything = self.changed = True
            self._failed(exc)
            return
        if batch is not None:
            self._write(batch)
        self._release()

    async def stop(self) -> None:
        """The final save, then the file is closed and unlocked."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:
            batch = self.gather(final=True)
        except Exception as exc:
            self._failed(exc)
            batch = None
        if batch is not None:
            # A clean stop: the marks come down to the counters (no jump at the restart).
            batch.marks = self.sequences.current()
        if self._thread is not None:
            if batch is not None:
                self._queue.put(batch)
            self._queue.put(None)
            await asyncio.to_thread(self._thread.join)
            self._thread = None
        elif batch is not None:
            self._write(batch)
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._release()
        if isinstance(self.pool.source, store.StateDocuments):
            self.pool.source.close()  # reopened should a document still be asked for
        self.file.close()
        if self.state.persister is self:
            self.state.persister = None

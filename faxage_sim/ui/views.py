"""What each dashboard page shows, read from the emulator's own state (no second store).

Every list is paged: a page never walks more than it shows, except for the counts (one pass
over the jobs of the accounts shown), so a state of 10,000 jobs or faxes renders as fast as
a small one.
"""

from __future__ import annotations

import functools
import heapq
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ..core.deliveries import DeliveryState
from ..core.jobs import FaxJob, JobState
from ..wire.records import StatusOptions, format_status_record, shortstatus

if TYPE_CHECKING:
    from ..core.accounts import Account
    from ..core.inbound import ReceivedFax
    from ..server.journal import JournalEntry
    from ..server.state import AppState

PAGE_SIZE = 25  # rows of a table page: about one screen
LATEST = 10  # jobs and faxes on the overview
MAX_ACCOUNTS_SHOWN = 50
STATES = [s.value for s in JobState]
ALL_STATUS_OPTIONS = StatusOptions(pagecount=True, csid=True, login=True, xmitpages=True,
                                   tries=True, extqueue=True)


def when(epoch: float | None, account: Account | None = None) -> str:
    """A simulated time as the account's local wall time (UTC without an account)."""
    if epoch is None:
        return ""
    return _local_time(account.settings.timezone if account is not None else "UTC", int(epoch))


@functools.lru_cache(maxsize=16384)
def _local_time(zone: str, second: int) -> str:
    # Cached: a live page shows the same rows' times at every refresh, and converting to a
    # zone is most of a table row's cost.
    moment = datetime.fromtimestamp(second, UTC if zone == "UTC" else ZoneInfo(zone))
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} "
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}")


@dataclass(frozen=True)
class Paging:
    page: int  # 1-based
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_number(raw: str | None) -> int:
    if raw is None or not raw.isdigit():
        return 1
    return max(1, min(int(raw), 1_000_000))


def accounts_of(state: AppState, company: str | None) -> list[Account]:
    if company:
        account = state.sim.accounts.get(company)
        return [account] if account is not None else []
    return list(state.sim.accounts.values())


# --- jobs ------------------------------------------------------------------------------


def css_class(state: str) -> str:
    return "state-" + state.lower().replace(" ", "-")


# Rows are namespaces, not dicts: Jinja2 reads `row.name` as an attribute first, and a dict
# would make each such read fail once before the item lookup (most of a big page's time).
def job_row(job: FaxJob, account: Account) -> SimpleNamespace:
    state = job.state.value
    return SimpleNamespace(
        jobid=job.jobid, company=job.company, destname=job.destname, destnum=job.destnum,
        pages=job.pagecount, xmitpages=job.xmitpages, state=state, state_class=css_class(state),
        shortstatus=shortstatus(job), queue_state=job.queue_state, tries=job.tries,
        tagname=job.tagname, sendtime=when(job.sendtime, account),
        completetime=when(job.completetime, account), longstatus=job.longstatus)


def _newest_jobs(accounts: list[Account], wanted_state: str | None) -> Iterator[
        tuple[FaxJob, Account]]:
    """Jobs of these accounts, newest (highest jobid) first, lazily."""
    def of(account: Account) -> Iterator[tuple[int, FaxJob, Account]]:
        for jobid in reversed(account.jobs):  # dicts keep insertion (= jobid) order
            job = account.jobs[jobid]
            if wanted_state is None or job.state.value == wanted_state:
                yield -jobid, job, account
    merged = heapq.merge(*(of(a) for a in accounts), key=lambda t: t[0])
    return ((job, account) for _, job, account in merged)


def jobs_page(state: AppState, company: str | None, wanted_state: str | None,
              page: int, size: int = PAGE_SIZE) -> dict[str, Any]:
    accounts = accounts_of(state, company)
    if wanted_state not in STATES:
        wanted_state = None
    if wanted_state is None:
        total = sum(len(a.jobs) for a in accounts)
    else:
        total = sum(1 for a in accounts for j in a.jobs.values()
                    if j.state.value == wanted_state)
    paging = Paging(page, size, total)
    shown = itertools.islice(_newest_jobs(accounts, wanted_state), paging.offset,
                             paging.offset + size)
    return {"jobs": [job_row(j, a) for j, a in shown], "paging": paging,
            "company": company or "", "state_filter": wanted_state or "", "states": STATES,
            "companies": sorted(state.sim.accounts)[:MAX_ACCOUNTS_SHOWN]}


def find_job(state: AppState, jobid: str) -> tuple[FaxJob, Account] | None:
    if not jobid.isdigit() or len(jobid) > 12:
        return None
    for account in state.sim.accounts.values():
        job = account.jobs.get(int(jobid))
        if job is not None:
            return job, account
    return None


def job_detail(state: AppState, job: FaxJob, account: Account) -> dict[str, Any]:
    from ..control.emails import email_json

    tz = account.settings.tz
    deliveries = [d for d in state.sim.deliveries.deliveries
                  if d.kind == "job" and d.ref == job.jobid and d.company == job.company]
    return {
        "job": job_row(job, account),
        "record": format_status_record(job, tz, ALL_STATUS_OPTIONS),
        "record_columns": format_status_record(job, tz, ALL_STATUS_OPTIONS).split("\t"),
        "record_names": ["jobid", "commid", "destname", "destnum", "shortstatus",
                         "longstatus", "sendtime", "completetime", "xmittime", "pagecount",
                         "csid", "login", "xmitpages", "tries"],
        "options": {"username": job.username, "priority": job.priority.value,
                    "resolution": job.resolution, "tagname": job.tagname,
                    "tagnumber": job.tagnumber, "url_notify": job.url_notify or "",
                    "em_notify": job.em_notify, "cleared": job.cleared},
        "documents": [{"filename": d.filename, "type": d.extension, "url": d.url or "",
                       "bytes": d.size}
                      for d in job.documents],
        "timeline": [{"at": when(t.at, account), "event": t.event, "detail": t.detail}
                     for t in job.timeline],
        "attempts": [{"number": a.number, "started": when(a.started, account),
                      "ended": when(a.ended, account), "outcome": a.outcome,
                      "connected": a.connected_seconds, "pages": a.pages_sent, "line": a.line}
                     for a in job.attempts],
        "callbacks": [{
            "id": d.id, "url": d.url, "state": d.state.value, "fields": d.fields,
            "allowed": d.attempts_allowed, "next_due": when(d.next_due, account),
            "attempts": [{"attempt": a.attempt, "at": when(a.at, account),
                          "status": "" if a.status is None else a.status,
                          "error": a.error or "", "ms": round(a.duration_ms, 1)}
                         for a in d.attempts],
        } for d in deliveries],
        "emails": [email_json(m) for m in state.sim.outbox.messages
                   if m.jobid == job.jobid and m.company == job.company],
        "pages": list(range(1, job.pagecount + 1)) if job.converted else [],
        "converted": job.converted,
        "now": when(account.now(), account),
    }


# --- inbound ---------------------------------------------------------------------------


def fax_row(fax: ReceivedFax, account: Account) -> SimpleNamespace:
    return SimpleNamespace(
        recvid=fax.recvid, company=fax.company, did=fax.did, cid=fax.cid or "Unavailable",
        tsid=fax.tsid, sender=fax.sender, pages=fax.pagecount, handled=fax.handled,
        unreadable=fax.unreadable, received=when(fax.recvdate, account), filename=fax.filename)


def _newest_faxes(accounts: list[Account], did: str | None) -> Iterator[
        tuple[ReceivedFax, Account]]:
    def of(account: Account) -> Iterator[tuple[int, ReceivedFax, Account]]:
        faxes = account.inbox.faxes
        for recvid in reversed(faxes):
            fax = faxes[recvid]
            if did is None or fax.did == did:
                yield -recvid, fax, account
    merged = heapq.merge(*(of(a) for a in accounts), key=lambda t: t[0])
    return ((fax, account) for _, fax, account in merged)


def inbound_page(state: AppState, company: str | None, did: str | None, page: int,
                 size: int = PAGE_SIZE) -> dict[str, Any]:
    accounts = accounts_of(state, company)
    did = did if did and did.isdigit() else None
    if did is None:
        total = sum(len(a.inbox) for a in accounts)
    else:
        total = sum(1 for a in accounts for f in a.inbox.faxes.values() if f.did == did)
    paging = Paging(page, size, total)
    shown = itertools.islice(_newest_faxes(accounts, did), paging.offset,
                             paging.offset + size)
    shown_accounts = accounts[:MAX_ACCOUNTS_SHOWN]
    return {
        "faxes": [fax_row(f, a) for f, a in shown], "paging": paging,
        "company": company or "", "did": did or "",
        "dids": [{"company": a.company, "did": d, "enabled": d not in a.disabled_dids}
                 for a in shown_accounts for d in a.dids],
    }


def find_fax(state: AppState, recvid: str) -> tuple[ReceivedFax, Account] | None:
    if not recvid.isdigit() or len(recvid) > 12:
        return None
    for account in state.sim.accounts.values():
        fax = account.inbox.get(int(recvid))
        if fax is not None:
            return fax, account
    return None


# --- overview --------------------------------------------------------------------------


def account_summary(state: AppState, account: Account,
                    failed_callbacks: Counter[str]) -> dict[str, Any]:
    clock = account.clock
    by_state = Counter(j.state.value for j in account.jobs.values())
    desk = account.desk
    return {
        "company": account.company,
        "clock_mode": clock.mode.value, "speed": clock.speed,
        "now": when(account.now(), account), "timezone": account.settings.timezone,
        "lines_in_use": len(desk.lines) if desk is not None else 0,
        "lines": account.settings.outbound_lines,
        "jobs": len(account.jobs),
        "by_state": [(s, by_state.get(s, 0)) for s in STATES],
        "faxes": len(account.inbox),
        "callbacks_failed": failed_callbacks.get(account.company, 0),
        "dids": list(account.dids),
        "users": sorted(account.users),
    }


def faults_list(state: AppState) -> list[dict[str, Any]]:
    if not state.has_faults:
        return []
    state.faults.prune(state.sim.accounts)
    return [f.as_json() for f in state.faults.faults]


def overview(state: AppState) -> dict[str, Any]:
    accounts = list(state.sim.accounts.values())
    failed: Counter[str] = Counter(d.company for d in state.sim.deliveries.deliveries
                                   if d.state is DeliveryState.FAILED)
    shown = accounts[:MAX_ACCOUNTS_SHOWN]
    return {
        "accounts": [account_summary(state, a, failed) for a in shown],
        "more_accounts": len(accounts) - len(shown),
        "latest_jobs": [job_row(j, a) for j, a in
                        itertools.islice(_newest_jobs(accounts, None), LATEST)],
        "latest_faxes": [fax_row(f, a) for f, a in
                         itertools.islice(_newest_faxes(accounts, None), LATEST)],
        "faults": faults_list(state),
        "scenario": state.scenario.summary() if state.scenario is not None else None,
        "saving": state.persister.health() if state.persister is not None else None,
        "totals": {"jobs": sum(len(a.jobs) for a in accounts),
                   "faxes": sum(len(a.inbox) for a in accounts),
                   "callbacks_failed": sum(failed.values())},
    }


def shipped_scenarios() -> list[dict[str, str]]:
    from ..scenario import shipped

    return [{"name": s.name, "description": s.description()} for s in shipped.shipped()]


# --- journal ---------------------------------------------------------------------------


def request_row(entry: JournalEntry, state: AppState) -> SimpleNamespace:
    company = entry.company or entry.named_company
    account = state.sim.accounts.get(company) if company else None
    return SimpleNamespace(
        seq=entry.seq, at=when(entry.sim_time, account), company=company or "",
        operation=entry.operation or entry.path, status=entry.status, outcome=entry.outcome,
        fault=entry.fault or "", error=is_error(entry), path=entry.path)


def is_error(entry: JournalEntry) -> bool:
    return (entry.status >= 400 or entry.fault is not None
            or entry.first_line.startswith("ERR") or entry.outcome.startswith("error"))


def journal_page(state: AppState, company: str | None, operation: str | None,
                 errors_only: bool, page: int, size: int = PAGE_SIZE) -> dict[str, Any]:
    def wanted(e: JournalEntry) -> bool:
        if company and e.company != company and (e.company is not None
                                                 or e.named_company != company):
            return False
        if operation and e.operation != operation:
            return False
        return not errors_only or is_error(e)

    entries = state.journal.entries
    filtered = not (company or operation or errors_only)
    total = len(entries) if filtered else sum(1 for e in entries if wanted(e))
    paging = Paging(page, size, total)
    matching: Iterable[JournalEntry] = (e for e in reversed(entries) if wanted(e))
    shown = itertools.islice(matching, paging.offset, paging.offset + size)
    operations = sorted({e.operation for e in itertools.islice(reversed(entries), 2000)
                         if e.operation})
    return {"requests": [request_row(e, state) for e in shown], "paging": paging,
            "company": company or "", "operation": operation or "",
            "errors_only": errors_only, "operations": operations,
            "dropped": state.journal.dropped}


def request_detail(state: AppState, seq: int) -> dict[str, Any] | None:
    for entry in reversed(state.journal.entries):
        if entry.seq == seq:
            return {**entry.as_json(), "answer": entry.answer or entry.first_line,
                    "row": vars(request_row(entry, state))}
        if entry.seq < seq:
            break
    return None

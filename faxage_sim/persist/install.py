"""Installing decoded records: the running state replaced by a state file's or a snapshot's
records, already checked whole (`persist.model` decodes and checks them; nothing here can
find them wrong)."""

from __future__ import annotations

import itertools
from collections import deque
from random import Random
from typing import TYPE_CHECKING, Any

from ..core.accounts import Account, RetryPolicy
from ..core.cdr import AccountCdrs
from ..core.clock import Clock, ClockMode
from ..core.jobs import FaxJob, JobState
from ..core.outbox import MailState
from .codec import decode
from .decoded import DecodedAccount, DecodedState
from .parts import put_back

if TYPE_CHECKING:
    from ..server.state import AppState


def install(state: AppState, decoded: DecodedState) -> None:
    """Replace the emulator's state with `decoded` (already checked whole)."""
    from ..faults.matching import FaultBook

    sim = state.sim
    sim.set_scenario_rules([])
    for account in sim.accounts.values():
        account.scheduler.clear()
    sim.accounts.clear()
    sim.inbound.reset()
    sim.cdrs.clear()
    sim.deliveries.deliveries.clear()
    sim.deliveries.ready.clear()
    sim.outbox.clear()
    state.scenario = None
    state.scenario_loads.clear()
    if decoded.rules is not None:
        sim.set_scenario_rules([decoded.rules])
    if decoded.inventory is not None:
        sim.inventory = decoded.inventory
    c = decoded.counters
    counters = sim._counters
    counters.jobids = itertools.count(c["jobids"])
    counters.commids = itertools.count(c["commids"])
    counters.companies = itertools.count(c["companies"])
    counters.recvids = itertools.count(c["recvids"])
    sim.cdrs._next_nuid = c["nuid"]
    sim.deliveries._ids = itertools.count(c["deliveries"])
    sim.outbox._ids = itertools.count(c["emails"])
    for data in decoded.accounts.values():
        install_account(state, data)
    policies = {a.company: a.settings.callback_policy for a in sim.accounts.values()}
    for delivery in decoded.deliveries:
        delivery.backoff = policies.get(delivery.company, RetryPolicy()).delay_before
        sim.deliveries.deliveries.append(delivery)
    for message in decoded.emails:
        sim.outbox.messages.append(message)
        if message.state is MailState.QUEUED:
            sim.outbox.ready.append(message)
    journal = state.journal
    journal.entries = deque(decoded.journal[-journal.limit:])
    journal.dropped = c["journal_dropped"] + max(0, len(decoded.journal) - journal.limit)
    journal._seq = itertools.count(c["journal"])
    if decoded.faults or state._faults is not None:
        book = state._faults = FaultBook()
        book.faults = list(decoded.faults)
        book._ids = itertools.count(decoded.fault_next_id)
    from .events import revive_all

    for data in decoded.accounts.values():
        revive_all(state, sim.accounts[data.company], data.jobs, data.events)


def install_account(state: AppState, data: DecodedAccount) -> Account:
    """Create the account with its records (its pending events are revived after)."""
    sim = state.sim
    clock = data.clock
    account = sim.create_account(
        data.company, users=data.users, dids=data.dids, settings=data.settings,
        clock=Clock(ClockMode(clock["mode"]), speed=float(clock["speed"]) or 1.0,
                    start=float(clock["now"])))
    account.disabled_dids = set(data.disabled_dids)
    restore_traffic(sim.inbound.generators.get(account.company), data.traffic)
    fill_account(state, account, data)
    return account


def fill_account(state: AppState, account: Account, data: DecodedAccount) -> None:
    sim = state.sim
    inbox = account.inbox
    inbox.did_urls = dict(data.did_urls)
    inbox.in_progress = data.in_progress
    for fax in data.faxes:
        fax.company = account.company
        inbox.add(fax)
    inbox.busy_calls = list(data.busy)
    if data.cdrs:
        index = data.cdr_index if data.cdr_index is not None else AccountCdrs.of(data.cdrs)
        sim.cdrs._accounts[account.company] = index
    desk = account.desk
    assert desk is not None
    queued: list[FaxJob] = []
    for job, _pending, in_queue in data.jobs:
        job.company = account.company
        account.jobs[job.jobid] = job
        if in_queue and job.state is JobState.IN_QUEUE:
            queued.append(job)
        if job.state is JobState.TRANSMITTING and job.line is not None:
            desk.lines[job.line] = job
    desk.queue = sorted(queued, key=lambda j: j.queue_seq)
    desk._queue_seq = itertools.count(data.queue_seq)
    put_back(account, data.parts)


def restore_traffic(generator: Any, data: Any) -> None:
    if generator is None or not isinstance(data, dict):
        return
    if data.get("faker") is not None:
        generator._faker().random.setstate(decode(Random, data["faker"]).getstate())
    generator.rng.setstate(decode(Random, data["rng"]).getstate())

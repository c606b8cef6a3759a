"""Pending simulated events re-created from their data (kind + ids) after a load.

A saved event keeps its due time; each reviver schedules the same step the running emulator
would have run, on the account's scheduler, so it fires at the same simulated time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..core.jobs import JobState

if TYPE_CHECKING:
    from ..core.accounts import Account
    from ..core.jobs import FaxJob
    from ..server.state import AppState

Reviver = Callable[["AppState", "Account", float, dict[str, Any]], None]


def _job(account: Account, data: dict[str, Any]) -> Any:
    return account.jobs.get(int(data["jobid"]))


def _conversion(state: AppState, account: Account, due: float, data: dict[str, Any]) -> None:
    job = _job(account, data)
    if job is None or account.desk is None:
        return
    account.desk.schedule_conversion_end(job, due)


def _try(state: AppState, account: Account, due: float, data: dict[str, Any]) -> None:
    job = _job(account, data)
    if job is None or account.desk is None:
        return
    account.desk.schedule_try_end(job, due, float(data["started"]), data["outcome"],
                                  float(data["connected"]), int(data["pages"]))


def _retry(state: AppState, account: Account, due: float, data: dict[str, Any]) -> None:
    job = _job(account, data)
    if job is not None and account.desk is not None:
        account.desk.schedule_retry(job, due)


def _connect(state: AppState, account: Account, due: float, data: dict[str, Any]) -> None:
    job = _job(account, data)
    if job is not None and account.desk is not None and job.state is JobState.TRANSMITTING:
        account.desk.connect_later(job, due)


def _inbound_call(state: AppState, account: Account, due: float, data: dict[str, Any]) -> None:
    state.sim.inbound.resume_call(account, data["call"], float(data["start"]), due)


def _inbound_ring(state: AppState, account: Account, due: float, data: dict[str, Any]) -> None:
    state.sim.inbound.ring_at(data["call"], account, due)


def _traffic(state: AppState, account: Account, due: float, data: dict[str, Any]) -> None:
    generator = state.sim.inbound.generators.get(account.company)
    if generator is not None and generator.rate > 0:
        generator.schedule_arrival(due)


def _delivery(state: AppState, account: Account, due: float, data: dict[str, Any]) -> None:
    wanted = int(data["id"])
    for delivery in state.sim.deliveries.deliveries:
        if delivery.id == wanted:
            state.sim.deliveries.resume(account, delivery, due)
            return


def _runner(state: AppState, account: Account, data: dict[str, Any]) -> Any:
    """The revived scenario step's runner; the steps of one account share one load."""
    from ..scenario.timeline import Load, StepRunner

    load = state.scenario_loads.get(account.company)
    if load is None or not load.active:
        load = state.scenario_loads[account.company] = Load()
    runner = data["runner"]
    return StepRunner(state.sim, account, runner["step"], runner["rng"], load)


def _scenario_step(state: AppState, account: Account, due: float,
                   data: dict[str, Any]) -> None:
    _runner(state, account, data).schedule_at(due)


def _scenario_inbound(state: AppState, account: Account, due: float,
                      data: dict[str, Any]) -> None:
    _runner(state, account, data).ring_at(data["spec"], str(data["did"]), due)


def _scenario_outbound(state: AppState, account: Account, due: float,
                       data: dict[str, Any]) -> None:
    _runner(state, account, data).send_at(data["spec"], str(data["username"]),
                                          str(data["number"]), int(data["pages"]),
                                          int(data["n"]), due)


def _scenario_unreadable(state: AppState, account: Account, due: float,
                         data: dict[str, Any]) -> None:
    did = str(data["did"])

    def mark(at: float) -> None:  # the fax that call stored: received on `did` at `due`
        for fax in account.inbox.after(None):
            if fax.did == did and fax.recvdate == at:
                fax.unreadable = True

    account.scheduler.schedule(due, mark, "scenario unreadable fax",
                               {"kind": "scenario.unreadable", "did": did})


REVIVERS: dict[str, Reviver] = {
    "scenario.step": _scenario_step,
    "scenario.inbound": _scenario_inbound,
    "scenario.outbound": _scenario_outbound,
    "scenario.unreadable": _scenario_unreadable,
    "job.conversion": _conversion,
    "job.try": _try,
    "job.retry": _retry,
    "job.connect": _connect,
    "inbound.call": _inbound_call,
    "inbound.ring": _inbound_ring,
    "inbound.traffic": _traffic,
    "delivery": _delivery,
}


def revive_all(state: AppState, account: Account,
               jobs: Iterable[tuple[FaxJob, dict[str, Any] | None, bool]],
               events: Iterable[tuple[float, dict[str, Any]]]) -> None:
    """Put a restored account's pending events back on its scheduler (its decoded `jobs`
    and `events`, `persist.decoded.DecodedAccount`)."""
    for job, pending, _queued in jobs:
        if pending is not None:
            REVIVERS[pending["data"]["kind"]](state, account, pending["due"], pending["data"])
        elif job.awaiting_fetch and job.pending:
            # Its URLs were being fetched when the state was saved: what had arrived is
            # what it has (a document that had not is a conversion failure).
            state.sim.documents_fetched(job, None, account.now())
    for due, event in events:
        REVIVERS[event["kind"]](state, account, due, event)

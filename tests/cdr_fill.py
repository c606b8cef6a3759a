"""Many call records put in the store directly (fast, in nuid and calldate order)."""

from __future__ import annotations

from faxage_sim.core.cdr import AccountCdrs, CallRecord, Direction
from faxage_sim.core.clock import DEFAULT_MANUAL_START
from faxage_sim.server.state import AppState


def fill(state: AppState, count: int) -> None:
    """`count` records of account 1000, put in the store directly (fast, in order)."""
    cdrs = AccountCdrs()
    records = [CallRecord(n, int(DEFAULT_MANUAL_START) + n, Direction.OUT, "3032974100",
                          "3039911234", 35) for n in range(1, count + 1)]
    cdrs.nuids = [r.nuid for r in records]
    cdrs.by_nuid = records
    cdrs.calldates = [r.calldate for r in records]
    cdrs.by_calldate = list(records)
    state.sim.cdrs._accounts["1000"] = cdrs
    state.sim.cdrs._next_nuid = count + 1

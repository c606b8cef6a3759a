"""Does one big request stall other clients? getcdr.php over many call records,
`GET /_sim/snapshot` and `PUT /_sim/snapshot` (loading the same state back over itself), with
another client's `status` requests timed meanwhile.

Each big request is run as it is now (formatted in chunks / encoded in a worker thread) and
as it was before (all on the event loop: getcdr with one chunk, the snapshot with the
synchronous `snapshot_bytes`; the load with the state before it encoded and decoded whole on
the loop, as a backup, and the records indexed there one by one), in alternating rounds on
the same server, so machine noise falls on both alike. Printed: the big request's time, and
the other client's longest and median wait while it ran (min/median/max over rounds).
Target: the longest wait now is a small fraction of the big request (the issue: getcdr
stalled everyone 14.7 s and the snapshot 22.3 s over 1,000,000 records).

    .venv/bin/python benchmarks/bench_stalls.py [--records 200000] [--rounds 3]
        [--only getcdr]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from timing import machine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from faxage_sim.core import cdr
from faxage_sim.core.clock import ClockMode
from faxage_sim.persist import api as persist_api
from faxage_sim.persist import store
from faxage_sim.persist.install import install
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig
from faxage_sim.server.state import AppState
from tests.cdr_fill import fill
from tests.helpers import CREDENTIALS
from tests.live import LiveServer


def during(url: str, big: Callable[[httpx.Client], object]) -> tuple[float, list[float]]:
    """The big request's seconds, and each status request's wait while it ran."""
    done = threading.Event()
    took: list[float] = []

    def run() -> None:
        with httpx.Client(base_url=url, timeout=600) as client:
            started = time.perf_counter()
            big(client)
            took.append(time.perf_counter() - started)
        done.set()

    waits: list[float] = []
    status = {**CREDENTIALS, "operation": "status", "jobid": "1"}
    with httpx.Client(base_url=url, timeout=600) as other:
        other.post("/httpsfax.php", data=status)
        threading.Thread(target=run, daemon=True).start()
        while not done.is_set():
            started = time.perf_counter()
            other.post("/httpsfax.php", data=status)
            # Every request started while the big one ran counts (one it held ends just
            # after it).
            waits.append(time.perf_counter() - started)
    return took[0], waits or [0.0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="the big requests whose name starts so")
    args = parser.parse_args()
    print(machine())
    app = create_app(SimConfig(clock=ClockMode.MANUAL, log_requests=False, journal_limit=1))
    fill(app.state.faxage, args.records)
    step, sort_at_most = cdr.SELECT_STEP, cdr.SORT_AT_MOST
    off_loop = persist_api.snapshot_bytes_off_loop

    async def on_loop(state: object) -> bytes:
        return persist_api.snapshot_bytes(state)  # type: ignore[arg-type]

    load_now = persist_api.load_snapshot_off_loop

    async def load_before(state: AppState, data: bytes) -> dict[str, int]:
        """The code before: decoded and checked in a worker, but the state before it
        encoded and decoded whole on the loop, and the records indexed one by one there."""
        decoded = await asyncio.to_thread(
            lambda: persist_api._decode(*store.from_bytes(data))[0])
        persist_api._decode(*persist_api._rows_and_files(state))  # the backup, as it was
        for account in decoded.accounts.values():
            account.cdr_index = None
        install(state, decoded)
        return decoded.summary()

    snapshot = persist_api.snapshot_bytes(app.state.faxage)

    def set_mode(label: str) -> None:
        before = label.startswith("before")
        # Before: the whole nuid tail sorted at once, and formatted in one go; "sorted":
        # formatted in steps, but the tail sorted at once first (the code until the sort
        # went, which held the loop ~0.7 s at a million records).
        cdr.SELECT_STEP = 10**12 if before else step
        cdr.SORT_AT_MOST = 10**12 if before or label.startswith("sorted") else sort_at_most
        persist_api.snapshot_bytes_off_loop = on_loop if before else off_loop  # type: ignore[assignment]
        persist_api.load_snapshot_off_loop = load_before if before else load_now  # type: ignore[assignment]

    bigs: dict[str, tuple[Callable[[httpx.Client], object], tuple[str, ...]]] = {
        "getcdr nuidgt=0": (
            lambda c: c.post("/getcdr.php", data={**CREDENTIALS, "nuidgt": "0"}),
            ("now", "sorted at once, formatted in steps", "before (on the loop)")),
        "GET /_sim/snapshot": (lambda c: c.get("/_sim/snapshot"),
                               ("now", "before (on the loop)")),
        "PUT /_sim/snapshot": (
            lambda c: c.put("/_sim/snapshot", content=snapshot,
                            headers={"content-type": "application/octet-stream"}),
            ("now", "before (backup and install on the loop)")),
    }
    if args.only:
        bigs = {name: big for name, big in bigs.items() if name.startswith(args.only)}
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    with LiveServer(app) as live:
        for _ in range(args.rounds):
            for name, (big, labels) in bigs.items():
                for label in labels:
                    set_mode(label)
                    took, waits = during(live.url, big)
                    results.setdefault((name, label), []).append(
                        (took, max(waits), statistics.median(waits)))
        set_mode("now")
    print(f"{args.records:,} call records, {args.rounds} alternating rounds; "
          "seconds as min/median/max over rounds")
    for (name, label), rows in results.items():
        def spread(i: int, rows: list[tuple[float, float, float]] = rows) -> str:
            values = sorted(r[i] for r in rows)
            return f"{values[0]:.3f}/{statistics.median(values):.3f}/{values[-1]:.3f}"
        print(f"{name}, {label}: took {spread(0)}; other client's longest wait {spread(1)}, "
              f"median wait {spread(2)}")


if __name__ == "__main__":
    main()

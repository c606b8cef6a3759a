"""Memory per 1,000 jobs: what an account's outbound jobs cost the emulator's process.

Jobs are sent through httpsfax.php in-process (login, parsing, the journal, the simulator),
a one-page text document each, on a manual clock; the Python heap is measured with
`tracemalloc` before and after, then again once the clock has run every job to its end (call
detail records written, the job's transmission history kept). The request journal keeps only
its newest entries (`--journal-limit`, default 10,000 here), so it is measured apart: the
figures are with it and without it (its share subtracted, as the journal's own size).

    .venv/bin/python benchmarks/bench_memory.py [--jobs 20000]
"""

from __future__ import annotations

import argparse
import base64
import gc
import tracemalloc
from urllib.parse import urlencode

from starlette.testclient import TestClient
from timing import machine

from faxage_sim.app import create_app
from faxage_sim.config import SimConfig
from faxage_sim.core.clock import ClockMode
from faxage_sim.state import AppState

FORM = urlencode({"username": "demo", "company": "1000", "password": "demo",
                  "operation": "sendfax", "faxno": "3039911234", "recipname": "Memory",
                  "faxfilenames[0]": "page.txt",
                  "faxfiledata[0]": base64.b64encode(b"One page of text.\n" * 20).decode()})


def heap() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--journal-limit", type=int, default=10_000)
    args = parser.parse_args()
    print(machine())
    app = create_app(SimConfig(clock=ClockMode.MANUAL, journal_limit=args.journal_limit))
    state: AppState = app.state.faxage
    with TestClient(app, base_url="http://127.0.0.1") as client:
        headers = {"content-type": "application/x-www-form-urlencoded"}
        client.post("/httpsfax.php", content=FORM, headers=headers)  # warm every import
        tracemalloc.start()
        before = heap()
        for _ in range(args.jobs):
            client.post("/httpsfax.php", content=FORM, headers=headers)
        pending = heap()
        journal_entries = len(state.journal.entries)
        journal = pending - before - _without_journal(state, pending)
        client.post("/_sim/clock/run-until-idle", json={})
        finished = heap()
        tracemalloc.stop()
    per = 1000 / args.jobs
    print(f"{args.jobs:,} jobs sent (journal holds {journal_entries:,} requests, "
          f"{journal / 1024 / 1024:.1f} MiB)")
    print(f"pending jobs: {(pending - before) * per / 1024 / 1024:.2f} MiB per 1,000 jobs "
          f"with the journal, {(pending - before - journal) * per / 1024 / 1024:.2f} MiB "
          "without")
    print(f"finished jobs: {(finished - before) * per / 1024 / 1024:.2f} MiB per 1,000 jobs "
          f"with the journal, {(finished - before - journal) * per / 1024 / 1024:.2f} MiB "
          "without")


def _without_journal(state: AppState, current: int) -> int:
    """The heap once the journal's entries are dropped (then put back)."""
    kept = list(state.journal.entries)
    state.journal.entries.clear()
    try:
        return heap()
    finally:
        state.journal.entries.extend(kept)
        del kept


if __name__ == "__main__":
    main()

"""Memory per 1,000 jobs: what an account's completed outbound jobs cost the emulator's process.

Part 1, through httpsfax.php in-process (login, parsing, the journal, the simulator): blocks
of one-page text sendfax requests, each run to its end on a manual clock, alternate with
baseline blocks of as many `status` requests (the same request path, no job made). The
resident memory grown by a job block, less the one grown by the baseline block next to it,
is what the jobs cost; printed per 1,000 jobs as min / median / max over the blocks. The
journal keeps one request (`--journal-limit`), so it is the jobs alone.

Part 2, a soak: `--soak` jobs (100,000 by default) submitted straight to the core and run to
their end, 10,000 at a time, printing the resident memory after each step: the curve should
be a straight line (no step costs more than the first), bounded in time (about a minute).

    .venv/bin/python benchmarks/bench_memory.py [--jobs 2000] [--blocks 5] [--soak 100000]
"""

from __future__ import annotations

import argparse
import base64
import gc
import os
import statistics
import time
from urllib.parse import urlencode

from starlette.testclient import TestClient
from timing import machine

from faxage_sim.core.clock import ClockMode
from faxage_sim.core.jobs import Document
from faxage_sim.core.simulator import Submission
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig
from faxage_sim.server.state import AppState

LOGIN = {"username": "demo", "company": "1000", "password": "demo"}
DOCUMENT = b"One page of text.\n" * 20
FORM = urlencode({**LOGIN, "operation": "sendfax", "faxno": "3039911234",
                  "recipname": "Memory", "faxfilenames[0]": "page.txt",
                  "faxfiledata[0]": base64.b64encode(DOCUMENT).decode()})
POLL = urlencode({**LOGIN, "operation": "status", "jobid": "1"})
HEADERS = {"content-type": "application/x-www-form-urlencoded"}
PAGE = os.sysconf("SC_PAGE_SIZE")
KIB = 1024
CHUNK = 200


def resident() -> int:
    gc.collect()
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def block(client: TestClient, body: str, count: int) -> int:
    """Resident bytes grown by `count` requests of `body`, each job run to its end."""
    before = resident()
    for _ in range(count):
        client.post("/httpsfax.php", content=body, headers=HEADERS)
    client.post("/_sim/clock/run-until-idle", json={})
    return resident() - before


def per_thousand(grown: float, jobs: int) -> str:
    return f"{grown * 1000 / jobs / 1024 / 1024:6.2f} MiB"


def wire_blocks(jobs: int, blocks: int, journal_limit: int) -> None:
    config = SimConfig(clock=ClockMode.MANUAL, journal_limit=journal_limit)
    with TestClient(create_app(config), base_url="http://127.0.0.1") as client:
        block(client, FORM, 500)  # warm every import and allocator pool
        block(client, POLL, 500)
        costs = []
        for _ in range(blocks):  # alternating: the machine's drift hits both alike
            baseline = block(client, POLL, jobs)
            grown = block(client, FORM, jobs)
            costs.append(grown - baseline)
    print(f"part 1: {blocks} blocks of {jobs:,} sendfax jobs (completed) against {jobs:,} "
          f"status requests, journal limit {journal_limit:,}")
    low, mid, high = min(costs), statistics.median(costs), max(costs)
    print(f"  per 1,000 jobs: min {per_thousand(low, jobs)}  median "
          f"{per_thousand(mid, jobs)}  max {per_thousand(high, jobs)}")
    print(f"  per job: median {mid / jobs / KIB:.2f} KiB (goal: 1.50 KiB; before this "
          f"change 3.8 MiB per 1,000)")


def soak(total: int, step: int) -> None:
    config = SimConfig(clock=ClockMode.MANUAL, journal_limit=1)
    state = AppState(config)
    sim = state.sim
    account = sim.accounts["1000"]
    user = account.users["demo"]
    started = time.perf_counter()
    base = resident()
    print(f"part 2: soak of {total:,} completed jobs, straight to the core")
    print(f"  {'jobs':>8}  {'RSS grown':>10}  {'per job':>8}  {'this step':>10}  {'seconds':>7}")
    done, last = 0, 0
    while done < total:
        target = min(done + step, total)
        while done < target:  # a few hundred at a time, as a busy client sends them
            for _ in range(min(CHUNK, target - done)):
                sim.submit(account, user, Submission(
                    faxno="3039911234", recipname="Memory",
                    documents=[Document("page.txt", DOCUMENT)]))
            done += min(CHUNK, target - done)
            while not sim.idle("1000"):
                sim.advance(3600, "1000")
        grown = resident() - base
        # The first step may reuse memory part 1 freed: the later steps are the marginal cost.
        print(f"  {done:>8,}  {grown / 1024 / 1024:>7.1f} MiB  {grown / done:>6.0f} B"
              f"  {(grown - last) / step:>8.0f} B  {time.perf_counter() - started:>7.1f}")
        last = grown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2_000, help="jobs per block")
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--journal-limit", type=int, default=1)
    parser.add_argument("--soak", type=int, default=100_000)
    args = parser.parse_args()
    print(machine())
    wire_blocks(args.jobs, args.blocks, args.journal_limit)
    if args.soak:
        soak(args.soak, 10_000)


if __name__ == "__main__":
    main()

"""Memory per 1,000 jobs: what an account's outbound jobs cost the emulator's process.

Jobs are sent through httpsfax.php in-process (login, parsing, the journal, the simulator),
a one-page text document each, on a manual clock; the process's resident memory is read
before and after (after a garbage collection), then again once the clock has run every job
to its end (call detail records written, each try kept). The request journal keeps its
newest `--journal-limit` requests (the server's default is 10,000): run once with
`--journal-limit 1` for the jobs alone.

    .venv/bin/python benchmarks/bench_memory.py [--jobs 10000] [--journal-limit 10000]
"""

from __future__ import annotations

import argparse
import base64
import gc
import os
from urllib.parse import urlencode

from starlette.testclient import TestClient
from timing import machine

from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

FORM = urlencode({"username": "demo", "company": "1000", "password": "demo",
                  "operation": "sendfax", "faxno": "3039911234", "recipname": "Memory",
                  "faxfilenames[0]": "page.txt",
                  "faxfiledata[0]": base64.b64encode(b"One page of text.\n" * 20).decode()})
PAGE = os.sysconf("SC_PAGE_SIZE")


def resident() -> int:
    gc.collect()
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--journal-limit", type=int, default=10_000)
    args = parser.parse_args()
    print(machine())
    app = create_app(SimConfig(clock=ClockMode.MANUAL, journal_limit=args.journal_limit))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        headers = {"content-type": "application/x-www-form-urlencoded"}
        for _ in range(200):  # warm every import and allocator pool
            client.post("/httpsfax.php", content=FORM, headers=headers)
        client.post("/_sim/clock/run-until-idle", json={})
        before = resident()
        for _ in range(args.jobs):
            client.post("/httpsfax.php", content=FORM, headers=headers)
        pending = resident()
        client.post("/_sim/clock/run-until-idle", json={})
        finished = resident()
    per = 1000 / args.jobs / 1024 / 1024
    print(f"{args.jobs:,} jobs, journal limit {args.journal_limit:,}")
    print(f"pending: {(pending - before) * per:.2f} MiB per 1,000 jobs")
    print(f"finished: {(finished - before) * per:.2f} MiB per 1,000 jobs")


if __name__ == "__main__":
    main()

"""Replaying the business-day scenario beside plain sendfax requests, in the same run (ratios).

1. Scenario replay: load `business-day` (400 outbound jobs with a failure mix, 150 inbound
   faxes, a 9-hour day) into an emulator with a manual clock, then advance to its end in ONE
   call (`POST /_sim/clock/run-until-idle`); wall time per simulated outbound job.
2. Baseline: the same count of plain sendfax requests (in-process, through the whole HTTP
   stack: form parsing, login, submission, journal), wall time per request; and those jobs
   then run to their end in one call, per job.

The replay includes everything the day does (retries, inbound calls and their records); the
baseline's submission is what a client would pay to create the same jobs one by one.

    .venv/bin/python benchmarks/bench_scenario.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import base64
import logging
import platform
import statistics
import time
import warnings
from typing import Any

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from starlette.testclient import TestClient  # noqa: E402

from faxage_sim.core.clock import ClockMode  # noqa: E402
from faxage_sim.server.app import create_app  # noqa: E402
from faxage_sim.server.config import SimConfig  # noqa: E402

SCENARIO = "business-day"
DOC = base64.b64encode(b"Hello, fax!\n" * 20).decode()
LOGIN = {"username": "demo", "company": "1000", "password": "demo"}


def client() -> TestClient:
    app = create_app(SimConfig(clock=ClockMode.MANUAL, log_requests=False))
    return TestClient(app, base_url="http://127.0.0.1")


def replay() -> dict[str, float]:
    with client() as c:
        started = time.perf_counter()
        response = c.post("/_sim/scenario", json={"name": SCENARIO})
        assert response.status_code == 200, response.text
        loaded = time.perf_counter()
        done = c.post("/_sim/clock/run-until-idle", json={"max_seconds": 2 * 86400}).json()
        finished = time.perf_counter()
        assert done["idle"], done
        jobs = c.get("/_sim/jobs").json()["jobs"]
        assert all(j["shortstatus"] != "pending" for j in jobs)
        inbound = c.post("/httpsfax.php", data={**LOGIN, "operation": "listfax"}).text
    return {"jobs": len(jobs), "inbound": inbound.count("\n"), "load": loaded - started,
            "run": finished - loaded, "simulated_hours": done["advanced"] / 3600}


def plain_sendfax(count: int) -> dict[str, float]:
    fields: dict[str, Any] = {**LOGIN, "operation": "sendfax", "recipname": "Bench",
                              "faxfilenames[0]": "a.txt", "faxfiledata[0]": DOC}
    with client() as c:
        started = time.perf_counter()
        for n in range(count):
            answer = c.post("/httpsfax.php", data={**fields, "faxno": f"212991{1000 + n:04d}"})
            assert answer.text.startswith("JOBID: "), answer.text
        sent = time.perf_counter()
        done = c.post("/_sim/clock/run-until-idle", json={"max_seconds": 2 * 86400}).json()
        finished = time.perf_counter()
        assert done["idle"], done
    return {"send": sent - started, "run": finished - sent}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    replays, plains = [], []
    for _ in range(args.rounds):  # alternated, so both see the same machine load
        replays.append(replay())
        plains.append(plain_sendfax(int(replays[-1]["jobs"])))
    jobs = int(replays[0]["jobs"])
    per_job = statistics.median(r["run"] / jobs for r in replays) * 1000
    load_ms = statistics.median(r["load"] for r in replays) * 1000
    per_send = statistics.median(p["send"] / jobs for p in plains) * 1000
    per_plain_run = statistics.median(p["run"] / jobs for p in plains) * 1000
    print(f"machine: {platform.machine()}, CPython {platform.python_version()}, "
          f"{platform.system()} {platform.release()}; medians of {args.rounds} rounds")
    print(f"{SCENARIO}: {jobs} outbound jobs, {int(replays[0]['inbound'])} inbound faxes, "
          f"{replays[0]['simulated_hours']:.1f} simulated hours; loading it: {load_ms:.1f} ms")
    print(f"{'measurement':<58} {'ms/job':>8} {'ratio':>7}")
    rows = [
        ("plain sendfax request, in-process (baseline)", per_send),
        ("plain sendfax jobs run to their end in one call", per_plain_run),
        (f"{SCENARIO} replayed to its end in one call", per_job),
    ]
    for label, value in rows:
        print(f"{label:<58} {value:>8.3f} {value / per_send:>6.2f}x")
    total = statistics.median(r["run"] for r in replays)
    print(f"whole day replayed in {total * 1000:.0f} ms "
          f"({replays[0]['simulated_hours'] * 3600 / total:,.0f} simulated seconds per second)")


if __name__ == "__main__":
    main()

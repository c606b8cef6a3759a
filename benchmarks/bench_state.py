"""`serve --state FILE` against the in-memory default, measured in the same run (ratios).

1. Throughput: sendfax + status round trips over one loopback keep-alive connection to a
   server with `--state` beside one without, in alternating blocks. Target: at least 0.8x.
2. A big state: 100,000 jobs and 100,000 received faxes. Time to write it (a new file),
   the file's size, the in-process load (read, check, decode, install), and `faxage-sim
   serve --state FILE` from spawn to first answered request beside an empty server's start.

3. With `--baseline CHECKOUT` (another faxage-sim source tree, e.g. the main branch before
   ids were reserved ahead of use): its `--state` server runs beside this one's, in the same
   alternating blocks; per-block ratios min/median/max. `--throughput-only` skips step 2.

    .venv/bin/python benchmarks/bench_state.py [--pairs 1000] [--jobs 100000] [--faxes 100000]
        [--baseline /work/main] [--throughput-only]
"""

from __future__ import annotations

import argparse
import base64
import functools
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from timing import alternating_rates, machine

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

URL = re.compile(r"(http://127\.0\.0\.1:\d+)")
LOGIN = {"username": "demo", "company": "1000", "password": "demo"}


def spawn(*extra: str, checkout: Path = HERE.parent
          ) -> tuple[subprocess.Popen[str], float, str, str]:
    """Start faxage-sim (of `checkout`); the process, seconds to its first answer, its URL,
    its ready line."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "faxage_sim", "serve", "--port", "0", "--clock", "manual",
         "--quiet", *extra], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        cwd=checkout, env={**os.environ, "PYTHONPATH": str(checkout)})
    assert process.stdout is not None
    line = process.stdout.readline()
    match = URL.search(line)
    assert match, f"no URL announced: {line!r}"
    url = match.group(1)
    response = httpx.post(f"{url}/httpsfax.php", data={**LOGIN, "operation": "status",
                                                       "jobid": "100001"}, timeout=120)
    assert response.status_code == 200
    return process, time.perf_counter() - started, url, line.strip()


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(120)


def throughputs(pairs: int, state_file: Path, block: int = 100) -> tuple[float, float]:
    doc = base64.b64encode(b"Hello, fax!\n" * 20).decode()
    servers = {"memory": spawn(), "state": spawn("--state", str(state_file))}
    clients = {kind: httpx.Client(base_url=url) for kind, (_, _, url, _) in servers.items()}

    def pair(client: httpx.Client) -> None:
        sent = client.post("/httpsfax.php", data={
            **LOGIN, "operation": "sendfax", "faxno": "3039911234", "recipname": "Alice",
            "faxfilenames[]": "a.txt", "faxfiledata[]": doc})
        jobid = sent.text.removeprefix("JOBID: ")
        client.post("/httpsfax.php", data={**LOGIN, "operation": "status", "jobid": jobid})

    try:
        rates = alternating_rates(
            {kind: functools.partial(pair, client) for kind, client in clients.items()},
            pairs, block)
        for client in clients.values():
            client.close()
    finally:
        for process, _, _, _ in servers.values():
            stop(process)
    return rates["memory"], rates["state"]


def baseline_ratios(pairs: int, directory: Path, baseline: Path, block: int = 100
                    ) -> dict[str, list[float]]:
    """Per-block requests/s of --state here, --state of the baseline checkout, and in memory,
    in alternating blocks."""
    doc = base64.b64encode(b"Hello, fax!\n" * 20).decode()
    servers = {"memory": spawn(),
               "state": spawn("--state", str(directory / "after.sqlite")),
               "baseline state": spawn("--state", str(directory / "before.sqlite"),
                                       checkout=baseline)}
    clients = {kind: httpx.Client(base_url=url) for kind, (_, _, url, _) in servers.items()}

    def pair(client: httpx.Client) -> None:
        sent = client.post("/httpsfax.php", data={
            **LOGIN, "operation": "sendfax", "faxno": "3039911234", "recipname": "Alice",
            "faxfilenames[]": "a.txt", "faxfiledata[]": doc})
        jobid = sent.text.removeprefix("JOBID: ")
        client.post("/httpsfax.php", data={**LOGIN, "operation": "status", "jobid": jobid})

    rates: dict[str, list[float]] = {kind: [] for kind in servers}
    try:
        for client in clients.values():
            for _ in range(50):
                pair(client)
        for _ in range(max(1, pairs // block)):
            for kind, client in clients.items():
                started = time.perf_counter()
                for _ in range(block):
                    pair(client)
                rates[kind].append(2 * block / (time.perf_counter() - started))
        for client in clients.values():
            client.close()
    finally:
        for process, _, _, _ in servers.values():
            stop(process)
    return rates


def spread(values: list[float]) -> str:
    ordered = sorted(values)
    return (f"min {ordered[0]:.2f} / median {ordered[len(ordered) // 2]:.2f} / "
            f"max {ordered[-1]:.2f}")


def big_state(path: Path, jobs: int, faxes: int) -> tuple[float, float]:
    """Build the state in-process; (seconds to build, seconds to write the new file)."""
    from faxage_sim.core.clock import ClockMode
    from faxage_sim.core.inbound import IncomingCall
    from faxage_sim.core.jobs import Document
    from faxage_sim.core.simulator import Submission
    from faxage_sim.persist.api import attach, open_state
    from faxage_sim.server.app import create_app
    from faxage_sim.server.config import SimConfig
    from faxage_sim.server.state import AppState

    app = create_app(SimConfig(clock=ClockMode.MANUAL))
    state: AppState = app.state.faxage
    sim = state.sim
    account = sim.accounts["1000"]
    account.settings.inbound_lines = 1000
    account.settings.outbound_lines = 400
    user = account.users["demo"]
    started = time.perf_counter()
    text = b"Hello, fax!\n" * 20
    for i in range(jobs):
        sim.submit(account, user, Submission(
            faxno="3039911234", recipname=f"Job {i}",
            documents=[Document("a.txt", text if i % 2 else text + b"!")]))
        if i % 100 == 99:
            sim.advance(60.0)  # 100 jobs a minute: they never wait long for a line
    for i in range(faxes):
        call = IncomingCall(did="3032974100", cid=f"720991{i % 10000:04d}", tsid="BENCH",
                            sender="Bench", pages=1 + i % 4, duration=60.0)
        sim.inbound.ring_later(call, account, i * 0.5)
    sim.advance(faxes * 0.5 + 61)  # the faxes arrive, and the jobs run to their end
    built = time.perf_counter() - started
    started = time.perf_counter()
    persister = attach(state, open_state(str(path)))
    written = time.perf_counter() - started
    persister.file.close()
    return built, written


def load_in_process(path: Path) -> float:
    from faxage_sim.core.clock import ClockMode
    from faxage_sim.persist.api import attach, open_state
    from faxage_sim.server.app import create_app
    from faxage_sim.server.config import SimConfig

    app = create_app(SimConfig(clock=ClockMode.MANUAL))
    started = time.perf_counter()
    persister = attach(app.state.faxage, open_state(str(path)))
    seconds = time.perf_counter() - started
    persister.file.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--faxes", type=int, default=100_000)
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another faxage-sim checkout whose --state server is compared")
    parser.add_argument("--throughput-only", action="store_true")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        if args.baseline is not None:
            rates = baseline_ratios(args.pairs, directory, args.baseline.resolve())
            after, before, memory = rates["state"], rates["baseline state"], rates["memory"]
            print(f"--state here vs --state of {args.baseline} ({len(after)} blocks of 100 "
                  f"sendfax+status pairs): req/s here {spread(after)}, baseline "
                  f"{spread(before)}, in memory {spread(memory)}")
            print(f"ratio here/baseline per block: "
                  f"{spread([a / b for a, b in zip(after, before, strict=True)])}")
            print(f"ratio here/in memory per block: "
                  f"{spread([a / m for a, m in zip(after, memory, strict=True)])}")
            if args.throughput_only:
                return
        memory_rps, state_rps = throughputs(args.pairs, directory / "throughput.sqlite")
        print(f"throughput ({args.pairs} sendfax+status pairs, keep-alive): in memory "
              f"{memory_rps:.0f} req/s, --state {state_rps:.0f} req/s, ratio "
              f"{state_rps / memory_rps:.2f}x (target >= 0.8x)")
        path = directory / "big.sqlite"
        built, written = big_state(path, args.jobs, args.faxes)
        size = path.stat().st_size + sum(
            p.stat().st_size for p in directory.glob("big.sqlite-*") if p.exists())
        print(f"big state ({args.jobs} jobs, {args.faxes} faxes): built in {built:.1f} s, "
              f"written to a new file in {written:.1f} s, {size / 1e6:.0f} MB")
        print(f"loaded in-process (read, check, decode, install): {load_in_process(path):.2f} s")
        empty_process, empty_start, _, _ = spawn()
        stop(empty_process)
        big_process, big_start, _, line = spawn("--state", str(path))
        stop(big_process)
        print(f"serve start-up to first answer: empty {empty_start * 1000:.0f} ms, with the big "
              f"state {big_start:.2f} s ({big_start / empty_start:.0f}x)")
        print(f"ready line: {line}")
        os.sync()


if __name__ == "__main__":
    main()

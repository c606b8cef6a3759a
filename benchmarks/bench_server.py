"""faxage-sim serve against a bare Starlette app, measured in the same run (ratios).

1. Start-up: from spawning the process to its first answered request.
   Target: faxage-sim ready within 1.1x the bare app's start.
2. Throughput: sendfax + status round trips over one loopback keep-alive connection, beside
   the bare app answering the same number of form POSTs. Target: at least 0.85x the bare app.

    .venv/bin/python benchmarks/bench_server.py [--starts 7] [--pairs 1000]
"""

from __future__ import annotations

import argparse
import base64
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from timing import alternating_rates, machine

HERE = Path(__file__).resolve().parent
URL = re.compile(r"(http://127\.0\.0\.1:\d+)")
LOGIN = {"username": "demo", "company": "1000", "password": "demo"}


def spawn(kind: str) -> tuple[subprocess.Popen[str], float, str]:
    """Start a server; returns the process, seconds to its first answered request, its URL."""
    if kind == "faxage-sim":
        argv = [sys.executable, "-m", "faxage_sim", "serve", "--port", "0", "--clock", "manual",
                "--quiet"]
    else:
        argv = [sys.executable, str(HERE / "bare_app.py")]
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, cwd=HERE.parent)
    assert process.stdout is not None
    match = URL.search(process.stdout.readline())
    assert match, f"{kind} did not announce a URL"
    url = match.group(1)
    if kind == "faxage-sim":
        response = httpx.post(f"{url}/httpsfax.php", data={**LOGIN, "operation": "status"})
    else:
        response = httpx.post(f"{url}/form", data={"a": "1"})
    assert response.status_code == 200
    return process, time.perf_counter() - started, url


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(10)


def startups(runs: int) -> tuple[float, float]:
    """Median start-up of each, the two alternating so machine noise hits both alike."""
    times: dict[str, list[float]] = {"bare": [], "faxage-sim": []}
    for _ in range(runs):
        for kind in times:
            process, seconds, _ = spawn(kind)
            stop(process)
            times[kind].append(seconds)
    return statistics.median(times["bare"]), statistics.median(times["faxage-sim"])


def pair_runner(kind: str, client: httpx.Client) -> Callable[[], None]:
    doc = base64.b64encode(b"Hello, fax!\n" * 20).decode()
    if kind == "faxage-sim":
        def pair() -> None:
            sent = client.post("/httpsfax.php", data={
                **LOGIN, "operation": "sendfax", "faxno": "3039911234", "recipname": "Alice",
                "faxfilenames[]": "a.txt", "faxfiledata[]": doc})
            jobid = sent.text.removeprefix("JOBID: ")
            client.post("/httpsfax.php", data={**LOGIN, "operation": "status", "jobid": jobid})
    else:
        def pair() -> None:
            client.post("/form", data={**LOGIN, "operation": "sendfax", "faxno": "3039911234",
                                       "recipname": "Alice", "faxfilenames[]": "a.txt",
                                       "faxfiledata[]": doc})
            client.post("/form", data={**LOGIN, "operation": "status", "jobid": "1"})
    return pair


def throughputs(pairs: int, block: int = 100) -> tuple[float, float]:
    """Requests per second of each over one keep-alive connection (two requests per pair),
    in alternating blocks so machine noise hits both alike."""
    servers = {kind: spawn(kind) for kind in ("bare", "faxage-sim")}
    try:
        clients = {kind: httpx.Client(base_url=url) for kind, (_, _, url) in servers.items()}
        rates = alternating_rates(
            {kind: pair_runner(kind, clients[kind]) for kind in servers}, pairs, block)
        for client in clients.values():
            client.close()
    finally:
        for process, _, _ in servers.values():
            stop(process)
    return rates["bare"], rates["faxage-sim"]


def compile_bytecode() -> None:
    """Measure the package as installed: pip writes .pyc files at install time, but an
    editable checkout run with PYTHONDONTWRITEBYTECODE=1 (as on this project's machines)
    would otherwise recompile every module at every start."""
    import compileall

    compileall.compile_dir(str(HERE.parent / "faxage_sim"), quiet=1)
    compileall.compile_file(str(HERE / "bare_app.py"), quiet=1)


def main() -> None:
    compile_bytecode()
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=7)
    parser.add_argument("--pairs", type=int, default=1000)
    args = parser.parse_args()
    print(machine())
    bare_start, sim_start = startups(args.starts)
    print(f"start-up to first answer (median of {args.starts}): bare {bare_start * 1000:.0f} ms,"
          f" faxage-sim {sim_start * 1000:.0f} ms, ratio {sim_start / bare_start:.2f}x "
          f"(target <= 1.1x)")
    bare_rps, sim_rps = throughputs(args.pairs)
    print(f"throughput ({args.pairs} sendfax+status pairs, keep-alive): bare {bare_rps:.0f} req/s,"
          f" faxage-sim {sim_rps:.0f} req/s, ratio {sim_rps / bare_rps:.2f}x (target >= 0.85x)")

if __name__ == "__main__":
    main()

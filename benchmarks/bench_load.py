"""Load: many clients for a while on loopback, then every JOBID they were given is checked.

50 clients (keep-alive connections), for 60 s by default, each sending a fax now and then
and polling the status of the faxes it sent. At the end every JOBID answered is asked for
again (`status` with `jobids[]`, in batches) and must come back. Prints requests, errors,
requests per second, p50/p99 latency and the JOBID check. Bounded: `--seconds`, and at most
`--max-requests` in all; loopback only (a `--url` must be 127.0.0.1, ::1 or localhost).

With no `--url`, starts `faxage-sim serve --port 0` (realtime clock) for the run and stops it.

    .venv/bin/python benchmarks/bench_load.py [--seconds 60] [--clients 50]
        [--max-requests 1000000] [--url http://127.0.0.1:8080]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from timing import machine

LOGIN = {"username": "demo", "company": "1000", "password": "demo"}
DOCUMENT = base64.b64encode(b"Load test page\n").decode()
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class Tally:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.requests = 0
        self.errors: list[str] = []
        self.latencies: list[float] = []
        self.jobids: list[str] = []

    def take(self) -> bool:
        if self.requests >= self.limit:
            return False
        self.requests += 1
        return True


async def client(url: str, deadline: float, tally: Tally, number: int) -> None:
    mine: list[str] = []
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        turn = 0
        while time.monotonic() < deadline and tally.take():
            turn += 1
            sending = not mine or turn % 4 == 0
            form = ({**LOGIN, "operation": "sendfax", "faxno": "3039911234",
                     "recipname": f"Client {number}", "faxfilenames[]": "page.txt",
                     "faxfiledata[]": DOCUMENT} if sending else
                    {**LOGIN, "operation": "status", "jobid": mine[turn % len(mine)]})
            started = time.perf_counter()
            try:
                reply = await http.post("/httpsfax.php", data=form)
            except httpx.HTTPError as exc:
                tally.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            tally.latencies.append(time.perf_counter() - started)
            text = reply.text
            if reply.status_code != 200:
                tally.errors.append(f"HTTP {reply.status_code}: {text[:80]}")
            elif sending:
                if text.startswith("JOBID: "):
                    mine.append(text.removeprefix("JOBID: ").strip())
                    tally.jobids.append(mine[-1])
                else:
                    tally.errors.append(f"sendfax answered {text[:80]!r}")
            elif not text.startswith(mine[turn % len(mine)] + "\t"):
                tally.errors.append(f"status answered {text[:80]!r}")


async def missing_jobids(url: str, jobids: list[str]) -> list[str]:
    missing: list[str] = []
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        for at in range(0, len(jobids), 500):
            batch = jobids[at:at + 500]
            reply = await http.post("/httpsfax.php", data={
                **LOGIN, "operation": "status", "jobids[]": batch})
            found = {line.split("\t", 1)[0] for line in reply.text.splitlines()}
            missing += [j for j in batch if j not in found]
    return missing


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port_file = Path(tempfile.mkdtemp(prefix="faxage-load-")) / "port"
    server = subprocess.Popen([sys.executable, "-m", "faxage_sim", "serve", "--port", "0",
                               "--host", "127.0.0.1", "--port-file", str(port_file),
                               "--quiet"], env={**os.environ, "PYTHONUNBUFFERED": "1"})
    for _ in range(600):
        if port_file.exists() and port_file.read_text().endswith("\n"):
            return server, f"http://127.0.0.1:{port_file.read_text().strip()}"
        if server.poll() is not None:
            raise SystemExit("faxage-sim serve exited before it was ready")
        time.sleep(0.05)
    server.kill()
    raise SystemExit("faxage-sim serve was not ready within 30 s")


async def run(url: str, seconds: float, clients: int, limit: int) -> int:
    tally = Tally(limit)
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(*(client(url, deadline, tally, n) for n in range(clients)))
    elapsed = time.monotonic() - started
    missing = await missing_jobids(url, tally.jobids)
    latencies = tally.latencies
    print(f"{clients} clients for {elapsed:.1f} s on {url}")
    print(f"requests: {tally.requests} ({tally.requests / elapsed:.0f}/s), "
          f"errors: {len(tally.errors)}")
    print(f"latency: p50 {percentile(latencies, 0.50) * 1000:.1f} ms, "
          f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
          f"max {max(latencies, default=0) * 1000:.1f} ms, "
          f"mean {statistics.fmean(latencies) * 1000 if latencies else 0:.1f} ms")
    print(f"JOBIDs given: {len(tally.jobids)}, retrievable afterwards: "
          f"{len(tally.jobids) - len(missing)}, missing: {len(missing)}")
    for error in tally.errors[:10]:
        print(f"  error: {error}")
    return 1 if tally.errors or missing else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--url", default=None, help="an emulator already running on loopback")
    args = parser.parse_args()
    if not 0 < args.seconds <= 3600 or not 0 < args.clients <= 1000:
        parser.error("--seconds must be in (0, 3600] and --clients in (0, 1000]")
    print(machine())
    server = None
    url = args.url
    if url is None:
        server, url = start_server()
    elif urlsplit(url).hostname not in LOOPBACK:
        parser.error("--url must be a loopback address (127.0.0.1, ::1 or localhost)")
    try:
        status = asyncio.run(run(url, args.seconds, args.clients, args.max_requests))
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
    raise SystemExit(status)


if __name__ == "__main__":
    main()

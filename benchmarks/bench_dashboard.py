"""The web dashboard's cost: live viewers during API load, and pages over a big state.

1. Throughput: sendfax+status round trips over one keep-alive loopback connection to a
   `faxage-sim serve` with three dashboards open and streaming, beside an identical server
   with none, in alternating blocks (so machine noise falls on both alike). The three viewers
   run in a separate process and do what the page's script does: hold the live stream
   (`/_sim/ui/events`) and, on each change message, fetch the jobs page's live region again
   (one fetch in flight; changes meanwhile cause one more). Target: >= 0.9x.
2. First screen of the jobs page (`/_sim/ui/jobs`, the whole HTML page) with 10,000 jobs vs
   10 jobs, in-process, alternating. Target: <= 1.5x, and under 300 ms server time. The same
   for the inbound page (10,000 vs 10 received faxes) and the overview.

    .venv/bin/python benchmarks/bench_dashboard.py [--pairs 1000] [--jobs 10000] [--repeat 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import threading
from pathlib import Path

import httpx
from bench_server import compile_bytecode, pair_runner, spawn, stop
from timing import alternating_rates, machine, ms, paired_medians

from faxage_sim.core.clock import ClockMode
from faxage_sim.core.inbound import IncomingCall
from faxage_sim.core.jobs import Document
from faxage_sim.core.simulator import Submission
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig
from faxage_sim.server.state import AppState

HERE = Path(__file__).resolve().parent
VIEWERS = 3


# --- 1. throughput with viewers ---------------------------------------------------------------


def viewer(url: str, refreshes: list[int], stop_flag: threading.Event) -> None:
    """One open dashboard: the live stream, and a refetch of the live region per change."""
    with httpx.Client(base_url=url, timeout=None) as client, \
            client.stream("GET", "/_sim/ui/events") as events:
        for line in events.iter_lines():
            if stop_flag.is_set():
                return
            if line.startswith("event: change"):
                page = client.get("/_sim/ui/jobs", params={"partial": "1"})
                assert page.status_code == 200
                refreshes[0] += 1


def run_viewers(url: str) -> None:
    """`--viewers URL`: run three viewers until stdin closes, then print their refreshes."""
    stop_flag = threading.Event()
    counts = [[0] for _ in range(VIEWERS)]
    threads = [threading.Thread(target=viewer, args=(url, counts[i], stop_flag), daemon=True)
               for i in range(VIEWERS)]
    for thread in threads:
        thread.start()
    print("ready", flush=True)
    sys.stdin.read()
    stop_flag.set()
    print(json.dumps([c[0] for c in counts]), flush=True)


def throughputs(pairs: int, block: int = 100) -> tuple[float, float, list[int]]:
    servers = {kind: spawn("faxage-sim") for kind in ("none", "viewed")}
    viewers = subprocess.Popen([sys.executable, __file__, "--viewers", servers["viewed"][2]],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                               cwd=HERE.parent)
    try:
        assert viewers.stdout is not None and viewers.stdin is not None
        assert viewers.stdout.readline().strip() == "ready"
        clients = {kind: httpx.Client(base_url=url) for kind, (_, _, url) in servers.items()}
        rates = alternating_rates(
            {kind: pair_runner("faxage-sim", clients[kind]) for kind in servers}, pairs, block)
        for client in clients.values():
            client.close()
        viewers.stdin.close()
        refreshes = json.loads(viewers.stdout.readline())
        viewers.wait(10)
    finally:
        if viewers.poll() is None:
            viewers.kill()
        for process, _, _ in servers.values():
            stop(process)
    return rates["none"], rates["viewed"], refreshes


# --- 2. pages over a big state -----------------------------------------------------------------


class PageClient:
    """GETs answered by the app in-process through ASGI (no socket, no thread hop), so the
    time measured is the server's."""

    def __init__(self, app: object) -> None:
        self.loop = asyncio.new_event_loop()
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
                                        base_url="http://127.0.0.1")

    def get(self, path: str) -> httpx.Response:
        return self.loop.run_until_complete(self.client.get(path))


def filled(jobs: int) -> tuple[PageClient, AppState]:
    """An emulator whose default account holds `jobs` jobs in every state, and as many
    received faxes."""
    app = create_app(SimConfig(clock=ClockMode.MANUAL, log_requests=False))
    state: AppState = app.state.faxage
    sim = state.sim
    account = sim.accounts["1000"]
    user = account.users["demo"]
    for i in range(jobs):
        sim.submit(account, user, Submission(
            faxno=f"30399{i % 100000:05d}", recipname=f"Recipient {i}",
            documents=[Document("a.txt", b"Hello, fax!\n")], tagname="Bench"))
        if i % 50 == 49:
            sim.advance(20)  # jobs move on: some done, some queued, some converting
        call = IncomingCall(did="3032974100", cid="7209910000", tsid="BENCH", sender="Bench",
                            pages=1, duration=0)
        sim.inbound.ring(call, account=account)
    return PageClient(app), state


def page_ratios(big: int, small: int, repeat: int) -> list[tuple[str, float, float]]:
    big_client, big_state = filled(big)
    small_client, _ = filled(small)
    assert sum(len(a.jobs) for a in big_state.sim.accounts.values()) == big
    results = []
    for path in ("/_sim/ui/jobs", "/_sim/ui/inbound", "/_sim/ui/"):
        def get(client: PageClient = big_client, path: str = path) -> None:
            assert client.get(path).status_code == 200

        def get_small(path: str = path) -> None:
            assert small_client.get(path).status_code == 200

        big_time, small_time = paired_medians(get, get_small, repeat)
        results.append((path, small_time, big_time))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--viewers", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--no-pages", action="store_true", help="throughput only")
    args = parser.parse_args()
    if args.viewers:
        run_viewers(args.viewers)
        return
    compile_bytecode()
    print(machine())
    none_rps, viewed_rps, refreshes = throughputs(args.pairs)
    print(f"throughput ({args.pairs} sendfax+status pairs, keep-alive): no dashboard "
          f"{none_rps:.0f} req/s, {VIEWERS} dashboards streaming {viewed_rps:.0f} req/s, "
          f"ratio {viewed_rps / none_rps:.2f}x (target >= 0.9x); the dashboards refreshed "
          f"{refreshes} times")
    if args.no_pages:
        return
    for path, small_time, big_time in page_ratios(args.jobs, args.small, args.repeat):
        target = "target <= 1.5x, < 300 ms" if path.endswith("/jobs") else "target < 300 ms"
        print(f"{path} first screen: {args.small} jobs+faxes {ms(small_time)}, "
              f"{args.jobs} jobs+faxes {ms(big_time)}, ratio {big_time / small_time:.2f}x "
              f"({target})")


if __name__ == "__main__":
    main()

"""Throughput of this checkout's faxage-sim beside another checkout's (a worktree of an older
commit) and the bare app, in one run: alternating blocks of sendfax+status pairs over one
keep-alive connection each, so load from other work on the machine falls on all three alike.

    git worktree add /tmp/old COMMIT
    .venv/bin/python benchmarks/bench_trees.py /tmp/old [--blocks 41] [--pairs 100]

Each `faxage-sim serve` runs from its own checkout's directory (`python -m faxage_sim` takes
the package there), with this checkout's interpreter. Prints, for each, the median rate and
its ratio to the bare app's (min / median / max over the blocks), and the server's CPU time
per request (from /proc/PID/task/*/schedstat: nanoseconds, not clock ticks).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from bench_server import pair_runner
from timing import machine

HERE = Path(__file__).resolve().parent
URL = re.compile(r"(http://127\.0\.0\.1:\d+)")
SERVE = ["-m", "faxage_sim", "serve", "--port", "0", "--clock", "manual", "--quiet"]


def spawn(argv: list[str], cwd: Path) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    process = subprocess.Popen([sys.executable, *argv], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, cwd=cwd, env=env)
    assert process.stdout is not None
    match = URL.search(process.stdout.readline())
    assert match, f"{argv} in {cwd} did not announce a URL"
    return process, match.group(1)


def cpu_seconds(pid: int) -> float:
    tasks = Path(f"/proc/{pid}/task")
    return sum(int((task / "schedstat").read_text().split()[0]) for task in tasks.iterdir()) / 1e9


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("old", type=Path, help="the other checkout (e.g. a worktree)")
    parser.add_argument("--blocks", type=int, default=41)
    parser.add_argument("--pairs", type=int, default=100)
    args = parser.parse_args()
    for tree in (args.old, HERE.parent):
        subprocess.run([sys.executable, "-m", "compileall", "-q", "faxage_sim"], cwd=tree,
                       check=True)
    print(machine())
    servers = {"bare": (spawn([str(HERE / "bare_app.py")], HERE.parent), "bare"),
               "old": (spawn(SERVE, args.old.resolve()), "faxage-sim"),
               "new": (spawn(SERVE, HERE.parent), "faxage-sim")}
    rates: dict[str, list[float]] = {name: [] for name in servers}
    cpu: dict[str, list[float]] = {name: [] for name in servers}
    clients = {name: httpx.Client(base_url=url) for name, ((_, url), _) in servers.items()}
    try:
        runners = {name: pair_runner(kind, clients[name]) for name, (_, kind) in servers.items()}
        for run in runners.values():  # warm up each
            for _ in range(args.pairs):
                run()
        order = list(servers)
        for block in range(args.blocks):
            for name in order if block % 2 == 0 else order[::-1]:
                pid = servers[name][0][0].pid
                cpu_before, started = cpu_seconds(pid), time.perf_counter()
                for _ in range(args.pairs):
                    runners[name]()
                requests = 2 * args.pairs
                rates[name].append(requests / (time.perf_counter() - started))
                cpu[name].append((cpu_seconds(pid) - cpu_before) * 1000 / requests)
    finally:
        for client in clients.values():
            client.close()
        for (process, _), _ in servers.values():
            process.terminate()
            process.wait(10)
    print(f"bare: {statistics.median(rates['bare']):.0f} req/s, "
          f"{statistics.median(cpu['bare']):.3f} ms CPU per request")
    for name in ("old", "new"):
        ratios = [s / b for s, b in zip(rates[name], rates["bare"], strict=True)]
        print(f"{name} ({args.old if name == 'old' else HERE.parent}): "
              f"{statistics.median(rates[name]):.0f} req/s, ratio to bare "
              f"{min(ratios):.2f}x / {statistics.median(ratios):.2f}x / {max(ratios):.2f}x; "
              f"{statistics.median(cpu[name]):.3f} ms CPU per request "
              f"(bare / it: {statistics.median(cpu['bare']) / statistics.median(cpu[name]):.2f}x)")


if __name__ == "__main__":
    main()

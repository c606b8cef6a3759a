"""Every ratio the docs quote, each against its baseline measured in the same run.

    .venv/bin/python benchmarks/run_all.py [--quick] [--blocks N] [--only NAME ...]

Each measurement alternates blocks of its subject and its baseline (so load from other work
on the machine falls on both alike), takes one ratio per block, and prints the ratio's
min / median / max over the blocks beside the median of each side. `--quick` runs every
measurement small and short: a smoke test (tests/test_benchmarks.py runs it) that keeps this
command working; its figures are not the ones to quote.

Measurements (subject, then its baseline):

- startup: `faxage-sim serve` spawn → first answered request; the bare Starlette app
  (bare_app.py) served the same way.
- throughput: sendfax+status pairs over one keep-alive connection (requests/s); the bare app
  answering the same POSTs.
- listfax: 100 faxes returned from a 100,000-fax account; the same from a 100-fax account.
- getcdr: `nuidgt`, 100 records returned from 1,000,000 records; the same from 1,000.
- fixture: per-test setup+teardown of the `faxage_sim` fixture (minus a fixture-less
  test's), in a real pytest session; pytest-httpserver's `httpserver` in the same session.
- verify: one whole `faxage-sim verify` run (read-only cases); as many bare requests to the
  same emulator.
- memory: resident memory per 1,000 pending jobs with the default 10,000-request journal;
  the jobs alone (`--journal-limit 1`).
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the sibling bench_*.py scripts and timing.py

from timing import machine  # noqa: E402


@dataclass
class Sizes:
    blocks: int
    startup_blocks: int
    pairs_per_block: int
    faxes: int
    records: int
    requests_per_block: int
    fixture_tests: int
    fixture_blocks: int
    verify_blocks: int
    memory_jobs: int
    memory_blocks: int


FULL = Sizes(blocks=15, startup_blocks=15, pairs_per_block=100, faxes=100_000,
             records=1_000_000, requests_per_block=20, fixture_tests=200, fixture_blocks=3,
             verify_blocks=5, memory_jobs=2_000, memory_blocks=2)
QUICK = Sizes(blocks=3, startup_blocks=2, pairs_per_block=10, faxes=1_000, records=10_000,
              requests_per_block=3, fixture_tests=4, fixture_blocks=1, verify_blocks=1,
              memory_jobs=200, memory_blocks=1)


@dataclass
class Result:
    name: str
    what: str
    unit: str
    baseline: list[float]
    subject: list[float]
    ratios: list[float]
    target: str

    def row(self) -> str:
        if self.ratios:
            lo, mid, hi = min(self.ratios), statistics.median(self.ratios), max(self.ratios)
            ratios = f"{lo:.2f}x / {mid:.2f}x / {hi:.2f}x"
        else:
            ratios = "n/a (too short to measure)"
        return (f"| {self.name} | {self.what} | {statistics.median(self.baseline):.4g} "
                f"{self.unit} | {statistics.median(self.subject):.4g} {self.unit} | "
                f"{ratios} | {self.target} | {len(self.ratios)} |")


def alternate(blocks: int, baseline: Callable[[], float], subject: Callable[[], float],
              ratio: Callable[[float, float], float]) -> tuple[list[float], list[float],
                                                               list[float]]:
    """Run `baseline` and `subject` in alternating blocks (which goes first alternates too);
    each returns its block's figure. Returns both figures per block and each block's ratio."""
    base: list[float] = []
    subj: list[float] = []
    for index in range(blocks):
        order = ((base, baseline), (subj, subject))
        for bucket, run in (order if index % 2 == 0 else order[::-1]):
            gc.collect()
            bucket.append(run())
    return base, subj, [ratio(b, s) for b, s in zip(base, subj, strict=True)]


# --- start-up and throughput (bench_server.py) ----------------------------------------------


def children_cpu() -> float:
    """CPU seconds of every child process reaped so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds a running process has used (user + system, /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def startup(sizes: Sizes) -> list[Result]:
    """Wall time to the first answer (the target), and, less swayed by other work on the
    machine, the CPU time each process used (to its first answer and its stop)."""
    from bench_server import spawn, stop

    cpu: dict[str, list[float]] = {"bare": [], "faxage-sim": []}

    def once(kind: str) -> Callable[[], float]:
        def block() -> float:
            before = children_cpu()
            process, seconds, _ = spawn(kind)
            stop(process)
            cpu[kind].append((children_cpu() - before) * 1000)
            return seconds * 1000
        return block

    base, subj, ratios = alternate(sizes.startup_blocks, once("bare"), once("faxage-sim"),
                                   lambda b, s: s / b)
    return [Result("startup", "`serve` spawn → first answer (wall)", "ms", base, subj, ratios,
                   "≤ 1.1x"),
            Result("startup-cpu", "the same, CPU time of the process (to its stop)", "ms",
                   cpu["bare"], cpu["faxage-sim"],
                   [s / b for b, s in zip(cpu["bare"], cpu["faxage-sim"], strict=True)],
                   "figures only")]


def throughput(sizes: Sizes) -> Result:
    import httpx
    from bench_server import pair_runner, spawn, stop

    servers = {kind: spawn(kind) for kind in ("bare", "faxage-sim")}
    clients = {kind: httpx.Client(base_url=url) for kind, (_, _, url) in servers.items()}
    try:
        runners = {kind: pair_runner(kind, clients[kind]) for kind in servers}
        for run in runners.values():  # warm up both
            for _ in range(max(10, sizes.pairs_per_block)):
                run()

        cpu: dict[str, list[float]] = {"bare": [], "faxage-sim": []}

        def rate(kind: str) -> Callable[[], float]:
            pid = servers[kind][0].pid

            def block() -> float:
                cpu_before = process_cpu(pid)
                started = time.perf_counter()
                for _ in range(sizes.pairs_per_block):
                    runners[kind]()
                elapsed = time.perf_counter() - started
                # The server's CPU per request (ms): what the request path costs it.
                cpu[kind].append((process_cpu(pid) - cpu_before) * 1000
                                 / (2 * sizes.pairs_per_block))
                return 2 * sizes.pairs_per_block / elapsed
            return block

        base, subj, ratios = alternate(sizes.blocks, rate("bare"), rate("faxage-sim"),
                                       lambda b, s: s / b)
    finally:
        for client in clients.values():
            client.close()
        for process, _, _ in servers.values():
            stop(process)
    # CPU time is counted in clock ticks (10 ms): a block too short to register on both
    # sides gives no ratio; failing every block, the totals give one.
    cpu_ratios = [b / s for b, s in zip(cpu["bare"], cpu["faxage-sim"], strict=True)
                  if b > 0 and s > 0]
    if not cpu_ratios and sum(cpu["bare"]) > 0 and sum(cpu["faxage-sim"]) > 0:
        cpu_ratios = [sum(cpu["bare"]) / sum(cpu["faxage-sim"])]
    return [Result("throughput", f"sendfax+status, keep-alive, blocks of "
                   f"{sizes.pairs_per_block} pairs", "req/s", base, subj, ratios, "≥ 0.85x"),
            Result("throughput-cpu", "the same, server CPU per request (ratio: bare / "
                   "faxage-sim, as throughput)", "ms", cpu["bare"], cpu["faxage-sim"],
                   cpu_ratios, "figures only")]


# --- listfax and getcdr over big stores (bench_listfax.py, bench_getcdr.py) ------------------


def _median_request(action: Callable[[], object], count: int) -> Callable[[], float]:
    def block() -> float:
        times = []
        for _ in range(count):
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
        return statistics.median(times) * 1000
    return block


def listfax(sizes: Sizes) -> list[Result]:
    import bench_listfax as bench

    page = 100
    small_client, small, _ = bench.filled(page)
    big_client, big, _ = bench.filled(sizes.faxes)
    with small_client, big_client:
        small_run = bench.listfax(small_client, page, idgt=str(bench.last_recvid(small) - page))
        big_run = bench.listfax(big_client, page, idgt=str(bench.last_recvid(big) - page))
        for _ in range(5):
            small_run()
            big_run()
        base, subj, ratios = alternate(
            sizes.blocks, _median_request(small_run, sizes.requests_per_block),
            _median_request(big_run, sizes.requests_per_block), lambda b, s: s / b)
    return [Result("listfax", f"100 faxes of {sizes.faxes:,} vs of 100 (idgt)", "ms", base,
                   subj, ratios, "≤ 1.5x")]


def getcdr(sizes: Sizes) -> list[Result]:
    import bench_getcdr as bench

    from faxage_sim.server.state import AppState

    page = 100
    small_client, small, _ = bench.filled(1000)
    big_client, big, _ = bench.filled(sizes.records)
    with small_client, big_client:
        def query(state: AppState) -> dict[str, str]:
            return {"nuidgt": str(state.sim.cdrs.last_nuid - page), "nuidshow": "1"}

        small_run = bench.getcdr(small_client, page, **query(small))
        big_run = bench.getcdr(big_client, page, **query(big))
        for _ in range(5):
            small_run()
            big_run()
        base, subj, ratios = alternate(
            sizes.blocks, _median_request(small_run, sizes.requests_per_block),
            _median_request(big_run, sizes.requests_per_block), lambda b, s: s / b)
    return [Result("getcdr", f"nuidgt, 100 records of {sizes.records:,} vs of 1,000", "ms",
                   base, subj, ratios, "≤ 1.5x")]


# --- the pytest plugin (bench_plugin.py) -----------------------------------------------------


def fixture(sizes: Sizes) -> list[Result]:
    from bench_plugin import fixture_overhead

    base: list[float] = []
    subj: list[float] = []
    for _ in range(sizes.fixture_blocks):  # one pytest session runs both fixtures, interleaved
        per_test = fixture_overhead(sizes.fixture_tests)
        base.append((per_test["httpserver"] - per_test["bare"]) * 1000)
        subj.append((per_test["faxage_sim"] - per_test["bare"]) * 1000)
    # pytest-httpserver's overhead is near zero: a session where it measured none gives no ratio.
    ratios = [s / b for b, s in zip(base, subj, strict=True) if b > 0]
    return [Result("fixture", f"per-test `faxage_sim` vs `httpserver` ({sizes.fixture_tests} "
                   "tests each a session)", "ms", base, subj, ratios, "faxage_sim ≤ 1 ms")]


# --- verify (bench_verify.py) ----------------------------------------------------------------


def verify(sizes: Sizes) -> list[Result]:
    from bench_verify import bare_requests, verify_once

    from faxage_sim.core.clock import ClockMode
    from faxage_sim.harness.embedded import EmbeddedSimulator
    from faxage_sim.server.config import SimConfig
    from faxage_sim.verify.cases import selected

    count = len(selected(False))
    config = SimConfig(clock=ClockMode.MANUAL, port=0, log_requests=False)
    with EmbeddedSimulator(config) as sim:
        url = sim.listen()

        def timed(action: Callable[[], object]) -> Callable[[], float]:
            def block() -> float:
                started = time.perf_counter()
                action()
                return time.perf_counter() - started
            return block

        verify_once(url)  # warm up
        base, subj, ratios = alternate(sizes.verify_blocks,
                                       timed(lambda: bare_requests(url, count)),
                                       timed(lambda: verify_once(url)), lambda b, s: s / b)
    return [Result("verify", f"whole read-only run vs {count} bare requests", "s", base, subj,
                   ratios, "run < 5 s")]


# --- memory (bench_memory.py) ----------------------------------------------------------------


def memory(sizes: Sizes) -> list[Result]:
    def per_thousand(journal_limit: int) -> Callable[[], float]:
        def block() -> float:
            done = subprocess.run(
                [sys.executable, str(HERE / "bench_memory.py"), "--jobs",
                 str(sizes.memory_jobs), "--blocks", "1", "--soak", "0",
                 "--journal-limit", str(journal_limit)],
                check=True, capture_output=True, text=True)
            line = next(x for x in done.stdout.splitlines()
                        if x.strip().startswith("per 1,000 jobs:"))
            found = re.search(r"median\s+(-?[\d.]+) MiB", line)
            assert found is not None, line
            return float(found.group(1))
        return block

    base, subj, ratios = alternate(sizes.memory_blocks, per_thousand(1),
                                   per_thousand(10_000), lambda b, s: s / b)
    return [Result("memory", f"MiB per 1,000 completed jobs ({sizes.memory_jobs:,} sent), "
                   "with the journal vs jobs alone", "MiB", base, subj, ratios, "figures only")]


MEASUREMENTS: dict[str, Callable[[Sizes], list[Result]]] = {
    "startup": startup, "throughput": throughput, "listfax": listfax, "getcdr": getcdr,
    "fixture": fixture, "verify": verify, "memory": memory,
}


def compile_bytecode() -> None:
    """As bench_server.py: measure the package as installed (pip writes .pyc files), not an
    editable checkout recompiling every module at every start under PYTHONDONTWRITEBYTECODE."""
    import compileall

    compileall.compile_dir(str(HERE.parent / "faxage_sim"), quiet=1)
    compileall.compile_dir(str(HERE), quiet=1, maxlevels=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small and short: a smoke test, not figures to quote")
    parser.add_argument("--blocks", type=int, default=None,
                        help="alternating blocks for throughput, listfax and getcdr "
                             "(and start-up)")
    parser.add_argument("--only", nargs="+", choices=list(MEASUREMENTS), default=None,
                        help="run only these measurements")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.blocks is not None:
        sizes.blocks = sizes.startup_blocks = args.blocks
    compile_bytecode()
    import platform

    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    print(machine())
    print(f"CPU: {cpu}" + ("  (--quick: a smoke test, not figures to quote)"
                           if args.quick else ""))
    print()
    print("| measure | what | baseline (median) | faxage-sim (median) | "
          "ratio min / median / max | target | blocks |")
    print("|---|---|---|---|---|---|---|")
    for name in args.only or MEASUREMENTS:
        started = time.perf_counter()
        for result in MEASUREMENTS[name](sizes):
            print(result.row(), flush=True)
        print(f"<!-- {name}: {time.perf_counter() - started:.1f} s -->", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

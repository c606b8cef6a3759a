"""`faxage-sim verify` against a local emulator: the whole run, beside the bare requests.

The whole run (both reference emulators started and filled, every case sent to the URL and
to the references, compared, the table printed) is timed against a local emulator on a real
socket, with and without `--allow-send`. Goal: under 5 s, so a CI job can run it as a smoke
test against its own emulator. For scale, the same number of requests posted straight to the
emulator (no references, no comparison) in the same run; the ratio says what the references
and the comparison cost.

    .venv/bin/python benchmarks/bench_verify.py [--repeat 5]

Against an earlier version of the code (a checkout of another commit, e.g. `git worktree add
/tmp/before HEAD~3`), in alternating blocks of fresh processes, so the load of the machine
falls on both alike; each figure min/median/max over the blocks, and the ratio now/before:

    .venv/bin/python benchmarks/bench_verify.py --before /tmp/before [--blocks 6]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import httpx
from timing import machine, median_seconds

from faxage_sim.cli.commands import main
from faxage_sim.core.clock import ClockMode
from faxage_sim.embedded import EmbeddedSimulator
from faxage_sim.server.config import SimConfig
from faxage_sim.verify.cases import selected

LOGIN = ["--username", "demo", "--company", "1000", "--password", "demo",
         "--did", "3032974100"]


def verify_once(url: str, *extra: str) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["verify", "--url", url, *LOGIN, "--no-progress", *extra])
    assert code == 0, code


def bare_requests(url: str, count: int) -> None:
    with httpx.Client(base_url=url) as client:
        for _ in range(count):
            client.post("/httpsfax.php", data={"username": "demo", "company": "1000",
                                               "password": "demo", "operation": "pendcount"})


def measure(repeat: int) -> dict[str, float]:
    config = SimConfig(clock=ClockMode.MANUAL, port=0, log_requests=False)
    with EmbeddedSimulator(config) as sim:
        url = sim.listen()
        reading = median_seconds(lambda: verify_once(url), repeat, warmup=1)
        sending = median_seconds(
            lambda: verify_once(url, "--allow-send", "--faxno", "3039911234"),
            repeat, warmup=1)
        bare = median_seconds(lambda: bare_requests(url, len(selected(True))), repeat,
                              warmup=1)
    return {"reading": reading, "sending": sending, "bare": bare}


def in_fresh_process(tree: Path | None, repeat: int) -> dict[str, float]:
    """`measure` in a new interpreter that imports faxage_sim from `tree` (None: this one)."""
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    done = subprocess.run([sys.executable, __file__, "--repeat", str(repeat), "--json"],
                          env=env, capture_output=True, text=True, check=True, timeout=600)
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def spread(values: list[float]) -> str:
    return (f"min {min(values):.3f} / median {statistics.median(values):.3f} / "
            f"max {max(values):.3f}")


def compare(before: Path, blocks: int, repeat: int) -> None:
    runs: dict[str, list[dict[str, float]]] = {"before": [], "now": []}
    for block in range(blocks):
        order = (("before", before), ("now", None))
        for name, tree in order if block % 2 == 0 else order[::-1]:
            runs[name].append(in_fresh_process(tree, repeat))
    print(machine())
    print(f"{blocks} alternating blocks, each the median of {repeat} runs; before: {before}")
    for key, label in (("reading", f"read-only ({len(selected(False))} cases)"),
                       ("sending", f"--allow-send ({len(selected(True))} cases)"),
                       ("bare", "bare requests (load reference)")):
        for name in ("before", "now"):
            print(f"  {label:34} {name:6} s: {spread([r[key] for r in runs[name]])}")
        ratios = [now[key] / was[key]
                  for now, was in zip(runs["now"], runs["before"], strict=True)]
        print(f"  {label:34} now/before: {spread(ratios)}")


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--before", type=Path, default=None, metavar="TREE",
                        help="a checkout of the code to compare with (its faxage_sim/)")
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json:
        print(json.dumps(measure(args.repeat)))
        return
    if args.before is not None:
        compare(args.before, args.blocks, args.repeat)
        return
    figures = measure(args.repeat)
    reading, sending, bare = figures["reading"], figures["sending"], figures["bare"]
    count = len(selected(True))
    print(machine())
    print(f"verify, read-only cases ({len(selected(False))}): {reading:.2f} s "
          f"(goal < 5 s: {'met' if reading < 5 else 'MISSED'})")
    print(f"verify --allow-send ({count} cases): {sending:.2f} s "
          f"(goal < 5 s: {'met' if sending < 5 else 'MISSED'})")
    print(f"baseline, {count} bare requests to the same emulator: {bare:.3f} s "
          f"(verify --allow-send is {sending / bare:.1f}x)")


if __name__ == "__main__":
    run()

"""`faxage-sim verify` against a local emulator: the whole run, beside the bare requests.

The whole run (both reference emulators started and filled, every case sent to the URL and
to the references, compared, the table printed) is timed against a local emulator on a real
socket, with and without `--allow-send`. Goal: under 5 s, so a CI job can run it as a smoke
test against its own emulator. For scale, the same number of requests posted straight to the
emulator (no references, no comparison) in the same run; the ratio says what the references
and the comparison cost.

    .venv/bin/python benchmarks/bench_verify.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import contextlib
import io

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


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    config = SimConfig(clock=ClockMode.MANUAL, port=0, log_requests=False)
    with EmbeddedSimulator(config) as sim:
        url = sim.listen()
        reading = median_seconds(lambda: verify_once(url), args.repeat, warmup=1)
        sending = median_seconds(
            lambda: verify_once(url, "--allow-send", "--faxno", "3039911234"),
            args.repeat, warmup=1)
        count = len(selected(True))
        bare = median_seconds(lambda: bare_requests(url, count), args.repeat, warmup=1)
    print(machine())
    print(f"verify, read-only cases ({len(selected(False))}): {reading:.2f} s "
          f"(goal < 5 s: {'met' if reading < 5 else 'MISSED'})")
    print(f"verify --allow-send ({count} cases): {sending:.2f} s "
          f"(goal < 5 s: {'met' if sending < 5 else 'MISSED'})")
    print(f"baseline, {count} bare requests to the same emulator: {bare:.3f} s "
          f"(verify --allow-send is {sending / bare:.1f}x)")


if __name__ == "__main__":
    run()

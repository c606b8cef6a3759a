"""A request's cost with 10,000 faults in force, beside none, measured in the same run.

The faults name other accounts (as a scenario of many per-account faults does), so none
fires on the measured requests; before the fault index every request tried each of them
(67 ms a request instead of 1.9 ms in the issue's probe). Also printed for scale: that
linear walk over the same book, without HTTP (what the index saves).

1. `status` over the whole in-process protocol handler: 10,000 faults vs none, alternating.
   Target: at most 1.5x.

    .venv/bin/python benchmarks/bench_faults.py [--faults 10000] [--repeat 300]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from starlette.testclient import TestClient
from timing import machine, ms

from faxage_sim.core.clock import ClockMode
from faxage_sim.faults.matching import FaultSpec, Firing, ProtocolError, RequestFacts
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig
from faxage_sim.server.state import AppState

FORM = {"username": "demo", "company": "1000", "password": "demo", "operation": "status",
        "jobid": "1"}


def emulator(faults: int) -> tuple[TestClient, AppState]:
    app = create_app(SimConfig(clock=ClockMode.MANUAL, journal_limit=1))
    state: AppState = app.state.faxage
    client = TestClient(app, base_url="http://127.0.0.1")
    client.__enter__()
    for i in range(faults):
        state.faults.add(FaultSpec(name=f"f{i}", companies=(f"9{i:05}",),
                                   error=ProtocolError.ERR01),
                         seed=1, start=0.0, ordinal=i)
    # One fault that is in force everywhere but never fires: a request is never free of faults.
    state.faults.add(FaultSpec(name="never", nth=10**9, error=ProtocolError.ERR01),
                     seed=1, start=0.0, ordinal=faults)
    return client, state


def alternating(actions: dict[str, Callable[[], object]], repeat: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in actions}
    for action in actions.values():
        for _ in range(20):
            action()
    for _ in range(repeat):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--faults", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    print(machine())
    few_client, _ = emulator(0)
    many_client, many = emulator(args.faults)
    facts = RequestFacts("/httpsfax.php", "status", "1000", None, None)

    def linear_walk() -> None:  # what every request did before the index
        for fault in many.faults.faults:
            if not fault.spec.operation_level:
                fault.matches(facts)

    # The same book walked the way it was before the index (every fault, every request).
    old_client, old = emulator(args.faults)
    book = old.faults

    def first_linear(facts: RequestFacts, kind: object) -> Firing | None:
        for fault in book.faults:
            spec = fault.spec
            if (spec.error is kind) if spec.operation_level else (kind == "front"):
                firing = fault.consider(facts)
                if firing is not None:
                    return firing
        return None

    book._first = first_linear  # type: ignore[method-assign]
    many_name, old_name = f"{args.faults + 1} faults", f"{args.faults + 1} faults, linear"
    times = alternating({
        "1 fault": lambda: few_client.post("/httpsfax.php", data=FORM),
        many_name: lambda: many_client.post("/httpsfax.php", data=FORM),
        old_name: lambda: old_client.post("/httpsfax.php", data=FORM),
    }, args.repeat)
    for name, values in times.items():
        print(f"status, {name}: min {ms(min(values))}, median {ms(statistics.median(values))}, "
              f"max {ms(max(values))}")
    few, lots, before = (statistics.median(v) for v in times.values())
    print(f"ratio indexed {lots / few:.2f}x (target <= 1.5x); "
          f"linear as before {before / few:.2f}x")
    walk = alternating({"walk": linear_walk}, max(10, args.repeat // 10))["walk"]
    print(f"for scale, the linear walk over {args.faults + 1} faults alone: median "
          f"{ms(statistics.median(walk))}")


if __name__ == "__main__":
    main()

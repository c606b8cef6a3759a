"""getcdr.php over 1,000,000 call detail records, beside the same queries on a small store.

Both stores are filled the same way (one account, calls a few seconds apart that end out of
start order, as real traffic does); the queries return the same number of records from each.
Measured in the same run, so the ratios mean the same on any machine:

1. `nuidgt` near the end (a client paging new records): big store vs small store.
   Target: at most 1.5x — a page costs what it returns, not what the store holds.
2. `begin`/`end` for a window of the same size near the end: big vs small. Same target.
3. For scale, the store's own selection without HTTP or formatting, and the same `nuidgt`
   selection as a linear scan of the big store (what the bisect indexes save).

Each query goes through the whole URL handler (login, parsing, formatting) in-process, with
no socket, so that the store's cost is not hidden by network noise.

    .venv/bin/python benchmarks/bench_getcdr.py [--records 1000000] [--small 1000]
        [--page 100] [--repeat 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Iterator

from starlette.testclient import TestClient
from timing import machine, median_seconds, ms

from faxage_sim.core import cdr
from faxage_sim.core.cdr import CallRecord, CdrQuery, Direction
from faxage_sim.core.clock import DEFAULT_MANUAL_START, ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig
from faxage_sim.server.state import AppState
from faxage_sim.wire.records import format_time

LOGIN = {"username": "demo", "company": "1000", "password": "demo"}
SPACING = 6  # seconds between call starts
DIDS = ("3032974100", "3032974101")


def calls(count: int, seed: int) -> Iterator[tuple[Direction, str, str, float, int]]:
    """Calls in the order they end: starts SPACING apart, each 0-300 s long."""
    rng = random.Random(seed)
    pending: list[tuple[float, float, Direction, str, str, int]] = []
    for i in range(count):
        start = DEFAULT_MANUAL_START + i * SPACING
        duration = rng.choice((0, 0, 35, 65, 95, rng.randint(1, 300)))
        direction = Direction.IN if i % 3 == 0 else Direction.OUT
        far = f"303991{i % 10000:04d}"
        src, dst = (far, DIDS[i % 2]) if direction is Direction.IN else (DIDS[0], far)
        pending.append((start + duration + 12, start, direction, src, dst, duration))
    pending.sort(key=lambda c: c[0])  # written when each call ends
    for _, start, direction, src, dst, duration in pending:
        yield direction, src, dst, start, duration


def filled(count: int) -> tuple[TestClient, AppState, float]:
    app = create_app(SimConfig(clock=ClockMode.MANUAL))
    state: AppState = app.state.faxage
    started = time.perf_counter()
    state.sim.cdrs.record_many("1000", calls(count, seed=count))
    return TestClient(app, base_url="http://127.0.0.1"), state, time.perf_counter() - started




def getcdr(client: TestClient, expect: int, **fields: str) -> Callable[[], object]:
    def action() -> object:
        response = client.post("/getcdr.php", data={**LOGIN, **fields})
        lines = response.text.count("\n")
        assert response.status_code == 200 and lines == expect, (lines, response.text[:200])
        return response

    return action


def window_for(state: AppState, page: int) -> dict[str, str]:
    """begin/end covering exactly the last `page` calldates of the account."""
    everything = state.sim.cdrs.select("1000", CdrQuery(nuid_above=0))
    tz = state.sim.accounts["1000"].settings.tz
    return {"begin": format_time(everything[-page].calldate, tz),
            "end": format_time(everything[-1].calldate, tz)}


def store_select(state: AppState, page: int) -> Callable[[], object]:
    query = CdrQuery(nuid_above=state.sim.cdrs.last_nuid - page)
    return lambda: state.sim.cdrs.select("1000", query)


def longest_step(state: AppState, before: bool) -> float:
    """getcdr's selection for nuidgt=0: the longest stretch between two yields to the event
    loop. Before: the whole nuid tail sorted by calldate at once (one step)."""
    saved = cdr.SELECT_STEP, cdr.SORT_AT_MOST
    if before:
        cdr.SELECT_STEP = cdr.SORT_AT_MOST = 10**12
    try:
        steps = state.sim.cdrs.select_steps("1000", CdrQuery(nuid_above=0))
        longest = 0.0
        while True:
            started = time.perf_counter()
            if next(steps, None) is None:
                return longest
            longest = max(longest, time.perf_counter() - started)
    finally:
        cdr.SELECT_STEP, cdr.SORT_AT_MOST = saved


def linear_scan(records: list[CallRecord], nuid_above: int) -> Callable[[], object]:
    def action() -> object:
        found = [r for r in records if r.nuid > nuid_above]
        found.sort(key=lambda r: r.calldate)
        return found

    return action




def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--page", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    page = args.page
    print(machine())

    small_client, small, _ = filled(args.small)
    big_client, big, fill_seconds = filled(args.records)
    print(f"filled {args.records:,} records in {fill_seconds:.1f} s "
          f"({args.records / fill_seconds:,.0f} records/s); small store {args.small:,}")

    with small_client, big_client:
        results = []
        for name, small_fields, big_fields in (
            ("nuidgt near the end",
             {"nuidgt": str(small.sim.cdrs.last_nuid - page), "nuidshow": "1"},
             {"nuidgt": str(big.sim.cdrs.last_nuid - page), "nuidshow": "1"}),
            ("begin/end near the end", window_for(small, page), window_for(big, page)),
        ):
            small_n = small_client.post("/getcdr.php", data={**LOGIN, **small_fields}
                                        ).text.count("\n")
            big_n = big_client.post("/getcdr.php", data={**LOGIN, **big_fields}).text.count("\n")
            assert small_n == big_n, (name, small_n, big_n)
            small_t = median_seconds(getcdr(small_client, small_n, **small_fields), args.repeat)
            big_t = median_seconds(getcdr(big_client, big_n, **big_fields), args.repeat)
            results.append((name, big_n, small_t, big_t))
            print(f"{name} ({big_n} records returned, median of {args.repeat}): "
                  f"small store {ms(small_t)}, {args.records:,} records {ms(big_t)}, "
                  f"ratio {big_t / small_t:.2f}x (target <= 1.5x)")

        core = [median_seconds(store_select(state, page), args.repeat) for state in (small, big)]
        print(f"the store's own nuidgt selection (no HTTP, no formatting): small "
              f"{core[0] * 1e6:.1f} us, {args.records:,} records {core[1] * 1e6:.1f} us, "
              f"ratio {core[1] / core[0]:.2f}x")
        every = big.sim.cdrs.select("1000", CdrQuery(nuid_above=0))
        scan = median_seconds(linear_scan(every, big.sim.cdrs.last_nuid - page),
                              max(5, args.repeat // 20))
        nuid_small = results[0][2]
        print(f"for scale: the same nuidgt selection as a linear scan of {args.records:,} "
              f"records takes {ms(scan)} before any formatting, "
              f"{scan / nuid_small:.1f}x the small-store request")

        # nuidgt=0: the whole store selected. Alternating rounds, now and as before.
        rounds: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(5):
            for before in (False, True):
                rounds[before].append(longest_step(big, before))
        now, then = (statistics.median(rounds[b]) for b in (False, True))
        print(f"nuidgt=0 over {args.records:,} records, the selection's longest hold of the "
              f"event loop (median of 5 alternating rounds): now {ms(now)} (steps of "
              f"{cdr.SELECT_STEP:,} records), before {ms(then)} (the tail sorted at once): "
              f"{now / then:.3f}x")


if __name__ == "__main__":
    main()

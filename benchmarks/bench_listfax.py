"""listfax over an account holding 100,000 received faxes, beside an account holding 100.

Both accounts are filled the same way — through the simulated network: calls ring the
account's two numbers 30 simulated seconds apart, each answered and stored when it ends — and
the queries return the same number of faxes from each. Measured in the same run, so the ratios
mean the same on any machine:

1. `idgt` paging near the end (a client asking for faxes newer than the last it saw), in the
   default order (by DNIS, newest first): big account vs small account, 100 faxes returned.
   Target: at most 1.5x — a page costs what it returns, not what the account holds.
2. The same with `idasc=1` and every optional column. Same target.
3. For scale: the inbox's own `idgt` selection without HTTP or formatting, and the same
   selection as a linear scan of the big inbox (what the recvid index saves).

Each query goes through the whole httpsfax.php handler (login, parsing, formatting)
in-process, with no socket, so that the inbox's cost is not hidden by network noise; the two
accounts' requests are timed alternately, so other load on the machine falls on both alike.

    .venv/bin/python benchmarks/bench_listfax.py [--faxes 100000] [--small 100]
        [--page 100] [--repeat 200]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from starlette.testclient import TestClient
from timing import machine, median_seconds, ms, paired_medians

from faxage_sim.core.clock import ClockMode
from faxage_sim.core.inbound import FaxQuery, IncomingCall, ReceivedFax
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig
from faxage_sim.server.state import AppState

LOGIN = {"username": "demo", "company": "1000", "password": "demo", "operation": "listfax"}
DIDS = ("3032974100", "3032974101")
SPACING = 30.0  # simulated seconds between calls
DURATION = 60.0  # each call: at most two at a time, well within the account's lines


def filled(count: int) -> tuple[TestClient, AppState, float]:
    """An emulator whose default account has received `count` faxes (and the fill time)."""
    app = create_app(SimConfig(clock=ClockMode.MANUAL))
    state: AppState = app.state.faxage
    sim = state.sim
    account = sim.accounts["1000"]
    started = time.perf_counter()
    for i in range(count):
        call = IncomingCall(did=DIDS[i % 2], cid=f"720991{i % 10000:04d}", tsid="BENCH FAX",
                            sender="Bench", pages=1 + i % 4, duration=DURATION)
        sim.inbound.ring_later(call, account, i * SPACING)
    sim.advance(count * SPACING + DURATION)
    assert len(account.inbox) == count, (len(account.inbox), len(account.inbox.busy_calls))
    return TestClient(app, base_url="http://127.0.0.1"), state, time.perf_counter() - started


def last_recvid(state: AppState) -> int:
    return max(state.sim.accounts["1000"].inbox.faxes)






def listfax(client: TestClient, expect: int, **fields: str) -> Callable[[], object]:
    def action() -> object:
        response = client.post("/httpsfax.php", data={**LOGIN, **fields})
        lines = response.text.count("\n")
        assert response.status_code == 200 and lines == expect, (lines, response.text[:200])
        return response

    return action


def inbox_select(state: AppState, page: int) -> Callable[[], object]:
    inbox = state.sim.accounts["1000"].inbox
    query = FaxQuery(recvid_above=last_recvid(state) - page)
    return lambda: inbox.select(query)


def linear_scan(faxes: list[ReceivedFax], above: int) -> Callable[[], object]:
    def action() -> object:
        found = [f for f in faxes if f.recvid > above]
        found.sort(key=lambda f: (f.did, -f.recvdate, -f.recvid))
        return found

    return action




def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--faxes", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--page", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    page = min(args.page, args.small)
    print(machine())

    small_client, small, _ = filled(args.small)
    big_client, big, fill_seconds = filled(args.faxes)
    print(f"{args.faxes:,} faxes received through the simulated network in {fill_seconds:.1f} s "
          f"({args.faxes / fill_seconds:,.0f} faxes/s); small account {args.small:,}")

    with small_client, big_client:
        every_column = {"idasc": "1", "starttime": "1", "filename": "1", "pagecount": "1",
                        "showtsid": "1"}
        for name, extra in (("idgt, default order", {}),
                            ("idgt, idasc and every column", every_column)):
            small_fields = {"idgt": str(last_recvid(small) - page), **extra}
            big_fields = {"idgt": str(last_recvid(big) - page), **extra}
            small_t, big_t = paired_medians(listfax(small_client, page, **small_fields),
                                            listfax(big_client, page, **big_fields), args.repeat)
            print(f"{name} ({page} faxes returned, median of {args.repeat}): "
                  f"{args.small:,}-fax account {ms(small_t)}, {args.faxes:,}-fax account "
                  f"{ms(big_t)}, ratio {big_t / small_t:.2f}x (target <= 1.5x)")

        core = paired_medians(inbox_select(small, page), inbox_select(big, page), args.repeat)
        print(f"the inbox's own idgt selection (no HTTP, no formatting): small "
              f"{core[0] * 1e6:.1f} us, {args.faxes:,} faxes {core[1] * 1e6:.1f} us, "
              f"ratio {core[1] / core[0]:.2f}x")
        faxes = list(big.sim.accounts["1000"].inbox.after(None))
        scan = median_seconds(linear_scan(faxes, last_recvid(big) - page),
                              max(5, args.repeat // 20))
        print(f"for scale: the same idgt selection as a linear scan of {args.faxes:,} faxes "
              f"takes {ms(scan)} before any formatting ({scan / core[1]:.0f}x the index)")
        whole = median_seconds(listfax(big_client, args.faxes), 3)
        print(f"for scale: listfax of all {args.faxes:,} faxes takes {ms(whole)} "
              f"({whole / args.faxes * 1e6:.1f} us per fax returned)")


if __name__ == "__main__":
    main()

"""Memory per 1,000 jobs: what an account's completed outbound jobs cost the emulator's process.

Part 1, through httpsfax.php in-process (login, parsing, the journal, the simulator): blocks
of one-page text sendfax requests, each run to its end on a manual clock, alternate with
baseline blocks of as many `status` requests (the same request path, no job made). The
resident memory grown by a job block, less the one grown by the baseline block next to it,
is what the jobs cost; printed per 1,000 jobs as min / median / max over the blocks. The
journal keeps one request (`--journal-limit`), so it is the jobs alone.

Part 3, where documents are kept: jobs with a unique one-page text each (a few KiB; no two
alike, so content addressing cannot share them) straight to the core and run to their end, in
three emulator states, each in a process of its own (one heap shared by the modes charges one
mode's block for the freed space the next one's reuses), their blocks alternating: the bytes
as posted (before: compression turned off), compressed (the in-memory default), and `--state
FILE` (saved as the writer does; an ended job's document then lives in the file only).
Printed: RSS per 1,000
jobs, per job, and per job beyond the bytes still kept in memory, for each document size.

Part 2, a soak: `--soak` jobs (100,000 by default) submitted straight to the core and run to
their end, 10,000 at a time, printing the resident memory after each step: the curve should
be a straight line (no step costs more than the first), bounded in time (about a minute).

    .venv/bin/python benchmarks/bench_memory.py [--jobs 2000] [--blocks 5] [--soak 100000]
        [--documents 3000] [--document-sizes 3000,30000] [--only-documents]
        [--modes before,compressed,state] [--same-process]
"""

from __future__ import annotations

import argparse
import base64
import gc
import multiprocessing
import os
import random
import statistics
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlencode

from starlette.testclient import TestClient
from timing import machine

from faxage_sim.core.clock import ClockMode
from faxage_sim.core.jobs import Document
from faxage_sim.core.simulator import Submission
from faxage_sim.persist.api import attach, open_state
from faxage_sim.persist.writer import Persister
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig
from faxage_sim.server.state import AppState

LOGIN = {"username": "demo", "company": "1000", "password": "demo"}
DOCUMENT = b"One page of text.\n" * 20
FORM = urlencode({**LOGIN, "operation": "sendfax", "faxno": "3039911234",
                  "recipname": "Memory", "faxfilenames[0]": "page.txt",
                  "faxfiledata[0]": base64.b64encode(DOCUMENT).decode()})
POLL = urlencode({**LOGIN, "operation": "status", "jobid": "1"})
HEADERS = {"content-type": "application/x-www-form-urlencoded"}
PAGE = os.sysconf("SC_PAGE_SIZE")
KIB = 1024
CHUNK = 200


def resident() -> int:
    gc.collect()
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def block(client: TestClient, body: str, count: int) -> int:
    """Resident bytes grown by `count` requests of `body`, each job run to its end."""
    before = resident()
    for _ in range(count):
        client.post("/httpsfax.php", content=body, headers=HEADERS)
    client.post("/_sim/clock/run-until-idle", json={})
    return resident() - before


def per_thousand(grown: float, jobs: int) -> str:
    return f"{grown * 1000 / jobs / 1024 / 1024:6.2f} MiB"


def wire_blocks(jobs: int, blocks: int, journal_limit: int) -> None:
    config = SimConfig(clock=ClockMode.MANUAL, journal_limit=journal_limit)
    with TestClient(create_app(config), base_url="http://127.0.0.1") as client:
        block(client, FORM, 500)  # warm every import and allocator pool
        block(client, POLL, 500)
        costs = []
        for _ in range(blocks):  # alternating: the machine's drift hits both alike
            baseline = block(client, POLL, jobs)
            grown = block(client, FORM, jobs)
            costs.append(grown - baseline)
    print(f"part 1: {blocks} blocks of {jobs:,} sendfax jobs (completed) against {jobs:,} "
          f"status requests, journal limit {journal_limit:,}")
    low, mid, high = min(costs), statistics.median(costs), max(costs)
    print(f"  per 1,000 jobs: min {per_thousand(low, jobs)}  median "
          f"{per_thousand(mid, jobs)}  max {per_thousand(high, jobs)}")
    print(f"  per job: median {mid / jobs / KIB:.2f} KiB (goal: 1.50 KiB; before this "
          f"change 3.8 MiB per 1,000)")


def soak(total: int, step: int) -> None:
    config = SimConfig(clock=ClockMode.MANUAL, journal_limit=1)
    state = AppState(config)
    sim = state.sim
    account = sim.accounts["1000"]
    user = account.users["demo"]
    started = time.perf_counter()
    base = resident()
    print(f"part 2: soak of {total:,} completed jobs, straight to the core")
    print(f"  {'jobs':>8}  {'RSS grown':>10}  {'per job':>8}  {'this step':>10}  {'seconds':>7}")
    done, last = 0, 0
    while done < total:
        target = min(done + step, total)
        while done < target:  # a few hundred at a time, as a busy client sends them
            for _ in range(min(CHUNK, target - done)):
                sim.submit(account, user, Submission(
                    faxno="3039911234", recipname="Memory",
                    documents=[Document("page.txt", DOCUMENT)]))
            done += min(CHUNK, target - done)
            while not sim.idle("1000"):
                sim.advance(3600, "1000")
        grown = resident() - base
        # The first step may reuse memory part 1 freed: the later steps are the marginal cost.
        print(f"  {done:>8,}  {grown / 1024 / 1024:>7.1f} MiB  {grown / done:>6.0f} B"
              f"  {(grown - last) / step:>8.0f} B  {time.perf_counter() - started:>7.1f}")
        last = grown


def unique_page(n: int, size: int) -> bytes:
    """A page of text of `size` bytes, different for every job (so content addressing cannot
    share it): words drawn from a vocabulary, ten to a line, as a letter compresses (zlib
    keeps about a third of it)."""
    words = random.Random(n).choices(VOCABULARY, k=size // 4)
    lines = [" ".join(words[i:i + 10]) for i in range(0, len(words), 10)]
    return (f"Letter {n}\n" + ".\n".join(lines)).encode()[:size]


WORDS = ("the of and to a in for is on that by this with you it not or be are from at as "
              "your all have new more an was we will home can us about if page my has search "
              "free but our one other do no information time they site he up may what which "
              "their news out use any there see only so his when contact here business who "
              "invoice order shipment account payment please attached fax number office "
              "regards sincerely department customer service delivery")
VOCABULARY = WORDS.split()


MODES = ("before", "compressed", "state")


class Mode:
    """One way of keeping documents, in its own emulator state: "before" (bytes as posted,
    compression turned off), "compressed" (the default in memory), "state" (--state FILE:
    ended jobs' documents only in the file)."""

    def __init__(self, name: str, size: int, folder: Path) -> None:
        self.name, self.size = name, size
        self.state = AppState(SimConfig(clock=ClockMode.MANUAL, journal_limit=1))
        self.persister: Persister | None = None
        if name == "state":
            self.persister = attach(self.state, open_state(str(folder / f"{name}-{size}.db")))
        self.sent = 0

    def run(self, count: int) -> None:
        sim = self.state.sim
        account = sim.accounts["1000"]
        user = account.users["demo"]
        for first in range(0, count, CHUNK):
            for n in range(self.sent + first, self.sent + min(first + CHUNK, count)):
                sim.submit(account, user, Submission(
                    faxno="3039911234", recipname="Memory",
                    documents=[Document("letter.txt", unique_page(n, self.size))]))
            while not sim.idle("1000"):
                sim.advance(3600, "1000")
            if self.persister is not None:  # what the writer does every half second
                self.persister.save_now()
        self.sent += count


def _mode_process(conn: Connection, name: str, size: int, folder: str) -> None:
    """One mode in a process of its own: a block of jobs each time it is asked; answers the
    resident bytes grown and the compressed bytes the block's jobs keep."""
    from faxage_sim.core import jobs as jobs_module

    if name == "before":  # documents kept as posted, as before compression
        jobs_module.PACKED.pack = lambda data, compress=True: None  # type: ignore[method-assign]
    mode = Mode(name, size, Path(folder))
    mode.run(CHUNK)  # warm: imports, allocator pools, the file's first pages
    conn.send(None)
    while (count := conn.recv()) is not None:
        before = resident()
        mode.run(count)
        grown = resident() - before
        conn.send((grown, sum(len(d.packed or b"") for job in list(
            mode.state.sim.accounts["1000"].jobs.values())[-count:] for d in job.documents)))
    if mode.persister is not None:
        mode.persister.file.close()


def documents_blocks(jobs: int, blocks: int, sizes: list[int],
                     names: tuple[str, ...] = MODES, same_process: bool = False) -> None:
    """RSS per 1,000 completed jobs with a unique document each, by where the bytes are kept;
    every mode in its own state and its own process (one heap shared by the modes gives one
    mode's block the freed space another's reuses), the modes' blocks alternating, one at a
    time (drift hits all alike). `same_process`: the modes side by side in this process."""
    print(f"part 3: RSS per 1,000 completed jobs with a unique one-page text each, {blocks} "
          f"alternating blocks of {jobs:,} jobs per mode (median; min-max), "
          f"{'the modes in this one process' if same_process else 'a process per mode'}")
    if same_process:
        documents_in_one_process(jobs, blocks, sizes, names)
        return
    context = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory() as folder:
        modes = [(name, size) for size in sizes for name in names]
        links = []
        for name, size in modes:
            ours, theirs = context.Pipe()
            process = context.Process(target=_mode_process, args=(theirs, name, size, folder))
            process.start()
            ours.recv()  # warmed
            links.append((ours, process))
        grown: list[list[int]] = [[] for _ in modes]
        packed: list[list[int]] = [[] for _ in modes]
        for _ in range(blocks):
            for index, (name, size) in enumerate(modes):
                link = links[index][0]
                link.send(jobs)
                block_grown, block_packed = link.recv()
                grown[index].append(block_grown)
                packed[index].append(block_packed)
                print(f"    block: {size:,} B {name}: {per_thousand(block_grown, jobs)} per "
                      "1,000 jobs", flush=True)
        for link, process in links:
            link.send(None)
            process.join()
        _documents_table(jobs, modes, grown, packed)


def _documents_table(jobs: int, modes: list[tuple[str, int]], grown: list[list[int]],
                     packed: list[list[int]]) -> None:
    print(f"  {'document':>9}  {'kept':>10}  {'RSS per 1,000 jobs':>24}  {'per job':>9}  "
          f"{'beyond the bytes kept':>21}")
    for (name, size), costs, kept_bytes in zip(modes, grown, packed, strict=True):
        mid = statistics.median(costs)
        kept = {"before": size, "state": 0}.get(name, statistics.median(kept_bytes) / jobs)
        print(f"  {size:>7,} B  {name:>10}  {per_thousand(mid, jobs)} "
              f"({min(costs) * 1000 / jobs / KIB / KIB:.2f}-"
              f"{max(costs) * 1000 / jobs / KIB / KIB:.2f})  {mid / jobs / KIB:6.2f} KiB"
              f"  {(mid / jobs - kept) / KIB:6.2f} KiB (bytes {kept / KIB:.2f} KiB)")


def documents_in_one_process(jobs: int, blocks: int, sizes: list[int],
                             names: tuple[str, ...]) -> None:
    from faxage_sim.core import jobs as jobs_module

    real_pack = jobs_module.PACKED.pack
    with tempfile.TemporaryDirectory() as folder:
        modes = [Mode(name, size, Path(folder)) for size in sizes for name in names]
        grown: dict[int, list[int]] = {id(m): [] for m in modes}
        packed: dict[int, list[int]] = {id(m): [] for m in modes}
        for mode in modes:  # warm: imports, allocator pools, the file's first pages
            mode.run(CHUNK)
        for _ in range(blocks):
            for mode in modes:
                # "before": documents kept as posted, as before compression.
                kept_as_posted = lambda data, compress=True: None  # noqa: E731
                jobs_module.PACKED.pack = (kept_as_posted if mode.name == "before"
                                           else real_pack)  # type: ignore[method-assign]
                before = resident()
                mode.run(jobs)
                grown[id(mode)].append(resident() - before)
                print(f"    block: {mode.size:,} B {mode.name}: "
                      f"{per_thousand(grown[id(mode)][-1], jobs)} per 1,000 jobs", flush=True)
                packed[id(mode)].append(sum(len(d.packed or b"") for job in list(
                    mode.state.sim.accounts["1000"].jobs.values())[-jobs:]
                    for d in job.documents))
        jobs_module.PACKED.pack = real_pack  # type: ignore[method-assign]
        _documents_table(jobs, [(m.name, m.size) for m in modes],
                         [grown[id(m)] for m in modes], [packed[id(m)] for m in modes])
        for mode in modes:
            if mode.persister is not None:
                mode.persister.file.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2_000, help="jobs per block")
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--journal-limit", type=int, default=1)
    parser.add_argument("--soak", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=0,
                        help="part 3: jobs per block and per mode (0, the default: skip; "
                             "3000 gives the figures of benchmarks/README.md)")
    parser.add_argument("--document-sizes", default="3000,30000",
                        help="part 3: the unique document's size(s) in bytes")
    parser.add_argument("--only-documents", action="store_true", help="part 3 alone")
    parser.add_argument("--modes", default=",".join(MODES),
                        help="part 3: the modes to run, each in a process of its own")
    parser.add_argument("--same-process", action="store_true",
                        help="part 3: the modes side by side in this one process (one heap: "
                             "how it was measured before; one mode's freed space is another's)")
    args = parser.parse_args()
    print(machine())
    if not args.only_documents:
        wire_blocks(args.jobs, args.blocks, args.journal_limit)
        if args.soak:
            soak(args.soak, 10_000)
    if args.documents:
        names = tuple(args.modes.split(","))
        if not set(names) <= set(MODES):
            parser.error(f"--modes: choose from {', '.join(MODES)}")
        documents_blocks(args.documents, args.blocks,
                         [int(s) for s in args.document_sizes.split(",")], names,
                         args.same_process)


if __name__ == "__main__":
    main()

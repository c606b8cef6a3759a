"""Memory for long runs: a completed job is small, and a document's bytes are kept once
however many jobs send them (benchmarks/bench_memory.py prints the resident figures)."""

from __future__ import annotations

import gc
import tracemalloc

from faxage_sim.core.jobs import DialAttempt, Document, FaxJob, TimelineEntry
from faxage_sim.core.simulator import Simulator, Submission
from faxage_sim.documents.formats import DocumentStore

PAGE = b"One page of text.\n" * 20
BUDGET_PER_JOB = 1536  # bytes: 1.5 KiB beyond the documents' bytes (docs/limits.md)


def _run(sim: Simulator, count: int, data: bytes | None = None) -> list[FaxJob]:
    account = sim.accounts["1000"]
    user = account.users["demo"]
    jobs = []
    for _ in range(count):
        # A fresh copy each time, as each request decodes its own.
        job = sim.submit(account, user, Submission(
            faxno="3039911234", recipname="Memory",
            documents=[Document("page.txt", bytes(bytearray(data or PAGE)))]))
        assert isinstance(job, FaxJob)
        jobs.append(job)
    while not sim.idle("1000"):
        sim.advance(3600, "1000")
    return jobs


def test_a_completed_one_page_job_costs_at_most_one_and_a_half_kib() -> None:
    sim = Simulator()
    _run(sim, 200)  # warm: the account's structures, interned texts, allocator pools
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        jobs = _run(sim, 2_000)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert all(job.state.value == "success" for job in jobs)
    assert grown / len(jobs) <= BUDGET_PER_JOB, grown / len(jobs)


def test_job_records_have_no_per_object_dictionary() -> None:
    for record in (FaxJob, Document, DialAttempt, TimelineEntry):
        assert "__slots__" in vars(record) and "__dict__" not in vars(record)


def test_equal_documents_are_kept_once() -> None:
    sim = Simulator()
    first, second = _run(sim, 2, b"the same page\n" * 50)
    one, two = first.documents[0].data, second.documents[0].data
    assert one == two and one is two


def test_bytes_no_job_holds_leave_the_store() -> None:
    store = DocumentStore()
    kept = [store.intern(b"kept %d" % n) for n in range(10)]
    for n in range(3_000):
        store.intern(b"dropped %d" % n)
    assert len(store) < 3_000
    assert all(store.intern(bytes(bytearray(k))) is k for k in kept)

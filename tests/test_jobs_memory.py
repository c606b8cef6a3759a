"""Memory for long runs: a completed job is small, and a document's bytes are kept once
however many jobs send them (benchmarks/bench_memory.py prints the resident figures)."""

from __future__ import annotations

import gc
import random
import tracemalloc

from faxage_sim.core.jobs import DialAttempt, Document, FaxJob, PackedStore, TimelineEntry
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


def test_equal_documents_are_kept_once_and_compressed() -> None:
    sim = Simulator()
    page = b"the same page\n" * 50
    first, second = _run(sim, 2, page)
    one, two = first.documents[0], second.documents[0]
    assert one.packed is not None and one.packed is two.packed  # one compressed copy
    assert len(one.packed) < len(page) // 8
    assert one.data == two.data == page and one.size == len(page)  # read back as posted


def test_bytes_that_do_not_compress_are_kept_as_posted_once() -> None:
    sim = Simulator()
    noise = random.Random(7).randbytes(4096)  # compresses to more than it is
    first, second = _run(sim, 2, noise)
    one, two = first.documents[0], second.documents[0]
    assert one.packed is None and one.data is two.data and one.data == noise


def test_a_resent_document_shares_the_bytes_without_reading_them_back() -> None:
    document = Document("page.txt", PAGE)
    document.inspected()
    twin = document.copy()
    assert twin.packed is document.packed and twin.inspection is document.inspection
    assert twin == document and twin.data == PAGE


def test_compressed_bytes_no_document_holds_leave_the_store() -> None:
    def packed(data: bytes) -> bytes:
        found = PackedStore.pack(store, data)
        assert found is not None
        return found[1]  # what a document keeps

    store = PackedStore()
    kept = [packed(b"kept %d " % n * 40) for n in range(10)]
    for n in range(3_000):
        packed(b"dropped %d " % n * 40)
    assert len(store) < 3_000
    assert all(packed(b"kept %d " % n * 40) is kept[n] for n in range(10))


def test_bytes_no_job_holds_leave_the_store() -> None:
    store = DocumentStore()
    kept = [store.intern(b"kept %d" % n) for n in range(10)]
    for n in range(3_000):
        store.intern(b"dropped %d" % n)
    assert len(store) < 3_000
    assert all(store.intern(bytes(bytearray(k))) is k for k in kept)

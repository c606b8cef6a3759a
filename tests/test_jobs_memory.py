"""Memory for long runs: a completed job is small, and a document's bytes are kept once
however many jobs send them (benchmarks/bench_memory.py prints the resident figures)."""

from __future__ import annotations

import gc
import hashlib
import random
import sys
import tracemalloc

from faxage_sim.core.jobs import (
    PACKED,
    Compressed,
    DialAttempt,
    Document,
    FaxJob,
    PackedStore,
    TimelineEntry,
    content_key,
    key_digest,
    key_length,
    key_of,
)
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
    def packed(data: bytes) -> Compressed:
        found = PackedStore.pack(store, data)
        assert found  # neither None nor False
        return found  # what a document keeps

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


class _File:
    """A stand-in for the --state file's documents: what was committed, by hex digest."""

    def __init__(self) -> None:
        self.held: dict[str, bytes] = {}
        self.reads = 0

    def read(self, digest: str) -> bytes:
        self.reads += 1
        return self.held[digest]


def test_a_content_address_is_the_sha256_and_the_length_in_one_small_int() -> None:
    key = content_key(PAGE)
    assert key_digest(key) == hashlib.sha256(PAGE).hexdigest() and key_length(key) == len(PAGE)
    assert key_of(key_digest(key), len(PAGE)) == key
    assert sys.getsizeof(key) <= 64  # the hex digest and the length as objects: 160
    for not_ours in ("A" * 64, "0" * 63, "g" * 64, key_digest(key) + "0"):
        assert key_of(not_ours, 10) is None
    assert key_of(key_digest(key), -1) is None


def test_a_document_leaving_for_the_file_leaves_no_compressed_copy_behind() -> None:
    page = b"a page only this job sends\n" * 40
    document, twin = Document("one.txt", page), Document("two.txt", bytes(bytearray(page)))
    document.inspected()
    twin.inspected()
    assert document.compressed is twin.compressed and document.key is twin.key
    file = _File()
    digest = hashlib.sha256(page).hexdigest()
    file.held[digest] = page
    document.keep_in(file, digest)
    assert document.compressed is None and not document.in_memory
    assert PACKED.pack(page, compress=False) is twin.compressed  # another still holds it
    twin.keep_in(file, digest)
    assert PACKED.pack(page, compress=False) is False  # gone at once, not at a sweep
    assert document.size == len(page) and file.reads == 0
    assert document.data == page and document == Document("one.txt", page)
    assert file.reads == 2
    assert "in the file" in repr(document) and file.reads == 2  # repr reads nothing


def test_a_document_is_not_tracked_by_the_cyclic_collector() -> None:
    document = Document("page.txt", PAGE)
    document.inspected()
    assert not gc.is_tracked(document)


def test_an_ended_job_keeps_no_queue_position() -> None:
    sim = Simulator()
    jobs = _run(sim, 3)
    assert [job.queue_seq for job in jobs] == [0, 0, 0]


def test_a_completed_job_with_a_unique_document_costs_at_most_one_and_a_half_kib_beyond_it(
) -> None:
    sim = Simulator()
    account = sim.accounts["1000"]
    user = account.users["demo"]

    def run(first: int, count: int) -> list[FaxJob]:
        jobs = []
        for n in range(first, first + count):  # no two alike: nothing to share
            page = b"".join(b"letter %d line %d of a page\n" % (n, i) for i in range(60))
            job = sim.submit(account, user, Submission(
                faxno="3039911234", recipname="Memory", documents=[Document("a.txt", page)]))
            assert isinstance(job, FaxJob)
            jobs.append(job)
        while not sim.idle("1000"):
            sim.advance(3600, "1000")
        return jobs

    run(0, 200)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        jobs = run(200, 1_000)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    kept = sum(len(d.packed or b"") for job in jobs for d in job.documents)
    assert all(d.packed is not None for job in jobs for d in job.documents)
    assert (grown - kept) / len(jobs) <= BUDGET_PER_JOB, (grown - kept) / len(jobs)


def test_no_cycle_passes_through_a_job_so_the_collector_need_not_track_it() -> None:
    sim = Simulator()
    account = sim.accounts["1000"]
    job = sim.submit(account, account.users["demo"], Submission(
        faxno="3039911234", recipname="Memory", documents=[Document("page.txt", PAGE)]))
    assert isinstance(job, FaxJob) and job.pending and not gc.is_tracked(job)
    assert account.desk is not None and job.jobid in account.desk.pending  # kept by the desk
    while not sim.idle("1000"):
        sim.advance(3600, "1000")
    assert not job.pending and job.jobid not in account.desk.pending

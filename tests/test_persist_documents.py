"""Documents of ended jobs leave memory with `--state`: once the file has committed them, a
job's document keeps only its digest and is read back from the file, in a document worker,
when dlstatus, dltrans, the dashboard or a snapshot asks; the answers are byte for byte the
ones given while the bytes were in memory, before and after a restart. Without `--state`
the bytes are kept compressed (docs/limits.md)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from faxage_sim.core.clock import ClockMode
from faxage_sim.core.jobs import Document, FaxJob
from faxage_sim.documents.worker import wait_packing
from faxage_sim.persist import store, writer
from faxage_sim.persist.api import account_snapshot, attach, open_state, restore_account
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

from .helpers import FaxApi
from .persist_helpers import break_writes, new_client, ok

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "documents"
OCTETS = {"Content-Type": "application/octet-stream"}


def letter(n: int) -> bytes:
    """A page of text of a few KiB, unique per job (content addressing cannot share it)."""
    return (f"Letter {n}\n".encode() + (SAMPLES / "letter.txt").read_bytes())[:3000]


FILES: list[dict[str, bytes]] = [
    {"letter.txt": letter(1)},
    {"two-pages.tif": (SAMPLES / "two-pages.tif").read_bytes(), "b.txt": letter(2)},
    {"three-pages.pdf": (SAMPLES / "three-pages.pdf").read_bytes()},
]


def held_in_slot(document: Document) -> bool:
    """Does the document object itself hold the bytes as posted (its `data` slot)?"""
    try:
        Document.__dict__["data"].__get__(document, Document)
    except AttributeError:
        return False
    return True


def in_memory(document: Document) -> bool:
    return held_in_slot(document) or document.packed is not None


def started(path: Path) -> tuple[Any, TestClient, writer.Persister]:
    app = create_app(SimConfig(clock=ClockMode.MANUAL))
    persister = attach(app.state.faxage, open_state(str(path)))
    persister.interval = 3600  # saved when the test says (`save_now`), not by the clock
    client = TestClient(app, base_url="http://127.0.0.1")
    client.__enter__()
    return app, client, persister


def jobs_of(app: Any) -> list[FaxJob]:
    return list(app.state.faxage.sim.accounts["1000"].jobs.values())


def answers(api: FaxApi, jobids: list[int]) -> dict[tuple[int, str], bytes]:
    """Every image body of every job: dlstatus TIFF and PDF, dltrans."""
    out = {}
    for jobid in jobids:
        for name, fields in (("tif", {}), ("pdf", {"viewtype": "pdf"})):
            response = api.post("dlstatus", jobid=str(jobid), **fields)
            assert response.status_code == 200 and response.content[:4] in (b"II*\0", b"%PDF")
            out[(jobid, name)] = response.content
        out[(jobid, "trans")] = api.post("dltrans", jobid=str(jobid)).content
    return out


def run_jobs(client: TestClient) -> tuple[FaxApi, list[int]]:
    api = FaxApi(client)
    jobids = [api.send_jobid(files=files) for files in FILES]
    ok(client.post("/_sim/clock/run-until-idle", json={}))
    return api, jobids


def test_ended_jobs_documents_leave_memory_and_are_served_the_same(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    app, client, persister = started(path)
    try:
        api, jobids = run_jobs(client)
        before = answers(api, jobids)  # while the bytes are in memory
        dashboard_page = client.get(f"/_sim/ui/jobs/{jobids[1]}/pages/3.png").content
        documents = [d for job in jobs_of(app) for d in job.documents]
        assert all(in_memory(d) for d in documents)
        posted = {d.filename: d.load() for d in documents}
        persister.save_now()  # committed, then released
        assert not any(in_memory(d) for d in documents)
        assert all(d.digest is not None and not d.in_memory for d in documents)
        assert not any(isinstance(v, bytes) for v in persister.pool.files.values())
        assert {d.filename: d.size for d in documents} == {n: len(b) for n, b in posted.items()}
        assert answers(api, jobids) == before
        assert {d.filename: d.load() for d in documents} == posted  # read back from the file
        assert not any(in_memory(d) for d in documents)  # and not kept again
        view = ok(client.get(f"/_sim/jobs/{jobids[1]}"))
        assert [d["bytes"] for d in view["documents"]] == [len(b) for b in FILES[1].values()]
        page = client.get(f"/_sim/ui/jobs/{jobids[1]}")
        assert page.status_code == 200 and f"b.txt (txt, {len(letter(2))} bytes)" in page.text
        image = client.get(f"/_sim/ui/jobs/{jobids[1]}/pages/3.png")
        assert image.status_code == 200 and image.content == dashboard_page
        assert not any(in_memory(d) for d in documents)
    finally:
        client.__exit__(None, None, None)
    # Restarted on the file: the documents stay in it, and serve the same bodies.
    app, client, persister = started(path)
    try:
        documents = [d for job in jobs_of(app) for d in job.documents]
        assert documents and not any(in_memory(d) for d in documents)
        assert answers(FaxApi(client), jobids) == before
    finally:
        client.__exit__(None, None, None)


def test_a_pending_jobs_documents_stay_in_memory(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    app, client, persister = started(path)
    try:
        FaxApi(client).send_jobid(files={"letter.txt": letter(3)})
        persister.save_now()
        persister.save_now()
        (job,) = jobs_of(app)
        assert job.pending and all(in_memory(d) for d in job.documents)
    finally:
        client.__exit__(None, None, None)
    app, client, persister = started(path)  # and after a restart: it is still to be sent
    try:
        (job,) = jobs_of(app)
        assert job.pending and all(d.in_memory and d.data == letter(3) for d in job.documents)
        ok(client.post("/_sim/clock/run-until-idle", json={}))
        persister.save_now()
        assert not job.pending and not any(in_memory(d) for d in job.documents)
    finally:
        client.__exit__(None, None, None)


def test_bytes_leave_memory_only_once_the_file_has_committed_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.sqlite"
    app, client, persister = started(path)
    broken = break_writes(monkeypatch)
    try:
        api, jobids = run_jobs(client)
        before = answers(api, jobids)
        documents = [d for job in jobs_of(app) for d in job.documents]
        for _ in range(3):
            persister.save_now()
        assert persister.failures == 3 and all(in_memory(d) for d in documents)
        broken["on"] = False
        persister.save_now()
        assert persister.error is None and not any(in_memory(d) for d in documents)
        with sqlite3.connect(path) as reader:
            digests = {r[0] for r in reader.execute("SELECT sha256 FROM documents")}
        reader.close()
        assert {d.digest for d in documents} <= digests
        assert answers(api, jobids) == before
    finally:
        client.__exit__(None, None, None)


def test_snapshots_of_documents_kept_in_the_file_are_byte_identical(tmp_path: Path) -> None:
    app, client, persister = started(tmp_path / "state.sqlite")
    try:
        api, jobids = run_jobs(client)
        before = answers(api, jobids)
        persister.save_now()
        assert not any(in_memory(d) for job in jobs_of(app) for d in job.documents)
        snapshot = client.get("/_sim/snapshot").content
        account = account_snapshot(app.state.faxage, "1000")
    finally:
        client.__exit__(None, None, None)
    copy = new_client()
    assert copy.put("/_sim/snapshot", content=snapshot, headers=OCTETS).status_code == 200
    assert answers(FaxApi(copy), jobids) == before
    other = new_client()
    restore_account(other.app.state.faxage, "1000", account)  # type: ignore[attr-defined]
    assert answers(FaxApi(other), jobids) == before


def test_a_document_is_read_from_the_file_off_the_event_loop(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While a dlstatus waits on the file, another client is answered; the read is never
    made on the event loop's thread."""
    _app, client, persister = started(tmp_path / "state.sqlite")
    entered, release = threading.Event(), threading.Event()
    readers: list[str] = []
    real_read = store.StateDocuments.read

    def slow_read(self: store.StateDocuments, digest: str) -> bytes:
        readers.append(threading.current_thread().name)
        entered.set()
        assert release.wait(30)
        return real_read(self, digest)

    try:
        api, jobids = run_jobs(client)
        expected = api.post("dlstatus", jobid=str(jobids[0])).content
        persister.save_now()
        monkeypatch.setattr(store.StateDocuments, "read", slow_read)
        got: list[bytes] = []
        waiting = threading.Thread(target=lambda: got.append(
            api.post("dlstatus", jobid=str(jobids[0])).content))
        waiting.start()
        assert entered.wait(30)
        bystander: list[str] = []
        asking = threading.Thread(target=lambda: bystander.append(
            api.status(jobid=str(jobids[1]))))
        asking.start()
        asking.join(30)
        assert bystander and bystander[0].startswith(f"{jobids[1]}\t")  # answered meanwhile
        release.set()
        waiting.join(30)
        assert got == [expected]
        assert readers and all(name.startswith("faxage-sim-documents") for name in readers)
    finally:
        release.set()
        client.__exit__(None, None, None)


def test_without_a_state_file_ended_jobs_documents_are_kept_compressed() -> None:
    client = new_client()
    api, jobids = run_jobs(client)
    assert wait_packing(30)  # compressed in a worker after each answer
    state = client.app.state.faxage  # type: ignore[attr-defined]
    documents = [d for job in state.sim.accounts["1000"].jobs.values() for d in job.documents]
    texts = [d for d in documents if d.extension == "txt"]
    assert texts and all(d.packed is not None and not held_in_slot(d) for d in texts)
    assert all(len(d.packed or b"") < (d.size or 0) // 2 for d in texts)
    posted = {name: data for files in FILES for name, data in files.items()}
    assert {d.filename: d.data for d in documents} == posted
    before = answers(api, jobids)
    copy = new_client()
    assert copy.put("/_sim/snapshot", content=client.get("/_sim/snapshot").content,
                    headers=OCTETS).status_code == 200
    assert answers(FaxApi(copy), jobids) == before


def test_received_faxes_files_kept_are_bounded_and_made_again_the_same(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from faxage_sim.documents import received

    client = new_client()
    api = FaxApi(client)
    for pages in (1, 2, 3, 1, 2):
        ok(client.post("/_sim/inbound", json={"did": "3032974100", "pages": pages}))
        api.advance(300)
    faxids = [line.split("\t")[0] for line in api.call("listfax").splitlines() if line]
    assert len(faxids) == 5
    first = {f: api.post("getfax", faxid=f).content for f in faxids}
    assert all(body.startswith(b"%PDF") for body in first.values())
    inbox = client.app.state.faxage.sim.accounts["1000"].inbox  # type: ignore[attr-defined]
    assert all(f.file_cache is not None for f in inbox.faxes.values())  # within the default
    bound = max(len(b) for b in first.values()) * 2  # room for two files
    monkeypatch.setattr(received, "FILE_CACHE_BYTES", bound)
    monkeypatch.setattr(received, "_RECENT", received._RecentFiles())
    for fax in inbox.faxes.values():
        fax.file_cache = None
    again = {f: api.post("getfax", faxid=f).content for f in reversed(faxids)}
    assert again == first  # made again: the same bytes
    kept = [f for f in inbox.faxes.values() if f.file_cache is not None]
    assert 1 <= len(kept) < len(faxids) and sum(len(f.file_cache or b"") for f in kept) <= bound
    fetched_last = [str(f.recvid) for f in kept]
    assert faxids[0] in fetched_last and faxids[-1] not in fetched_last


def test_a_resent_job_shares_documents_kept_in_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.sqlite"
    app, client, persister = started(path)
    try:
        api, jobids = run_jobs(client)
        persister.save_now()
        reads: list[str] = []
        real_read = store.StateDocuments.read

        def counted(self: store.StateDocuments, digest: str) -> bytes:
            reads.append(threading.current_thread().name)
            return real_read(self, digest)

        monkeypatch.setattr(store.StateDocuments, "read", counted)
        answer = api.call("resend", jobid=str(jobids[1]))
        assert answer.startswith("JOBID: ") and reads == []  # nothing read to resend
        new = int(answer.removeprefix("JOBID: "))
        ok(client.post("/_sim/clock/run-until-idle", json={}))
        assert api.status_fields(new, showcomplete="1")[4] == "success"
        old_job, new_job = (app.state.faxage.sim.accounts["1000"].jobs[j]
                            for j in (jobids[1], new))
        assert [d.digest for d in new_job.documents] == [d.digest for d in old_job.documents]
        assert [d.load() for d in new_job.documents] == list(FILES[1].values())
        persister.save_now()
    finally:
        client.__exit__(None, None, None)
    app, client, persister = started(path)
    try:
        new_job = app.state.faxage.sim.accounts["1000"].jobs[new]
        assert [d.load() for d in new_job.documents] == list(FILES[1].values())
    finally:
        client.__exit__(None, None, None)

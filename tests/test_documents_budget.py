"""Documents within a budget: pages counted in one linear pass, a document over the budget
fails its conversion like any file FAXAGE cannot convert, the heavy work runs off the event
loop (a bystander on a real socket is answered while a hostile document is handled), and a
file is encoded a page at a time, in the same bytes as before."""

from __future__ import annotations

import base64
import io
import struct
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader, PdfWriter
from starlette.testclient import TestClient

from faxage_sim.core.jobs import Document
from faxage_sim.documents import imaging
from faxage_sim.documents.formats import (
    MAX_DOCUMENT_PIXELS,
    MAX_FRAME_PIXELS,
    MAX_JOB_PAGES,
    OVER_BUDGET,
    TEXT_LINES_PER_PAGE,
    inspect_document,
    tiff_frame_sizes,
)
from faxage_sim.harness.embedded import EmbeddedSimulator

from .helpers import CREDENTIALS, FaxApi

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "documents"
ERR25 = "ERR25: File does not exist"
BYSTANDER_BOUND = 2.0  # seconds; the 6,000-frame TIFF used to hold every client 13.6 s


def tiff_of_frames(count: int, width: int = 1, height: int = 1) -> bytes:
    """A little-endian TIFF of `count` bilevel uncompressed frames sharing one strip, made
    directly (Pillow's writer is quadratic in the number of frames)."""
    strip = bytes(((width + 7) // 8) * height)
    tags = [(256, 4, width), (257, 4, height), (258, 3, 1), (259, 3, 1), (262, 3, 0),
            (273, 4, 8), (277, 3, 1), (278, 4, height), (279, 4, len(strip))]
    ifd_size = 2 + 12 * len(tags) + 4
    first = 8 + len(strip)
    out = bytearray(b"II*\x00" + struct.pack("<I", first) + strip)
    for index in range(count):
        out += struct.pack("<H", len(tags))
        for tag, kind, value in tags:
            packed = struct.pack("<H", value) + b"\0\0" if kind == 3 else struct.pack("<I", value)
            out += struct.pack("<HHI", tag, kind, 1) + packed
        out += struct.pack("<I", first + (index + 1) * ifd_size if index + 1 < count else 0)
    return bytes(out)


def pdf_of_pages(count: int) -> bytes:
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(612, 792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sample(name: str) -> Document:
    return Document(name, (SAMPLES / name).read_bytes())


# --- counting: linear, the same as Pillow's, within the budget ----------------------------


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40), st.integers(1, 64), st.integers(1, 64))
def test_the_directory_walk_counts_the_pages_pillow_reads(count: int, width: int,
                                                         height: int) -> None:
    data = tiff_of_frames(count, width, height)
    with Image.open(io.BytesIO(data)) as tiff:
        assert tiff.n_frames == count
    assert tiff_frame_sizes(data, MAX_JOB_PAGES) == [(width, height)] * count
    assert inspect_document("tif", data).pages == count


@pytest.mark.parametrize("frames", [MAX_JOB_PAGES + 1, 6_000, 20_001])
def test_a_tiff_of_thousands_of_frames_is_over_the_budget_at_once(frames: int) -> None:
    data = tiff_of_frames(frames)
    started = time.perf_counter()
    inspection = inspect_document("tif", data)
    assert (inspection.ok, inspection.reason) == (False, OVER_BUDGET)
    assert time.perf_counter() - started < 1.0  # 20,001 frames took 108 s in Pillow's seek


def test_the_page_limit_itself_is_within_the_budget() -> None:
    assert inspect_document("tif", tiff_of_frames(MAX_JOB_PAGES)).ok
    lines = b"x\n" * (MAX_JOB_PAGES * TEXT_LINES_PER_PAGE)
    assert inspect_document("txt", lines) == inspect_document("txt", lines)
    assert inspect_document("txt", lines).pages == MAX_JOB_PAGES
    assert inspect_document("txt", lines).ok
    assert not inspect_document("txt", lines + b"x\n").ok


@pytest.mark.parametrize(("width", "height"), [
    (100_000, 100_000), (MAX_FRAME_PIXELS + 1, 1), (1, 2**32 - 1)])
def test_a_frame_of_huge_dimensions_is_over_the_budget_without_decoding(
        width: int, height: int) -> None:
    # The header claims the size; the strip is not there (no memory is spent making it).
    head = tiff_of_frames(1, 1, 1)
    data = head.replace(struct.pack("<HHII", 256, 4, 1, 1),
                        struct.pack("<HHII", 256, 4, 1, width)).replace(
        struct.pack("<HHII", 257, 4, 1, 1), struct.pack("<HHII", 257, 4, 1, height))
    assert tiff_frame_sizes(data, MAX_JOB_PAGES) == [(width, height)]
    assert inspect_document("tif", data) == inspect_document("tiff", data)
    assert inspect_document("tif", data).reason == OVER_BUDGET


def test_a_document_of_many_large_frames_is_over_the_pixel_budget() -> None:
    side = 6_000  # 36 million pixels a frame: within the frame budget
    frames = MAX_DOCUMENT_PIXELS // (side * side) + 1
    sizes_only = tiff_of_frames(frames, 1, 1).replace(
        struct.pack("<HHII", 256, 4, 1, 1), struct.pack("<HHII", 256, 4, 1, side)).replace(
        struct.pack("<HHII", 257, 4, 1, 1), struct.pack("<HHII", 257, 4, 1, side))
    assert inspect_document("tif", sizes_only).reason == OVER_BUDGET


@pytest.mark.parametrize(("extension", "data"), [
    ("txt", b"\n" * 200_000),  # 3,334 pages: the probe that took 5.96 GB in dlstatus
    ("csv", b"a,b\n" * (MAX_JOB_PAGES * TEXT_LINES_PER_PAGE + 1)),
    ("txt", b"word " * 4_000_000),  # one line of 20 MB, wrapped
    ("html", b"<p>" * 600_000),
    ("pdf", pdf_of_pages(MAX_JOB_PAGES + 1)),
    ("doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(24_000 * MAX_JOB_PAGES)),
])
def test_every_kind_of_document_has_the_page_limit(extension: str, data: bytes) -> None:
    inspection = inspect_document(extension, data)
    assert (inspection.ok, inspection.reason) == (False, OVER_BUDGET)
    assert inspection.pages > MAX_JOB_PAGES


def test_walls_of_the_walk_a_loop_or_a_link_out_of_the_file_is_unreadable() -> None:
    data = bytearray(tiff_of_frames(2))
    data[-4:] = struct.pack("<I", 9)  # the last directory links back to the first
    assert not inspect_document("tif", bytes(data)).ok
    data[-4:] = struct.pack("<I", 10**9)
    assert not inspect_document("tif", bytes(data)).ok
    assert not inspect_document("tif", b"II*\x00" + struct.pack("<I", 10**6)).ok


# --- over the budget on the wire: the conversion failure ------------------------------


def test_a_job_over_the_page_limit_fails_its_conversion(api: FaxApi) -> None:
    jobid = api.send_jobid(files={"newlines.txt": b"\n" * 200_000})
    api.run_until_idle()
    fields = api.status_fields(jobid)
    assert fields[4:6] == ["failure", "Failed Conversion"]
    assert api.call("dlstatus", jobid=str(jobid)) == ERR25
    assert api.call("dltrans", jobid=str(jobid)) == ERR25


def test_documents_within_the_limit_that_add_up_past_it_fail_the_job(api: FaxApi) -> None:
    half = b"x\n" * ((MAX_JOB_PAGES // 2 + 1) * TEXT_LINES_PER_PAGE)
    jobid = api.send_jobid(files={"a.txt": half, "b.txt": half})
    api.run_until_idle()
    assert api.status_fields(jobid)[4:6] == ["failure", "Failed Conversion"]
    assert api.call("dlstatus", jobid=str(jobid)) == ERR25


# --- off the loop: a bystander is answered while a hostile document is handled ----------


def _sendfax_form(name: str, data: bytes) -> dict[str, str]:
    return {**CREDENTIALS, "operation": "sendfax", "faxno": "3039911234",
            "recipname": "Hostile", "faxfilenames[0]": name,
            "faxfiledata[0]": base64.b64encode(data).decode()}


def test_a_bystander_is_answered_while_hostile_documents_are_handled() -> None:
    # The worst a document within the budget can ask: the page limit in frames of a fax
    # page each (decoded in the check), next to the probe's 6,000 tiny frames.
    heavy = tiff_of_frames(MAX_JOB_PAGES, 1728, 2156)
    hostile = [("heavy.tif", heavy), ("frames.tif", tiff_of_frames(6_000)),
               ("newlines.txt", b"\n" * 200_000)]
    with EmbeddedSimulator() as sim:
        url = sim.listen() + "/httpsfax.php"
        answers: list[str] = []

        def send_hostile() -> None:
            with httpx.Client(timeout=300) as client:
                for name, data in hostile:
                    answers.append(client.post(url, data=_sendfax_form(name, data)).text)

        sender = threading.Thread(target=send_hostile)
        latencies: list[float] = []
        status = {**CREDENTIALS, "operation": "status", "jobid": "1"}
        with httpx.Client(timeout=60) as bystander:
            bystander.post(url, data=status)  # a warm connection
            sender.start()
            deadline = time.monotonic() + 300
            while sender.is_alive() and time.monotonic() < deadline:
                started = time.monotonic()
                body = bystander.post(url, data=status).text
                latencies.append(time.monotonic() - started)
                assert body == "ERR06: No jobs to display or job id specified not found"
            sender.join(timeout=max(0.0, deadline - time.monotonic()))
        assert not sender.is_alive()
        assert [a.startswith("JOBID: ") for a in answers] == [True] * len(hostile)
        assert latencies and max(latencies) < BYSTANDER_BOUND, max(latencies)


# --- pages on demand, files a page at a time, the same bytes -------------------------


@pytest.mark.parametrize("names", [["letter.txt"], ["three-pages.pdf", "two-pages.tif"],
                                   ["photo.jpg"], ["table.csv", "order.html", "letter.txt"]])
@pytest.mark.parametrize("resolution", [0, 1, 2])
def test_a_file_encoded_from_a_page_run_is_the_file_of_its_pages(names: list[str],
                                                                 resolution: int) -> None:
    documents = [sample(n) for n in names]
    header = imaging.PageHeader("2026-01-05 09:00", "Acme", "1.303.297.4100")
    run = imaging.job_page_run(documents, resolution=resolution, header=header)
    pages = imaging.render_job_pages(documents, resolution=resolution, header=header)
    assert run.count == len(pages)
    assert imaging.encode_tiff(run) == imaging.encode_tiff(pages)
    assert imaging.encode_pdf(run, created=1767628800) == imaging.encode_pdf(
        pages, created=1767628800)
    last = run.page(run.count)
    assert last is not None and last.tobytes() == pages[-1].tobytes()
    assert run.page(run.count + 1) is None and run.page(0) is None


def test_encoding_holds_one_page_at_a_time() -> None:
    alive: set[int] = set()
    most = 0
    base = imaging.job_page_run([Document("long.txt", b"line\n" * 60 * 40)])

    def watched(first: int) -> Iterator[Image.Image]:
        nonlocal most
        for page in base.pages_from(first):
            alive.add(id(page))
            weakref.finalize(page, alive.discard, id(page))
            most = max(most, len(alive))
            yield page

    run = imaging.PageRun(base.count, base.resolution, watched)
    with Image.open(io.BytesIO(imaging.encode_tiff(run))) as tiff:
        assert tiff.n_frames == 40
    assert most <= 2  # the page being written, and the next one being drawn
    most = 0
    assert len(PdfReader(io.BytesIO(imaging.encode_pdf(run))).pages) == 40
    assert most <= 2


def test_page_n_is_drawn_without_the_pages_before_it() -> None:
    lines = b"".join(b"line %d\n" % n for n in range(TEXT_LINES_PER_PAGE * MAX_JOB_PAGES))
    run = imaging.job_page_run([Document("limit.txt", lines)], resolution=0)
    assert run.count == MAX_JOB_PAGES
    started = time.perf_counter()
    page = run.page(MAX_JOB_PAGES)
    assert page is not None and time.perf_counter() - started < 10
    alone = imaging.job_page_run([Document("last.txt", b"".join(
        b"line %d\n" % n for n in range(TEXT_LINES_PER_PAGE * (MAX_JOB_PAGES - 1),
                                        TEXT_LINES_PER_PAGE * MAX_JOB_PAGES)))], resolution=0)
    only = alone.page(1)
    assert only is not None
    # The same body; only the header's page counter differs (page 1 of 1, page 500 of 500).
    band = imaging.HEADER_HEIGHT // 2  # at standard resolution
    assert only.crop((0, band, 1728, 1078)).tobytes() == page.crop((0, band, 1728,
                                                                        1078)).tobytes()


def test_the_dashboard_picture_of_a_late_page_works_for_a_long_job(client: TestClient,
                                                                  api: FaxApi) -> None:
    lines = b"".join(b"line %d\n" % n for n in range(TEXT_LINES_PER_PAGE * 300))
    jobid = api.send_jobid(files={"long.txt": lines})
    api.run_until_idle()
    response = client.get(f"/_sim/ui/jobs/{jobid}/pages/300.png")
    assert response.status_code == 200 and response.content.startswith(b"\x89PNG")
    assert client.get(f"/_sim/ui/jobs/{jobid}/pages/301.png").status_code == 404


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns of the damage done on purpose
@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["tif", "tiff", "gif", "jpg", "bmp", "pdf", "txt", "csv", "html"]),
       st.lists(st.tuples(st.integers(0, 2_000), st.integers(0, 255)), max_size=12),
       st.integers(1, 30))
def test_a_damaged_document_is_a_conversion_failure_never_an_error(
        extension: str, damage: list[tuple[int, int]], frames: int) -> None:
    """Generated damage to a real file of each kind: inspection answers, within the budget."""
    base = {"tif": tiff_of_frames(frames, 8, 8), "tiff": tiff_of_frames(frames, 300, 2),
            "pdf": pdf_of_pages(frames)}.get(extension) or _small_image(extension, frames)
    data = bytearray(base)
    for position, value in damage:
        data[position % len(data)] = value
    inspection = inspect_document(extension, bytes(data))
    assert inspection.pages >= 1
    if inspection.ok:
        assert inspection.pages <= MAX_JOB_PAGES


def _small_image(extension: str, size: int) -> bytes:
    if extension in ("txt", "csv", "html"):
        return b"a line, of text\n" * size
    out = io.BytesIO()
    Image.new("RGB", (size, size), (200, 10, 10)).save(
        out, {"gif": "GIF", "jpg": "JPEG", "bmp": "BMP"}[extension])
    return out.getvalue()

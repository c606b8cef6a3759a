"""sendfax URL mode against a real local HTTP server: sync and async fetches, failures,
types, the size cap and timeout, and --no-fetch."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

from PIL import Image
from pytest_httpserver import HTTPServer
from starlette.testclient import TestClient
from werkzeug import Request, Response

from .app_factory import MakeApi, make_api
from .helpers import FaxApi

__all__ = ["make_api"]  # the fixture, used by name

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "documents"
PDF = (SAMPLES / "three-pages.pdf").read_bytes()
ERR03 = "ERR03: No files to fax"
# Conversion 20 s + 2 s a page, dial 25 s, 30 s a page, 5 s hang-up, from 09:00:00 Denver.
THREE_PAGE_DONE = "2026-01-05 09:02:26"


def url_fax(api: FaxApi, **fields: str) -> str:
    return api.call("sendfax", faxno="3039911234", recipname="Alice", **fields)


def jobid_of(answer: str) -> int:
    assert answer.startswith("JOBID: "), answer
    return int(answer.removeprefix("JOBID: "))


def serve_pdf(httpserver: HTTPServer, path: str = "/docs/three-pages.pdf") -> str:
    httpserver.expect_request(path).respond_with_data(PDF, content_type="application/pdf")
    return httpserver.url_for(path)


def test_sync_url_is_fetched_before_the_answer(api: FaxApi, httpserver: HTTPServer) -> None:
    url = serve_pdf(httpserver)
    jobid = jobid_of(url_fax(api, faxurl=url))
    assert len(httpserver.log) == 1
    assert api.status_fields(jobid, pagecount="1")[9] == "3"  # counted from the fetched PDF
    document = api.job(jobid)["documents"][0]
    assert document == {"filename": "three-pages.pdf", "bytes": len(PDF), "url": url,
                        "type": "pdf"}
    api.run_until_idle()
    fields = api.status_fields(jobid, pagecount="1")
    assert fields[4:8] == ["success", "Success", "2026-01-05 09:00:00", THREE_PAGE_DONE]
    tiff = api.post("dlstatus", jobid=str(jobid)).content
    with Image.open(io.BytesIO(tiff)) as image:
        assert image.n_frames == 3


def test_sync_url_that_cannot_be_fetched_is_err03(api: FaxApi, httpserver: HTTPServer,
                                                  client: TestClient) -> None:
    httpserver.expect_request("/missing.pdf").respond_with_data("gone", status=404)
    assert url_fax(api, faxurl=httpserver.url_for("/missing.pdf")) == ERR03
    # Nothing listens on port 9 of 127.0.0.1 (discard, never served here): refused.
    assert url_fax(api, faxurl="http://127.0.0.1:9/doc.pdf") == ERR03
    # One good and one bad URL: the job is refused as a whole.
    good = serve_pdf(httpserver)
    assert url_fax(api, **{"faxurls[0]": good,
                           "faxurls[1]": httpserver.url_for("/missing.pdf")}) == ERR03
    assert client.get("/_sim/jobs").json()["jobs"] == []


def test_async_answers_at_once_and_converts_what_arrives(api: FaxApi,
                                                         httpserver: HTTPServer) -> None:
    url = serve_pdf(httpserver)
    jobid = jobid_of(url_fax(api, faxurl=url, **{"async": "1"}))
    assert api.status_fields(jobid)[4:6] == ["pending", "Waiting for conversion"]
    api.run_until_idle()
    assert len(httpserver.log) == 1
    fields = api.status_fields(jobid, pagecount="1")
    # Fetched at the time it was posted (the manual clock stood still): same timeline as sync.
    assert fields[4:8] == ["success", "Success", "2026-01-05 09:00:00", THREE_PAGE_DONE]
    assert fields[9] == "3"


def test_async_fetch_failure_ends_as_failed_conversion(api: FaxApi,
                                                       httpserver: HTTPServer) -> None:
    httpserver.expect_request("/missing.pdf").respond_with_data("gone", status=404)
    missing = jobid_of(url_fax(api, faxurl=httpserver.url_for("/missing.pdf"), **{"async": "1"}))
    refused = jobid_of(url_fax(api, faxurl="http://127.0.0.1:9/doc.pdf", **{"async": "1"}))
    api.run_until_idle()
    assert api.status_fields(missing)[4:6] == ["failure", "Failed Conversion - Code 404"]
    assert api.status_fields(refused)[4:6] == ["failure", "Failed Conversion"]
    assert api.call("dlstatus", jobid=str(missing)) == "ERR25: File does not exist"


def test_async_content_that_does_not_convert_fails_conversion(
        api: FaxApi, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/report.pdf").respond_with_data("not a pdf at all")
    jobid = jobid_of(url_fax(api, faxurl=httpserver.url_for("/report.pdf"), **{"async": "1"}))
    api.run_until_idle()
    assert api.status_fields(jobid)[4:6] == ["failure", "Failed Conversion"]


def test_types_come_from_faxurltypes_then_the_extension_then_html(
        api: FaxApi, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/download.asp").respond_with_data(PDF)
    httpserver.expect_request("/page").respond_with_data("<html><body>Hi</body></html>")
    jobid = jobid_of(url_fax(api, **{
        "faxurls[0]": httpserver.url_for("/download.asp") + "?docid=2",
        "faxurls[1]": httpserver.url_for("/page"),
        "faxurltypes[0]": ".PDF",
    }))
    documents = api.job(jobid)["documents"]
    assert [(d["filename"], d["type"]) for d in documents] == [("download.asp", "pdf"),
                                                               ("page", "html")]
    assert api.status_fields(jobid, pagecount="1")[9] == "4"


def test_urls_that_are_not_absolute_http_are_not_files(api: FaxApi) -> None:
    for url in ("ftp://example.com/a.pdf", "/local/a.pdf", "http://", "example.com/a.pdf", ""):
        assert url_fax(api, faxurl=url) == ERR03
    assert url_fax(api, faxurl="http://127.0.0.1:9/a.pdf", **{"faxurltypes[0]": "exe"}) == ERR03


def test_number_checks_come_before_any_fetch(api: FaxApi, httpserver: HTTPServer) -> None:
    url = serve_pdf(httpserver)
    answer = api.call("sendfax", faxno="12345", recipname="A", faxurl=url)
    assert answer == "ERR04: Fax number appears to be invalid"
    answer = api.call("sendfax", faxno="3035551212", recipname="A", faxurl=url)
    assert answer == "ERR05: Blocked number"
    assert httpserver.log == []


def test_files_and_urls_combine(api: FaxApi, httpserver: HTTPServer) -> None:
    url = serve_pdf(httpserver)
    jobid = api.send_jobid(files={"note.txt": b"cover\n"}, faxurl=url)
    assert [d["filename"] for d in api.job(jobid)["documents"]] == ["note.txt",
                                                                     "three-pages.pdf"]
    assert api.status_fields(jobid, pagecount="1")[9] == "4"


def test_no_fetch_makes_every_url_one_html_page(make_api: MakeApi,
                                                httpserver: HTTPServer) -> None:
    api = make_api(fetch=False)
    for extra in ({}, {"async": "1"}):
        jobid = jobid_of(url_fax(api, faxurl=httpserver.url_for("/never.pdf"), **extra))
        (document,) = api.job(jobid)["documents"]
        assert document["type"] == "html" and document["bytes"] > 0
        assert api.status_fields(jobid, pagecount="1")[9] == "1"
    api.run_until_idle()
    assert httpserver.log == []


def test_the_size_cap_refuses_a_large_document(make_api: MakeApi,
                                               httpserver: HTTPServer) -> None:
    api = make_api(fetch_max_bytes=len(PDF) - 1)
    assert url_fax(api, faxurl=serve_pdf(httpserver)) == ERR03
    # Without a Content-Length (streamed) the cap still holds.
    httpserver.expect_request("/stream.pdf").respond_with_response(
        Response(iter([PDF[:500], PDF[500:]]), mimetype="application/pdf"))
    assert url_fax(api, faxurl=httpserver.url_for("/stream.pdf")) == ERR03


def test_a_slow_server_times_out(make_api: MakeApi, httpserver: HTTPServer) -> None:
    api = make_api(fetch_timeout=0.2)
    release = threading.Event()

    def slow(request: Request) -> Response:
        release.wait(timeout=5)  # answers only once the emulator has given up
        return Response(PDF)

    httpserver.expect_request("/slow.pdf").respond_with_handler(slow)
    started = time.perf_counter()
    try:
        assert url_fax(api, faxurl=httpserver.url_for("/slow.pdf")) == ERR03
        assert time.perf_counter() - started < 2.0
    finally:
        release.set()


def test_stopping_an_async_job_before_its_urls_arrive(api: FaxApi,
                                                      httpserver: HTTPServer) -> None:
    jobid = jobid_of(url_fax(api, faxurl=serve_pdf(httpserver), **{"async": "1"}))
    assert api.call("stopfax", jobid=str(jobid)) == f"{jobid} stopped"
    api.run_until_idle()
    assert api.status_fields(jobid)[4:6] == ["failure", "Stopped by user"]


def test_a_fetch_that_lands_after_a_reset_is_dropped(api: FaxApi, client: TestClient,
                                                     httpserver: HTTPServer) -> None:
    release = threading.Event()

    def held(request: Request) -> Response:
        release.wait(timeout=10)  # the test lets it answer after the reset
        return Response(PDF)

    httpserver.expect_request("/held.pdf").respond_with_handler(held)
    jobid_of(url_fax(api, faxurl=httpserver.url_for("/held.pdf"), **{"async": "1"}))
    assert client.post("/_sim/reset", json={}).status_code == 200
    release.set()
    api.run_until_idle()
    assert client.get("/_sim/jobs").json()["jobs"] == []
    assert api.call("pendcount") == "0"
    # The dropped job never dialled on the fresh account's lines.
    assert client.get("/_sim/cdr", params={"company": "1000"}).json()["count"] == 0

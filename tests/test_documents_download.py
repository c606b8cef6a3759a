"""dlstatus and dltrans: the fax as imaged (G4 TIFF or PDF) and the transmittal page."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from pypdf import PdfReader
from starlette.testclient import TestClient

from faxage_sim.documents import imaging

from .helpers import FaxApi

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "documents"
ERR06 = "ERR06: No jobs to display or job id specified not found"
ERR24 = "ERR24: File is not yet converted"
ERR25 = "ERR25: File does not exist"
# The manual clock starts at 2026-01-05 16:00 UTC: 09:00 in Denver, the account's zone.
SUBMIT_MINUTE = "2026-01-05 09:00"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def send_samples(api: FaxApi, *names: str, **fields: str) -> int:
    return api.send_jobid(files={name: sample(name) for name in names}, **fields)


def assert_attachment(response: object, filename: str) -> bytes:
    from httpx import Response

    assert isinstance(response, Response)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'
    return response.content


def test_dlstatus_waits_for_conversion_then_sends_a_g4_tiff(api: FaxApi) -> None:
    jobid = send_samples(api, "letter.txt", "three-pages.pdf", tagname="Acme Corp",
                         tagnumber="1.303.297.4100")
    assert api.call("dlstatus", jobid=str(jobid)) == ERR24
    api.advance(20 + 2 * 5)  # conversion: 20 s + 2 s a page
    data = assert_attachment(api.post("dlstatus", jobid=str(jobid)), f"job{jobid}.tif")
    header = imaging.PageHeader(SUBMIT_MINUTE, "Acme Corp", "1.303.297.4100")
    with Image.open(io.BytesIO(data)) as tiff:
        assert tiff.n_frames == 5
        for index in range(5):
            tiff.seek(index)
            assert (tiff.mode, tiff.size) == ("1", (1728, 1078))
            assert tiff.tag_v2[259] == 4  # CCITT Group 4
            assert (float(tiff.tag_v2[282]), float(tiff.tag_v2[283])) == (204.0, 98.0)
            band = imaging.header_band(header, index + 1, 5, 0)
            assert tiff.crop((0, 0, 1728, band.height)).tobytes() == band.tobytes()


def test_dlstatus_viewtype_pdf_and_fine_resolution(api: FaxApi) -> None:
    jobid = send_samples(api, "two-pages.tif", "photo.jpg", resolution="1")
    api.run_until_idle()
    data = assert_attachment(api.post("dlstatus", jobid=str(jobid), viewtype="PDF"),
                             f"job{jobid}.pdf")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 3
    for page in reader.pages:
        (image,) = page.images
        assert image.image is not None
        assert (image.image.mode, image.image.size) == ("1", (1728, 2156))


def test_dlstatus_of_a_document_that_does_not_convert_is_err25(api: FaxApi) -> None:
    jobid = api.send_jobid(files={"fake.pdf": b"plain text pretending to be a PDF"})
    assert api.call("dlstatus", jobid=str(jobid)) == ERR24
    api.advance(60)
    assert api.status_fields(jobid)[4:6] == ["failure", "Failed Conversion"]
    assert api.call("dlstatus", jobid=str(jobid)) == ERR25
    assert api.call("dltrans", jobid=str(jobid)) == ERR25


def test_a_job_stopped_before_conversion_has_no_file(api: FaxApi) -> None:
    jobid = api.send_jobid()
    assert api.call("stopfax", jobid=str(jobid)) == f"{jobid} stopped"
    assert api.call("dlstatus", jobid=str(jobid)) == ERR25


def test_a_job_stopped_in_queue_still_has_its_images(api: FaxApi, client: TestClient) -> None:
    client.put("/_sim/accounts/1000", json={"outbound_lines": 1})
    first = api.send_jobid(faxno="3039910004")  # transmits for 30 minutes
    second = api.send_jobid()
    api.advance(120)
    assert api.call("stopfax", jobid=str(second)) == f"{second} stopped"
    data = assert_attachment(api.post("dlstatus", jobid=str(second)), f"job{second}.tif")
    with Image.open(io.BytesIO(data)) as tiff:
        assert tiff.n_frames == 1
    assert first != second


def test_unknown_and_other_companies_jobs_are_err06(api: FaxApi, client: TestClient) -> None:
    jobid = api.send_jobid()
    api.run_until_idle()
    for missing in ("", "abc", "999999"):
        assert api.call("dlstatus", jobid=missing) == ERR06
        assert api.call("dltrans", jobid=missing) == ERR06
    assert api.call("dlstatus") == ERR06
    created = client.post("/_sim/accounts", json={
        "company": "2000", "users": [{"username": "bob", "password": "pw"}]})
    assert created.status_code in (200, 201), created.text
    other = FaxApi(client, {"username": "bob", "company": "2000", "password": "pw"})
    assert other.call("dlstatus", jobid=str(jobid)) == ERR06
    assert other.call("dltrans", jobid=str(jobid)) == ERR06


def test_dltrans_is_a_one_page_pdf_with_summary_and_reduced_first_page(api: FaxApi) -> None:
    jobid = send_samples(api, "letter.txt")
    api.run_until_idle()
    data = assert_attachment(api.post("dltrans", jobid=str(jobid)),
                             f"job{jobid}-transmittal.pdf")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    (image,) = reader.pages[0].images
    page = image.image
    assert page is not None and page.size == (1728, 2156)
    # The summary block (title and 14 rows) and the reduced first page are both inked;
    # the margin right of the summary values and below the thumbnail is blank.
    gray = page.convert("L")
    assert gray.crop((120, 100, 900, 200)).histogram()[0] > 500  # title
    assert gray.crop((120, 240, 1600, 240 + 14 * 44)).histogram()[0] > 5000  # rows
    thumb_top = 240 + 14 * 44 + 40 + 44
    thumbnail = gray.crop((120, thumb_top, 120 + 691, thumb_top + 862))
    assert thumbnail.histogram()[0] > 2000
    assert gray.crop((900, thumb_top, 1600, 2156)).histogram()[0] == 0


def test_transmittal_rows_summarise_the_job(api: FaxApi, state: object) -> None:
    from faxage_sim.core.simulator import Simulator
    from faxage_sim.documents.transmittal import summary_rows

    jobid = send_samples(api, "photo.jpg", recipname="Accounts", tagname="Acme")
    api.run_until_idle()
    sim: Simulator = state.sim  # type: ignore[attr-defined]
    account = sim.accounts["1000"]
    rows = dict(summary_rows(account.jobs[jobid], account.settings.tz))
    fields = api.status_fields(jobid, pagecount="1", xmitpages="1", csid="1")
    assert rows["Job ID"] == str(jobid) == fields[0]
    assert rows["Comm ID"] == fields[1]
    assert rows["Recipient"] == "Accounts"
    assert rows["Fax number"] == "(303)991-1234"
    assert rows["Status"] == "success: Success"
    assert rows["Submitted"] == fields[6] and rows["Completed"] == fields[7]
    assert rows["Pages"] == "1 of 1 sent"
    assert rows["Remote station"] == fields[10]
    assert rows["Documents"] == "photo.jpg"
    assert rows["From (header)"] == "Acme"


def test_the_debug_url_prefixes_the_dump_to_a_binary_answer(client: TestClient,
                                                            api: FaxApi) -> None:
    jobid = api.send_jobid()
    api.run_until_idle()
    debug = FaxApi(client, path="/httpsfax-debug.php")
    response = debug.post("dlstatus", jobid=str(jobid))
    dump = ("Array\n(\n    [username] => demo\n    [company] => 1000\n"
            "    [password] => ********\n    [operation] => dlstatus\n"
            f"    [jobid] => {jobid}\n)\n").encode()
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=UTF-8"
    assert "content-disposition" not in response.headers
    assert response.content.startswith(dump)
    with Image.open(io.BytesIO(response.content[len(dump):])) as tiff:
        assert tiff.format == "TIFF" and tiff.n_frames == 1


def test_the_same_job_downloads_as_the_same_bytes(api: FaxApi) -> None:
    jobid = send_samples(api, "photo.jpg", "table.csv")
    api.run_until_idle()
    for viewtype in ("tif", "pdf"):
        first = api.post("dlstatus", jobid=str(jobid), viewtype=viewtype).content
        assert api.post("dlstatus", jobid=str(jobid), viewtype=viewtype).content == first
    pdf = api.post("dlstatus", jobid=str(jobid), viewtype="pdf").content
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata is not None and metadata.creation_date is not None
    # Dated at the submit time on the simulated clock (2026-01-05 16:00 UTC).
    assert metadata.creation_date.isoformat().startswith("2026-01-05T16:00:00")

"""getfax: real PDF and TIFF files, the attachment headers, supplied documents, errors."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfReader
from starlette.testclient import TestClient

from faxage_sim.server.state import AppState

from .helpers import FaxApi, b64
from .inbound_helpers import DID_A, other_company, stored_fax


def _tiff(pages: int) -> bytes:
    frames = [Image.new("L", (200, 260), 255 - 60 * i) for i in range(pages)]
    out = io.BytesIO()
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:])
    return out.getvalue()


def _pdf(pages: int) -> bytes:
    frames = [Image.new("L", (200, 260), 200) for _ in range(pages)]
    out = io.BytesIO()
    frames[0].save(out, "PDF", save_all=True, append_images=frames[1:])
    return out.getvalue()


def test_a_generated_fax_is_a_pdf_attachment(client: TestClient, api: FaxApi) -> None:
    recvid = stored_fax(client, api, pages=3)
    response = api.post("getfax", faxid=str(recvid))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"] == f'attachment; filename="fax{recvid}.pdf"'
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 3
    # The same bytes on every download.
    assert api.post("getfax", faxid=str(recvid)).content == response.content


def test_a_tiff_account_gets_a_multipage_bilevel_tiff(client: TestClient, api: FaxApi) -> None:
    assert client.put("/_sim/accounts/1000", json={"fax_format": "tiff"}).status_code == 200
    recvid = stored_fax(client, api, pages=2)
    response = api.post("getfax", faxid=str(recvid))
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"] == f'attachment; filename="fax{recvid}.tif"'
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.format == "TIFF"
        assert getattr(image, "n_frames", 1) == 2
        assert image.mode == "1"
        assert image.size == (1728, 2156)  # fine resolution, letter length


def test_the_format_is_the_one_set_when_the_fax_arrived(client: TestClient,
                                                        api: FaxApi) -> None:
    recvid = stored_fax(client, api)
    assert client.put("/_sim/accounts/1000", json={"fax_format": "tiff"}).status_code == 200
    response = api.post("getfax", faxid=str(recvid))
    assert response.headers["content-disposition"] == f'attachment; filename="fax{recvid}.pdf"'
    assert response.content.startswith(b"%PDF-")


def test_a_supplied_pdf_is_stored_as_given(client: TestClient, api: FaxApi) -> None:
    original = _pdf(2)
    recvid = stored_fax(client, api, pages=2,
                        document={"filename": "scan.pdf", "data": b64(original)})
    assert api.call("listfax", pagecount="1").endswith("\t2\n")
    assert api.post("getfax", faxid=str(recvid)).content == original


def test_a_supplied_tiff_is_converted_for_a_pdf_account(client: TestClient,
                                                        api: FaxApi) -> None:
    original = _tiff(3)
    result = client.post("/_sim/inbound", json={
        "did": DID_A, "duration": 0, "document": {"filename": "scan.tif", "data": b64(original)}})
    assert result.status_code == 201, result.text
    assert result.json()["pages"] == 3  # counted from the document
    content = api.post("getfax", faxid=str(result.json()["recvid"])).content
    assert len(PdfReader(io.BytesIO(content)).pages) == 3


def test_a_supplied_tiff_is_stored_as_given_for_a_tiff_account(client: TestClient,
                                                                api: FaxApi) -> None:
    assert client.put("/_sim/accounts/1000", json={"fax_format": "tiff"}).status_code == 200
    original = _tiff(2)
    recvid = stored_fax(client, api, pages=2,
                        document={"filename": "scan.tiff", "data": b64(original)})
    assert api.post("getfax", faxid=str(recvid)).content == original


def test_unknown_and_malformed_ids_are_err12(client: TestClient, api: FaxApi) -> None:
    recvid = stored_fax(client, api)
    for faxid in ("", "0", str(recvid + 1), "abc", f"{recvid}x", "-1"):
        assert api.call("getfax", faxid=faxid) == (
            "ERR12: FAX ID not found or does not belong to you"), faxid
    assert api.call("getfax") == "ERR12: FAX ID not found or does not belong to you"


def test_another_companys_fax_is_err12(client: TestClient, api: FaxApi) -> None:
    recvid = stored_fax(client, api)
    eve = other_company(client)
    assert eve.call("getfax", faxid=str(recvid)) == (
        "ERR12: FAX ID not found or does not belong to you")


def test_an_unreadable_file_is_err13(client: TestClient, api: FaxApi, state: AppState) -> None:
    recvid = stored_fax(client, api)
    fax = state.sim.accounts["1000"].inbox.get(recvid)
    assert fax is not None
    fax.unreadable = True  # the fault the scenario files inject
    assert api.call("getfax", faxid=str(recvid)) == "ERR13: File could not be opened"


def test_the_debug_url_dumps_the_post_before_the_file(client: TestClient, api: FaxApi) -> None:
    recvid = stored_fax(client, api)
    debug = FaxApi(client, path="/httpsfax-debug.php")
    response = debug.post("getfax", faxid=str(recvid))
    dump = (f"Array\n(\n    [username] => demo\n    [company] => 1000\n"
            f"    [password] => ********\n    [operation] => getfax\n"
            f"    [faxid] => {recvid}\n)\n")
    assert response.content.startswith(dump.encode())
    assert response.content[len(dump):].startswith(b"%PDF-")

"""docs/protocol.md: paths, status codes, content types, bodies, check order."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

from .helpers import CREDENTIALS, FaxApi, b64

TEXT = "text/html; charset=UTF-8"


def test_unknown_paths_are_404(client: TestClient) -> None:
    for path in ("/", "/index.php", "/httpsfax", "/HTTPSFAX.PHP"):
        assert client.post(path, data=CREDENTIALS).status_code == 404
    # Under /_sim/ a form POST is refused before anything else (docs/security.md); JSON
    # to an unknown control URL is a JSON 404.
    assert client.post("/_sim/nothing", data=CREDENTIALS).status_code == 415
    answer = client.post("/_sim/nothing", json={})
    assert (answer.status_code, answer.json()) == (404, {"error": "no control-plane URL "
                                                                  "/_sim/nothing"})


def test_host_header_is_ignored(client: TestClient) -> None:
    for host in ("www.faxage.com", "api.faxage.com"):
        response = client.post("/httpsfax.php", data={**CREDENTIALS, "operation": "status"},
                               headers={"host": host})
        assert response.text == "ERR06: No jobs to display or job id specified not found"


def test_one_line_answers_have_exact_headers_and_no_newline(client: TestClient) -> None:
    response = client.post("/httpsfax.php", data={"username": "x"})
    assert response.status_code == 200
    assert response.content == b"ERR02: Login incorrect"
    assert response.headers["content-type"] == TEXT
    assert response.headers["content-length"] == "22"


def test_credentials_all_required_and_checked(api: FaxApi, client: TestClient) -> None:
    for broken in ({"password": "wrong"}, {"company": "9999"}, {"username": "Demo"}):
        assert FaxApi(client, {**CREDENTIALS, **broken}).call("status") == (
            "ERR02: Login incorrect")
    for missing in ("username", "company", "password"):
        creds = {k: v for k, v in CREDENTIALS.items() if k != missing}
        assert FaxApi(client, creds).call("status") == "ERR02: Login incorrect"


def test_login_is_checked_before_the_operation(client: TestClient) -> None:
    bad = FaxApi(client, {**CREDENTIALS, "password": "nope"})
    assert bad.call("frobnicate") == "ERR02: Login incorrect"


def test_unknown_or_missing_operation_is_err08_with_the_masked_post(api: FaxApi) -> None:
    assert api.call("Status") == (
        "ERR08: Unknown operation specified or bad POST Array\n(\n"
        "    [username] => demo\n    [company] => 1000\n    [password] => ********\n"
        "    [operation] => Status\n)\n")
    assert api.call(None).startswith("ERR08: Unknown operation specified or bad POST Array\n(\n")


def test_get_and_other_methods_arrive_with_an_empty_post(client: TestClient) -> None:
    assert client.get("/httpsfax.php", params=CREDENTIALS).text == "ERR02: Login incorrect"
    assert client.put("/httpsfax.php", data=CREDENTIALS).text == "ERR02: Login incorrect"


def test_json_bodies_are_not_form_posts(client: TestClient) -> None:
    response = client.post("/httpsfax.php", json={**CREDENTIALS, "operation": "status"})
    assert response.text == "ERR02: Login incorrect"


def test_multipart_bodies_work_like_urlencoded(client: TestClient) -> None:
    fields = {**CREDENTIALS, "operation": "sendfax", "faxno": "3039911234",
              "recipname": "Alice", "faxfilenames[]": "a.txt", "faxfiledata[]": b64(b"hi")}
    response = client.post("/httpsfax.php", files={k: (None, v) for k, v in fields.items()})
    assert response.text == "JOBID: 100001"


def test_percent_encoded_brackets_and_unencoded_base64(client: TestClient) -> None:
    payload = b64(bytes(range(250)))
    assert "+" in payload
    body = ("username=demo&company=1000&password=demo&operation=sendfax&faxno=3039911234"
            "&recipname=Alice&faxfilenames%5B0%5D=a.tif&faxfiledata%5B0%5D=" + payload)
    response = client.post("/httpsfax.php", content=body.encode(),
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.text == "JOBID: 100001"
    job = client.get("/_sim/jobs/100001").json()
    # '+' arrived as ' ' and was mapped back: the decoded size is exact.
    assert job["documents"] == [{"filename": "a.tif", "bytes": 250, "url": None, "type": "tif"}]


def test_unknown_fields_are_ignored(api: FaxApi) -> None:
    answer = api.send(host="x", callerid="3039911234", jobtz="UTC", informat="pdf", faxbox="1")
    assert answer == "JOBID: 100001"


def oversized_app() -> Starlette:
    return create_app(SimConfig(clock=ClockMode.MANUAL, max_body=200))


def test_a_body_over_max_body_arrives_empty(caplog: pytest.LogCaptureFixture) -> None:
    with TestClient(oversized_app()) as client, caplog.at_level("WARNING", "faxage_sim"):
        api = FaxApi(client)
        small = api.call("status")
        big = api.send(files={"big.txt": b"x" * 500})
    assert small == "ERR06: No jobs to display or job id specified not found"
    assert big == "ERR02: Login incorrect"
    assert [r.getMessage() for r in caplog.records] == [
        "/httpsfax.php: request body exceeds --max-body (200 bytes); answered as PHP answers "
        "an oversized POST (it arrives empty)"]


def test_chunked_body_over_max_body_arrives_empty() -> None:
    def chunks() -> Iterator[bytes]:
        yield b"username=demo&company=1000&password=demo&operation=status&pad="
        yield b"x" * 500

    with TestClient(oversized_app()) as client:
        response = client.post("/httpsfax.php", content=chunks(),
                               headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.text == "ERR02: Login incorrect"


def test_debug_url_answers_the_dump_then_the_normal_answer(client: TestClient) -> None:
    response = client.post("/httpsfax-debug.php", data={**CREDENTIALS, "operation": "status"})
    assert response.text == (
        "Array\n(\n    [username] => demo\n    [company] => 1000\n"
        "    [password] => ********\n    [operation] => status\n)\n"
        "ERR06: No jobs to display or job id specified not found")


def test_every_operation_in_the_dispatch_table_resolves_to_a_handler() -> None:
    from faxage_sim.endpoints.httpsfax import OPERATIONS, operation_handler

    assert all(callable(operation_handler(name)) for name in OPERATIONS)
    assert operation_handler("frobnicate") is None
    assert operation_handler(None) is None

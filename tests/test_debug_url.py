"""httpsfax-debug.php: the same behaviour as httpsfax.php, the answer preceded by print_r."""

from __future__ import annotations

from starlette.testclient import TestClient

from .helpers import FaxApi, b64

CREDENTIALS_DUMP = ("    [username] => demo\n    [company] => 1000\n"
                    "    [password] => ********\n")


def test_sendfax_through_the_debug_url_makes_a_real_job(client: TestClient, api: FaxApi) -> None:
    debug = FaxApi(client, path="/httpsfax-debug.php")
    data = b64(b"Hello, fax!\n")
    body = debug.call("sendfax", faxno="3039911234", recipname="Alice",
                      **{"faxfilenames[0]": "note.txt", "faxfiledata[0]": data})
    assert body == (
        "Array\n(\n" + CREDENTIALS_DUMP + "    [operation] => sendfax\n"
        "    [faxno] => 3039911234\n    [recipname] => Alice\n"
        "    [faxfilenames] => Array\n        (\n            [0] => note.txt\n        )\n\n"
        f"    [faxfiledata] => Array\n        (\n            [0] => {data}\n        )\n\n"
        ")\nJOBID: 100001")
    # The job is as real as one sent to httpsfax.php.
    api.run_until_idle()
    assert api.status_fields(100001)[4:6] == ["success", "Success"]


def test_errors_come_after_the_dump(client: TestClient) -> None:
    wrong = client.post("/httpsfax-debug.php", data={
        "username": "demo", "company": "1000", "password": "nope", "operation": "pendcount"})
    assert wrong.text == ("Array\n(\n    [username] => demo\n    [company] => 1000\n"
                          "    [password] => ********\n    [operation] => pendcount\n)\n"
                          "ERR02: Login incorrect")
    debug = FaxApi(client, path="/httpsfax-debug.php")
    dump = "Array\n(\n" + CREDENTIALS_DUMP + "    [operation] => frob\n)\n"
    assert debug.call("frob") == (
        dump + "ERR08: Unknown operation specified or bad POST " + dump)
    assert debug.call("resend", jobid="5") == (
        "Array\n(\n" + CREDENTIALS_DUMP + "    [operation] => resend\n    [jobid] => 5\n)\n"
        "ERR15: Invalid Job ID")

"""Newer operations: resend, pendcount, qstatus, auditlog."""

from __future__ import annotations

from pathlib import Path

from pytest_httpserver import HTTPServer
from starlette.testclient import TestClient
from werkzeug import Request, Response

from .helpers import FaxApi

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "documents"
ERR15 = "ERR15: Invalid Job ID"


def second_company(client: TestClient) -> FaxApi:
    created = client.post("/_sim/accounts", json={
        "company": "2000", "users": [{"username": "bob", "password": "pw"}]})
    assert created.status_code in (200, 201), created.text
    return FaxApi(client, {"username": "bob", "company": "2000", "password": "pw"})


def add_user(client: TestClient, username: str) -> FaxApi:
    """A second user of the default company (through the account's user list)."""
    account = client.get("/_sim/accounts/1000", params={"show_passwords": "1"}).json()
    users = [{k: u[k] for k in ("username", "password", "email", "manager")}
             for u in account["users"]]
    created = client.post("/_sim/accounts", json={
        "company": "3000", "users": [*users, {"username": username, "password": "pw"}]})
    assert created.status_code in (200, 201), created.text
    return FaxApi(client, {"username": username, "company": "3000", "password": "pw"})


# --- resend ----------------------------------------------------------------------------


def test_resend_makes_a_new_job_with_the_same_documents_and_destination(
        api: FaxApi, client: TestClient) -> None:
    files = {"letter.txt": (SAMPLES / "letter.txt").read_bytes(),
             "photo.jpg": (SAMPLES / "photo.jpg").read_bytes()}
    old = api.send_jobid(faxno="3039910003", recipname="Bob", files=files, tagname="Acme",
                         resolution="1")
    api.run_until_idle()
    answer = api.call("resend", jobid=str(old))
    assert answer.startswith("JOBID: ")
    new = int(answer.removeprefix("JOBID: "))
    assert new > old
    old_job, new_job = api.job(old), api.job(new)
    for key in ("destname", "destnum", "documents", "pagecount", "tagname", "resolution",
                "username"):
        assert new_job[key] == old_job[key], key
    assert new_job["shortstatus"] == "pending" and new_job["tries"] == 0
    api.run_until_idle()
    assert api.status_fields(new, showtries="1")[4:6] == ["success", "Success"]


def test_resend_of_unknown_cleared_or_foreign_jobs_is_err15(api: FaxApi,
                                                            client: TestClient) -> None:
    assert api.call("resend") == ERR15
    assert api.call("resend", jobid="abc") == ERR15
    assert api.call("resend", jobid="999999") == ERR15
    jobid = api.send_jobid()
    api.run_until_idle()
    assert second_company(client).call("resend", jobid=str(jobid)) == ERR15
    assert api.call("clear", jobid=str(jobid)) == f"{jobid} cleared"
    assert api.call("resend", jobid=str(jobid)) == ERR15


def test_resend_fetches_urls_that_never_arrived(api: FaxApi, httpserver: HTTPServer) -> None:
    pdf = (SAMPLES / "three-pages.pdf").read_bytes()
    answers = iter([Response("down", status=503), Response(pdf)])

    def flaky(request: Request) -> Response:
        return next(answers)

    httpserver.expect_request("/report.pdf").respond_with_handler(flaky)
    first = api.call("sendfax", faxno="3039911234", recipname="A",
                     faxurl=httpserver.url_for("/report.pdf"), **{"async": "1"})
    first_id = int(first.removeprefix("JOBID: "))
    api.run_until_idle()
    assert api.status_fields(first_id)[4:6] == ["failure", "Failed Conversion - Code 503"]
    again = int(api.call("resend", jobid=str(first_id)).removeprefix("JOBID: "))
    api.run_until_idle()
    assert api.status_fields(again, pagecount="1")[4:6] == ["success", "Success"]
    assert api.status_fields(again, pagecount="1")[9] == "3"
    assert len(httpserver.log) == 2


# --- pendcount ---------------------------------------------------------------------------


def test_pendcount_counts_pending_jobs(api: FaxApi, client: TestClient) -> None:
    assert api.call("pendcount") == "0"
    api.send_jobid()
    api.send_jobid(faxno="3039910004")  # 30 minutes on the line
    assert api.call("pendcount") == "2"
    api.advance(600)
    assert api.call("pendcount") == "1"
    api.run_until_idle()
    assert api.call("pendcount") == "0"
    other = second_company(client)
    other.send_jobid()
    assert api.call("pendcount") == "0"
    assert other.call("pendcount") == "1"


def test_pendcount_useronly_counts_the_callers_jobs(client: TestClient) -> None:
    carol = add_user(client, "carol")
    demo = FaxApi(client, {"username": "demo", "company": "3000", "password": "demo"})
    demo.send_jobid()
    carol.send_jobid()
    carol.send_jobid()
    assert demo.call("pendcount") == "3"
    assert demo.call("pendcount", useronly="1") == "1"
    assert carol.call("pendcount", useronly="1") == "2"


# --- qstatus -----------------------------------------------------------------------------


def test_qstatus_lists_the_jobs_on_a_line(api: FaxApi, client: TestClient) -> None:
    assert api.call("qstatus") == ""
    client.put("/_sim/accounts/1000", json={"outbound_lines": 2})
    first = api.send_jobid(faxno="3039910004")  # each transmits for 30 minutes
    second = api.send_jobid(faxno="3039920004", tagnumber="1.720.555.0199",
                            files={"a.txt": b"a\n", "b.txt": b"b\n"})
    assert api.call("qstatus") == ""  # still converting
    api.advance(60)
    third = api.send_jobid(faxno="3039930004")
    api.advance(60)  # converted, but both lines are busy
    assert api.call("qstatus") == (
        f"{first}\t3032974100\t3039910004\t1\t1\n"
        f"{second}\t7205550199\t3039920004\t2\t2\n")
    api.advance(1900)  # the first two are done; the third took line 1
    assert api.call("qstatus") == f"{third}\t3032974100\t3039930004\t1\t1\n"
    assert second_company(client).call("qstatus") == ""


# --- auditlog ----------------------------------------------------------------------------


def test_auditlog_lists_this_accounts_calls(api: FaxApi, client: TestClient) -> None:
    jobid = api.send_jobid()
    api.call("status", jobid="424242")  # ERR06
    api.call("frobnicate")  # ERR08
    FaxApi(client, {**api.credentials, "password": "wrong"}).call("status")  # ERR02
    other = second_company(client)
    other.call("pendcount")  # another company's call: not listed
    FaxApi(client, path="/httpsfax-debug.php").call("pendcount")
    body = api.call("auditlog")
    assert body.endswith("\n")
    rows = [line.split("\t") for line in body.split("\n")[:-1]]
    assert [r[0] for r in rows] == ["1", "2", "3", "4", "6"]  # journal sequence numbers
    for row in rows:
        assert len(row) == 10
        assert row[1] == "2026-01-05 09:00:00"
        assert row[2:6] == ["demo", "testclient", "api", ""]
    assert rows[0][6:8] == ["sendfax", "success"] and rows[0][9] == f"JOBID {jobid}"
    detail = rows[0][8].split(" ")
    assert "faxno=3039911234" in detail and "recipname=Alice" in detail
    assert "faxfilenames[0]=note.txt" in detail
    assert "Hello" not in rows[0][8] and "SGVsbG8" not in rows[0][8]  # no file data
    assert rows[1][6:] == ["status", "failure", "jobid=424242", "error 06"]
    assert rows[2][6:] == ["frobnicate", "failure", "", "error 08"]
    assert rows[3][6:] == ["status", "failure", "", "error 02"]  # the failed login
    assert rows[4][6:] == ["pendcount", "success", "", "ok"]
    assert "wrong" not in body and "password" not in body
    assert "ERR" not in body  # one client scans bodies for error texts
    assert "demo" not in other.call("auditlog")


def test_auditlog_never_repeats_a_raw_error_text(api: FaxApi) -> None:
    api.send_jobid(recipname="ERR02: Login incorrect")
    assert "ERR02:" not in api.call("auditlog")
    assert "recipname=ERR02 Login incorrect" in api.call("auditlog")


def test_auditlog_filters_by_time_and_is_empty_without_calls(api: FaxApi) -> None:
    assert api.call("auditlog") == ""  # the auditlog call itself is journaled after it
    api.advance(3600)
    api.call("pendcount")
    body = api.call("auditlog", begin="2026-01-05 09:30:00")
    rows = [line.split("\t") for line in body.splitlines()]
    assert [(r[1], r[6]) for r in rows] == [("2026-01-05 10:00:00", "pendcount")]
    early = api.call("auditlog", end="2026-01-05 09:30:00")
    assert [line.split("\t")[6] for line in early.splitlines()] == ["auditlog"]
    assert api.call("auditlog", begin="not a time") == ""

"""The simulated fax network under a manual clock: every magic number, retries, priority,
line contention. Times follow the documented default timings (README), starting at the manual
clock's 2026-01-05 09:00:00 in Denver."""

from __future__ import annotations

from starlette.testclient import TestClient

from .helpers import FaxApi

DAY = "2026-01-05"
FOUR_PAGES = {"four.txt": b"line\n" * 200}  # 60 lines per page → 4 pages


def record(jobid: int, destnum: str, short: str, long: str, completed: str, xmittime: str,
           *extra: str) -> str:
    return "\t".join([str(jobid), str(jobid - 100001 + 5000001), "Alice", destnum, short, long,
                      f"{DAY} 09:00:00", completed, xmittime, *extra]) + "\n"


def set_settings(client: TestClient, company: str = "1000", **settings: object) -> None:
    response = client.put(f"/_sim/accounts/{company}", json=settings)
    assert response.status_code == 200, response.text


def test_an_ordinary_number_succeeds_after_conversion_dial_and_one_page(api: FaxApi) -> None:
    jobid = api.send_jobid("3039911234")
    flags = {"pagecount": "1", "csid": "1", "showlogin": "1", "xmitpages": "1", "showtries": "1"}
    assert api.status(jobid=str(jobid), **flags) == record(
        jobid, "3039911234", "pending", "Waiting for conversion", "0000-00-00 00:00:00",
        "00:00:00", "1", "", "demo", "0", "0")
    api.advance(22)  # conversion: 20 s + 2 s per page; a line is free, so dialling starts
    assert api.status(jobid=str(jobid), extqueue="1") == record(
        jobid, "3039911234", "pending", "Transmitting Tries: 1 Status: Dialing",
        "0000-00-00 00:00:00", "00:00:00")
    api.advance(25)  # dial and handshake: page one is being sent
    assert api.status(jobid=str(jobid), extqueue="1") == record(
        jobid, "3039911234", "pending", "Transmitting Tries: 1 Status: Sending",
        "0000-00-00 00:00:00", "00:00:00")
    api.advance(35)  # one standard page (30 s) and the hang-up (5 s)
    assert api.status(jobid=str(jobid), **flags) == record(
        jobid, "3039911234", "success", "Success", f"{DAY} 09:01:22", "00:00:35",
        "1", "+1 303 991 1234", "demo", "1", "1")


def test_0001_is_busy_on_every_try_and_fails_after_three(api: FaxApi) -> None:
    jobid = api.send_jobid("3039910001")
    api.advance(400)  # first try busy at 09:00:34, retry waits 300 s
    assert api.status(jobid=str(jobid), extqueue="1", showtries="1") == record(
        jobid, "3039910001", "pending", "In Queue Tries: 2 Status: Waiting for retry",
        "0000-00-00 00:00:00", "00:00:00", "2")
    api.advance(3600)
    assert api.status(jobid=str(jobid), showtries="1", xmitpages="1", csid="1") == record(
        jobid, "3039910001", "failure", "Busy signal detected; too many attempts to dial",
        f"{DAY} 09:10:58", "00:00:00", "", "0", "3")


def test_0002_never_answers(api: FaxApi) -> None:
    jobid = api.send_jobid("3039910002")
    api.advance(3600)
    assert api.status(jobid=str(jobid), showtries="1") == record(
        jobid, "3039910002", "failure", "No answer from remote; too many attempts to dial",
        f"{DAY} 09:13:22", "00:00:00", "3")


def test_0003_is_busy_once_then_succeeds_on_the_retry(api: FaxApi) -> None:
    jobid = api.send_jobid("3039910003")
    api.advance(3600)
    assert api.status(jobid=str(jobid), showtries="1") == record(
        jobid, "3039910003", "success", "Success", f"{DAY} 09:06:34", "00:00:35", "2")
    attempts = api.job(jobid)["attempts"]
    assert [(a["outcome"], a["connected_seconds"]) for a in attempts] == [
        ("busy", 0), ("success", 35)]


def test_0004_transmits_for_thirty_minutes(api: FaxApi) -> None:
    jobid = api.send_jobid("3039910004")
    api.advance(22 + 25 + 1799)
    assert api.status_fields(jobid)[4:6] == ["pending", "Transmitting"]
    api.advance(1)
    assert api.status(jobid=str(jobid)) == record(
        jobid, "3039910004", "success", "Success", f"{DAY} 09:30:47", "00:30:00")


def test_0005_fails_conversion(api: FaxApi) -> None:
    jobid = api.send_jobid("3039910005")
    api.advance(22)
    assert api.status(jobid=str(jobid), showtries="1") == record(
        jobid, "3039910005", "failure", "Failed Conversion", f"{DAY} 09:00:22", "00:00:00", "0")


def test_0006_drops_the_line_after_half_the_pages(api: FaxApi) -> None:
    jobid = api.send_jobid("3039910006", files=FOUR_PAGES)
    api.advance(3600)
    # conversion 28 s; each try: 25 s dial, 2 pages (60 s) and half a page (15 s)
    assert api.status(jobid=str(jobid), pagecount="1", xmitpages="1", showtries="1") == record(
        jobid, "3039910006", "failure", "No carrier detected", f"{DAY} 09:15:28", "00:01:15",
        "4", "2", "3")


def test_every_magic_number_has_ended_within_one_simulated_hour(api: FaxApi) -> None:
    jobids = [api.send_jobid(f"303991000{n}", files=FOUR_PAGES) for n in range(1, 8)]
    api.advance(3600)
    body = api.status()
    assert [line.split("\t")[0] for line in body.splitlines()] == [str(j) for j in jobids]
    assert all(line.split("\t")[4] != "pending" for line in body.splitlines())


def test_undecodable_document_fails_conversion_not_submission(api: FaxApi) -> None:
    answer = api.call("sendfax", faxno="3039911234", recipname="Alice",
                      **{"faxfilenames[0]": "a.pdf", "faxfiledata[0]": "!!! not base64 !!!"})
    assert answer.startswith("JOBID: ")
    jobid = int(answer[7:])
    api.advance(3600)
    assert api.status_fields(jobid)[4:6] == ["failure", "Failed Conversion"]


def test_document_bytes_not_matching_the_extension_fail_conversion(api: FaxApi) -> None:
    jobid = api.send_jobid(files={"scan.pdf": b"this is plain text, not a PDF"})
    api.advance(3600)
    assert api.status_fields(jobid)[4:6] == ["failure", "Failed Conversion"]


def test_high_priority_jobs_go_before_queued_low_ones(api: FaxApi, client: TestClient) -> None:
    set_settings(client, outbound_lines=1)
    first = api.send_jobid("3039911111", priority="low")
    low = api.send_jobid("3039912222", priority="low")
    high = api.send_jobid("3039913333")  # priority defaults to high
    api.advance(3600)
    done = {j: api.status_fields(j)[7] for j in (first, low, high)}
    # `first` took the only line at conversion; then the high job jumps the queue.
    assert done == {first: f"{DAY} 09:01:22", high: f"{DAY} 09:02:22",
                    low: f"{DAY} 09:03:22"}


def test_jobs_wait_in_queue_for_a_free_line(api: FaxApi, client: TestClient) -> None:
    set_settings(client, outbound_lines=2)
    jobs = [api.send_jobid(f"3039{n}1234") for n in (21, 22, 23)]
    api.advance(30)
    states = [api.status(jobid=str(j), extqueue="1").split("\t")[5] for j in jobs]
    assert states == ["Transmitting Tries: 1 Status: Dialing"] * 2 + [
        "In Queue Tries: 0 Status: Waiting for line"]
    api.advance(3600)
    assert [api.status_fields(j)[7] for j in jobs] == [
        f"{DAY} 09:01:22", f"{DAY} 09:01:22", f"{DAY} 09:02:22"]


def test_resolution_sets_the_time_per_page(api: FaxApi) -> None:
    standard = api.send_jobid("3039911234")
    fine = api.send_jobid("3039911235", resolution="1")
    hyperfine = api.send_jobid("3039911236", resolution="2")
    api.advance(3600)
    assert [api.status_fields(j)[8] for j in (standard, fine, hyperfine)] == [
        "00:00:35", "00:00:50", "00:01:20"]


def test_retry_delay_and_tries_are_account_settings(api: FaxApi, client: TestClient) -> None:
    set_settings(client, tries=1)
    jobid = api.send_jobid("3039910003")  # busy once: with one try, that is the end
    api.advance(60)
    assert api.status_fields(jobid, showtries="1")[4:6] == [
        "failure", "Busy signal detected; too many attempts to dial"]
    set_settings(client, tries=2, retry_delay_seconds=60)
    jobid = api.send_jobid("3039910003")
    api.advance(60 + 22 + 12 + 60 + 60)
    assert api.status_fields(jobid, showtries="1")[4] == "success"

"""status: selection, every optional column in order, and ERR06."""

from __future__ import annotations

from starlette.testclient import TestClient

from .helpers import FaxApi

NO_JOBS = "ERR06: No jobs to display or job id specified not found"


def two_user_account(client: TestClient) -> tuple[FaxApi, FaxApi]:
    response = client.post("/_sim/accounts", json={"company": "2000", "users": [
        {"username": "boss", "password": "pw1", "manager": True},
        {"username": "clerk", "password": "pw2", "manager": False},
    ]})
    assert response.status_code == 201, response.text
    boss = FaxApi(client, {"username": "boss", "company": "2000", "password": "pw1"})
    clerk = FaxApi(client, {"username": "clerk", "company": "2000", "password": "pw2"})
    return boss, clerk


def test_no_jobs_at_all_is_err06(api: FaxApi) -> None:
    assert api.status() == NO_JOBS


def test_unknown_or_malformed_jobid_is_err06(api: FaxApi) -> None:
    api.send_jobid()
    assert api.status(jobid="999") == NO_JOBS
    assert api.status(jobid="abc") == NO_JOBS


def test_all_jobs_sorted_by_jobid_each_record_ending_in_newline(api: FaxApi) -> None:
    ids = [api.send_jobid() for _ in range(3)]
    body = api.status()
    assert body.endswith("\n")
    assert [line.split("\t")[0] for line in body.split("\n")[:-1]] == [str(i) for i in ids]


def test_jobids_array_and_comma_joined_value_select_the_same_jobs(api: FaxApi) -> None:
    a, b, c = (api.send_jobid() for _ in range(3))
    by_array = api.status(**{"jobids[0]": str(a), "jobids[1]": str(c)})
    by_joined = api.status(**{"jobids[]": f"{a},{c}"})
    by_plain = api.status(jobids=f"{c}, {a}")
    assert by_array == by_joined == by_plain
    assert [line.split("\t")[0] for line in by_array.splitlines()] == [str(a), str(c)]
    assert str(b) not in by_array.split("\t")


def test_optional_columns_follow_protocol_order_whatever_the_post_order(api: FaxApi) -> None:
    jobid = api.send_jobid("3039910003")
    api.advance(3600)
    fields = api.status_fields(jobid, showtries="1", xmitpages="1", showlogin="1", csid="1",
                               pagecount="1")
    assert fields[9:] == ["1", "+1 303 991 0003", "demo", "1", "2"]
    assert len(api.status_fields(jobid)) == 9


def test_flags_set_to_zero_are_off(api: FaxApi) -> None:
    jobid = api.send_jobid()
    assert len(api.status_fields(jobid, pagecount="0", csid="")) == 9


def test_extqueue_only_changes_pending_jobs(api: FaxApi) -> None:
    pending = api.send_jobid()
    assert api.status_fields(pending, extqueue="1")[5] == (
        "Waiting for conversion Tries: 0 Status: Converting")
    api.advance(3600)
    assert api.status_fields(pending, extqueue="1")[5] == "Success"


def test_begin_and_end_filter_on_sendtime(api: FaxApi) -> None:
    early = api.send_jobid()
    api.advance(3600)
    late = api.send_jobid()
    assert api.status(begin="2026-01-05 09:30:00").split("\t")[0] == str(late)
    assert api.status(end="2026-01-05 09:30:00").split("\t")[0] == str(early)
    assert api.status(begin="2026-01-05 09:00:00", end="2026-01-05 10:00:00").count("\n") == 2
    assert api.status(begin="2026-01-06") == NO_JOBS
    assert api.status(begin="yesterday") == NO_JOBS  # not a time: matches nothing


def test_useronly_shows_only_the_callers_jobs(client: TestClient) -> None:
    boss, clerk = two_user_account(client)
    mine = clerk.send_jobid()
    theirs = boss.send_jobid()
    assert clerk.status(useronly="1").split("\t")[0] == str(mine)
    assert clerk.status().count("\n") == 2
    assert boss.status(useronly="1", showlogin="1").split("\t")[0] == str(theirs)
    assert boss.status(jobid=str(mine), useronly="1") == NO_JOBS


def test_another_companys_jobs_are_invisible(api: FaxApi, client: TestClient) -> None:
    boss, _ = two_user_account(client)
    foreign = boss.send_jobid()
    assert api.status() == NO_JOBS
    assert api.status(jobid=str(foreign)) == NO_JOBS


def test_jobids_compare_as_numbers_like_mysql(api: FaxApi) -> None:
    jobid = api.send_jobid()
    assert api.status(jobid=f"00{jobid}") == api.status(jobid=str(jobid))
    assert api.status(jobid=f"{jobid}.0") == NO_JOBS

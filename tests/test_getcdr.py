"""getcdr.php: call detail records of the simulated network (docs/protocol.md).

The scripted day's expected records follow from the README's default timings: conversion
20 s + 2 s a page, 25 s dial and handshake, 30 s a page plus 5 s end of transmission, a busy
try 12 s, an unanswered try 60 s, 300 s between tries, four outbound lines.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

from .helpers import CREDENTIALS, FaxApi

DAY = "2026-01-05"


@pytest.fixture
def cdr(client: TestClient) -> FaxApi:
    return FaxApi(client, path="/getcdr.php")


def make_account(client: TestClient, company: str, dids: list[str],
                 **settings: Any) -> FaxApi:
    body: dict[str, Any] = {
        "company": company, "dids": dids, "settings": settings,
        "users": [{"username": "ops", "password": "pw"}],
    }
    response = client.post("/_sim/accounts", json=body)
    assert response.status_code == 201, response.text
    return FaxApi(client, {"username": "ops", "company": company, "password": "pw"})


def scripted_day(api: FaxApi) -> None:
    """Seven jobs at 09:00:00 Denver; see the module docstring for the timings."""
    api.send_jobid("3039910001")  # busy on all three tries
    api.send_jobid("3039910003", tagnumber="(720) 612-3456")  # busy, then success
    api.send_jobid("3039910002", tagnumber="17206120000")  # never answered
    api.send_jobid("3039910004", tagnumber="ACME",  # 2 pages, transmits 30 minutes
                   files={"a.txt": b"page one\f", "b.txt": b"page two\f"})
    api.send_jobid("3039910006")  # the line drops on every try
    api.send_jobid("3039910005")  # conversion fails: never dialled, no record
    stopped = api.send_jobid("3039911234")  # stopped before dialling: no record
    assert api.call("stopfax", jobid=str(stopped)) == f"{stopped} stopped"
    api.run_until_idle()


# nuid, calldate (Denver), direction, src, dst, billable seconds; ascending by calldate.
# The 30-minute call started at 09:00:34 but ended last, so it has the highest nuid.
DAY_RECORDS = [
    "1,2026-01-05 09:00:22,OUT,3032974100,3039910001,0",
    "2,2026-01-05 09:00:22,OUT,7206123456,3039910003,0",
    "3,2026-01-05 09:00:22,OUT,3032974100,3039910006,15",
    "4,2026-01-05 09:00:22,OUT,7206120000,3039910002,0",
    "12,2026-01-05 09:00:34,OUT,3032974100,3039910004,1800",
    "5,2026-01-05 09:05:34,OUT,3032974100,3039910001,0",
    "6,2026-01-05 09:05:34,OUT,7206123456,3039910003,35",
    "7,2026-01-05 09:06:02,OUT,3032974100,3039910006,15",
    "8,2026-01-05 09:06:22,OUT,7206120000,3039910002,0",
    "9,2026-01-05 09:10:46,OUT,3032974100,3039910001,0",
    "10,2026-01-05 09:11:42,OUT,3032974100,3039910006,15",
    "11,2026-01-05 09:12:22,OUT,7206120000,3039910002,0",
]


def body(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def without_nuid(lines: list[str]) -> list[str]:
    return [line.split(",", 1)[1] for line in lines]


def test_every_dial_try_of_a_scripted_day_is_one_record(api: FaxApi, cdr: FaxApi) -> None:
    scripted_day(api)
    assert cdr.call(None, nuidgt="0", nuidshow="1") == body(DAY_RECORDS)
    assert cdr.call(None, nuidgt="0") == body(without_nuid(DAY_RECORDS))
    # The dial tries the jobs themselves report agree, try by try.
    jobs = api.client.get("/_sim/jobs").json()["jobs"]
    tries = sorted((a["started"], j["destnum"], a["connected_seconds"])
                   for j in jobs for a in j["attempts"])
    assert tries == sorted((r.split(",")[1], r.split(",")[4], int(r.split(",")[5]))
                           for r in DAY_RECORDS)


def test_nuidgt_returns_only_records_written_after_that_id(api: FaxApi, cdr: FaxApi) -> None:
    scripted_day(api)
    assert cdr.call(None, nuidgt="11", nuidshow="1") == body([DAY_RECORDS[4]])
    assert cdr.call(None, nuidgt="8", nuidshow="1") == body(
        [DAY_RECORDS[4], *DAY_RECORDS[9:]])
    assert cdr.call(None, nuidgt="12", nuidshow="1") == ""
    assert cdr.call(None, nuidgt=" 11 ", nuidshow="1") == body([DAY_RECORDS[4]])


def test_begin_and_end_select_by_calldate_both_inclusive(api: FaxApi, cdr: FaxApi) -> None:
    scripted_day(api)
    assert cdr.call(None, begin=f"{DAY} 09:05:34", end=f"{DAY} 09:10:46") == body(
        without_nuid(DAY_RECORDS[5:10]))
    assert cdr.call(None, begin=f"{DAY} 09:05:35", end=f"{DAY} 09:10:45") == body(
        without_nuid(DAY_RECORDS[7:9]))
    assert cdr.call(None, begin=f"{DAY} 09:00:00", end=f"{DAY} 09:00:34",
                    nuidshow="1") == body(DAY_RECORDS[:5])
    assert cdr.call(None, begin=f"{DAY} 10:00:00", end=f"{DAY} 11:00:00") == ""
    # With both selections a record must match both.
    assert cdr.call(None, begin=f"{DAY} 09:05:34", end=f"{DAY} 09:10:46", nuidgt="8",
                    nuidshow="1") == body([DAY_RECORDS[9]])


@pytest.mark.parametrize("fields", [
    {},
    {"begin": f"{DAY} 09:00:00"},
    {"end": f"{DAY} 23:00:00"},
    {"begin": "yesterday", "end": f"{DAY} 23:00:00"},
    {"nuidgt": ""},
    {"nuidgt": "abc"},
    {"nuidgt": "-1"},
    {"nuidshow": "1"},
], ids=["nothing", "begin-only", "end-only", "bad-begin", "empty-nuidgt", "word-nuidgt",
        "negative-nuidgt", "nuidshow-only"])
def test_without_a_selection_the_body_is_empty(api: FaxApi, cdr: FaxApi,
                                               fields: dict[str, str]) -> None:
    scripted_day(api)
    response = cdr.post(None, **fields)
    assert (response.status_code, response.headers["content-type"], response.text) == (
        200, "text/html; charset=UTF-8", "")


@pytest.mark.parametrize("credentials", [
    {**CREDENTIALS, "password": "wrong"},
    {**CREDENTIALS, "company": "9999"},
    {**CREDENTIALS, "username": "nobody"},
    {"username": "demo", "company": "1000"},
    {},
], ids=["password", "company", "username", "no-password", "nothing"])
def test_bad_credentials_answer_the_lower_case_err02(client: TestClient,
                                                     credentials: dict[str, str]) -> None:
    response = client.post("/getcdr.php", data={**credentials, "nuidgt": "0"})
    assert (response.status_code, response.headers["content-type"], response.text) == (
        200, "text/html; charset=UTF-8", "ERR02: login incorrect")


def test_a_get_or_an_oversized_post_arrives_empty_so_login_fails() -> None:
    app = create_app(SimConfig(clock=ClockMode.MANUAL, max_body=200))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert client.get("/getcdr.php").text == "ERR02: login incorrect"
        big = client.post("/getcdr.php", data={**CREDENTIALS, "nuidgt": "0", "pad": "x" * 300})
        assert (big.status_code, big.text) == (200, "ERR02: login incorrect")
        entry = client.get("/_sim/requests", params={"path": "/getcdr.php"}).json()
        assert entry["requests"][-1]["fault"] == "max-body exceeded"


def test_an_account_sees_only_its_own_calls(client: TestClient, api: FaxApi,
                                            cdr: FaxApi) -> None:
    scripted_day(api)
    other = make_account(client, "2000", ["7206125000"])  # its own clock: 09:00 again
    other.send_jobid("3039911234")
    other.run_until_idle()
    other_cdr = FaxApi(client, other.credentials, path="/getcdr.php")
    assert other_cdr.call(None, nuidgt="0", nuidshow="1") == body(
        ["13,2026-01-05 09:00:22,OUT,7206125000,3039911234,35"])
    assert cdr.call(None, nuidgt="0", nuidshow="1") == body(DAY_RECORDS)
    # Removing the account takes its records; a new account of that company starts empty.
    assert client.request("DELETE", "/_sim/accounts/2000", json={}).status_code == 200
    again = make_account(client, "2000", ["7206125000"])
    assert FaxApi(client, again.credentials, path="/getcdr.php").call(None, nuidgt="0") == ""


def test_calldate_and_the_date_range_use_the_account_time_zone(client: TestClient) -> None:
    eastern = make_account(client, "3000", ["2126314000"],
                           timezone="America/New_York")
    eastern.send_jobid("3039911234")
    eastern.run_until_idle()
    eastern_cdr = FaxApi(client, eastern.credentials, path="/getcdr.php")
    record = "2026-01-05 11:00:22,OUT,2126314000,3039911234,35"
    assert eastern_cdr.call(None, nuidgt="0") == body([record])
    assert eastern_cdr.call(None, begin=f"{DAY} 11:00:22", end=f"{DAY} 11:00:22") == body(
        [record])
    assert eastern_cdr.call(None, begin=f"{DAY} 09:00:22", end=f"{DAY} 09:00:22") == ""


def test_src_is_the_first_did_when_the_tagnumber_has_no_number(client: TestClient) -> None:
    account = make_account(client, "4000", ["6173214000", "6173214001"])
    account.send_jobid("3039911234", tagnumber="Front desk")
    account.send_jobid("3039911235", tagnumber="617 321 4001")
    account.run_until_idle()
    assert FaxApi(client, account.credentials, path="/getcdr.php").call(None, nuidgt="0") == body(
        ["2026-01-05 09:00:22,OUT,6173214000,3039911234,35",
         "2026-01-05 09:00:22,OUT,6173214001,3039911235,35"])


def test_didnumber_keeps_only_inbound_calls_to_that_did(client: TestClient,
                                                        cdr: FaxApi) -> None:
    added = client.post("/_sim/cdr", json={"company": "1000", "records": [
        {"calldate": f"{DAY} 10:00:00", "direction": "IN", "src": "3125550100",
         "dst": "3032974100", "duration": 41},
        {"calldate": f"{DAY} 10:01:00", "direction": "IN", "src": "", "dst": "3032974101",
         "duration": 0},
        # Faxing one's own number: an outbound call whose dst is the DID.
        {"calldate": f"{DAY} 10:02:00", "direction": "OUT", "src": "3032974101",
         "dst": "3032974100", "duration": 35},
    ]})
    assert added.status_code == 201, added.text
    assert added.json() == {"company": "1000", "written": 3, "first_nuid": 1, "last_nuid": 3}
    window = {"begin": f"{DAY} 10:00:00", "end": f"{DAY} 10:05:00", "nuidshow": "1"}
    assert cdr.call(None, didnumber="3032974100", **window) == body(
        ["1,2026-01-05 10:00:00,IN,3125550100,3032974100,41"])
    assert cdr.call(None, didnumber="3032974101", nuidgt="0") == body(
        ["2026-01-05 10:01:00,IN,,3032974101,0"])
    assert cdr.call(None, didnumber="", **window) == body([
        "1,2026-01-05 10:00:00,IN,3125550100,3032974100,41",
        "2,2026-01-05 10:01:00,IN,,3032974101,0",
        "3,2026-01-05 10:02:00,OUT,3032974101,3032974100,35",
    ])
    assert cdr.call(None, didnumber="7205550000", **window) == ""
    assert cdr.call(None, didnumber="12345", **window) == ""


def test_nuidgt_paging_finds_every_record_once_while_traffic_continues(
        api: FaxApi, cdr: FaxApi) -> None:
    seen: list[str] = []
    last = 0
    numbers = ["3039910001", "3039910002", "3039910003", "3039910004", "3039910006",
               "3039911234", "3039911235"]
    for step in range(40):
        if step % 3 == 0 and step < 30:  # new jobs keep arriving while we page
            api.send_jobid(numbers[step % len(numbers)])
        api.advance(37)
        page = cdr.call(None, nuidgt=str(last), nuidshow="1").splitlines()
        seen.extend(page)
        # The client's rule: continue after the highest id returned (records come by
        # calldate, so that is not always the last line).
        last = max([last, *(int(line.split(",")[0]) for line in page)])
    api.run_until_idle()
    final = cdr.call(None, nuidgt=str(last), nuidshow="1").splitlines()
    seen.extend(final)
    everything = cdr.call(None, nuidgt="0", nuidshow="1").splitlines()
    assert len(everything) >= 15
    assert sorted(seen, key=lambda s: int(s.split(",")[0])) == sorted(
        everything, key=lambda s: int(s.split(",")[0]))
    assert len(set(seen)) == len(seen)


def test_control_plane_lists_records_as_json(api: FaxApi, client: TestClient) -> None:
    scripted_day(api)
    listed = client.get("/_sim/cdr", params={"company": "1000", "nuidgt": "10", "limit": "1"})
    assert listed.status_code == 200
    assert listed.json() == {"company": "1000", "count": 1, "last_nuid": 12, "truncated": False,
                             "records": [
        {"nuid": 12, "calldate": "2026-01-05 09:00:34", "calldate_epoch": 1767628834,
         "direction": "OUT", "src": "3032974100", "dst": "3039910004", "duration": 1800}]}


@pytest.mark.parametrize(("payload", "status", "message"), [
    ({"company": "1000", "records": [{"calldate": "soon", "direction": "IN",
                                      "dst": "3032974100"}]},
     400, "records[0].calldate: give YYYY-MM-DD HH:MM:SS (account time zone) or epoch seconds"),
    ({"company": "1000", "records": [{"calldate": 1, "direction": "SIDEWAYS",
                                      "dst": "3032974100"}]},
     400, 'records[0].direction: "IN" or "OUT"'),
    ({"company": "1000", "records": [{"calldate": 1, "direction": "IN", "dst": "303"}]},
     400, "records[0].dst: a 10-digit number"),
    ({"company": "1000", "records": [{"calldate": 1, "direction": "IN",
                                      "dst": "3032974100", "duration": -3}]},
     400, "records[0].duration: whole seconds from 0 to 86400"),
    ({"company": "1000", "records": []}, 400, '"records" must be a list of 1 to 10000'),
    ({"company": "9999", "records": []}, 404, "no account with company 9999"),
])
def test_control_plane_refuses_bad_records_and_writes_none(
        client: TestClient, cdr: FaxApi, payload: dict[str, Any], status: int,
        message: str) -> None:
    good = {"calldate": 1, "direction": "IN", "dst": "3032974100"}
    if payload["records"]:
        payload = {**payload, "records": [good, *payload["records"]]}
        message = message.replace("records[0]", "records[1]")
    response = client.post("/_sim/cdr", json=payload)
    assert (response.status_code, response.json()) == (status, {"error": message})
    assert cdr.call(None, nuidgt="0") == ""

"""The /_sim/ control plane: health, clocks, accounts, jobs, journal, reset."""

from __future__ import annotations

from starlette.testclient import TestClient

from .helpers import FaxApi


def test_health_once_started(client: TestClient) -> None:
    body = client.get("/_sim/health").json()
    assert body["status"] == "ok" and body["accounts"] == 1 and body["clock"] == "manual"


def test_clock_advance_moves_all_accounts_or_one(client: TestClient) -> None:
    client.post("/_sim/accounts", json={"company": "2000"})
    client.post("/_sim/clock/advance", json={"seconds": 60})
    clocks = client.get("/_sim/clock").json()["clocks"]
    assert clocks["1000"]["now"] == clocks["2000"]["now"] == "2026-01-05T16:01:00+00:00"
    answer = client.post("/_sim/clock/advance", json={"seconds": 60, "company": "2000"}).json()
    assert answer["clocks"]["2000"]["now"] == "2026-01-05T16:02:00+00:00"
    assert client.get("/_sim/clock", params={"company": "1000"}).json()["clocks"]["1000"][
        "now"] == "2026-01-05T16:01:00+00:00"


def test_clock_advance_errors_are_clear_json(client: TestClient) -> None:
    cases = [
        ({}, 400, 'give "seconds": how far to move the clock'),
        ({"seconds": -5}, 400, '"seconds" must be a number from 0 to 86400'),
        ({"seconds": "10"}, 400, '"seconds" must be a number from 0 to 86400'),
        ({"seconds": 1, "company": "nope"}, 404, "no account with company nope"),
    ]
    for payload, status, message in cases:
        response = client.post("/_sim/clock/advance", json=payload)
        assert (response.status_code, response.json()) == (status, {"error": message})
    response = client.post("/_sim/clock/advance", content=b"{not json",
                           headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("the body is not valid JSON")


def test_run_until_idle_stops_when_nothing_is_left(api: FaxApi, client: TestClient) -> None:
    jobid = api.send_jobid("3039910001")
    answer = client.post("/_sim/clock/run-until-idle", json={"company": "1000"}).json()
    assert answer["idle"] is True
    assert answer["advanced"] == 658  # the last busy try ends 10 min 58 s after submission
    assert api.status_fields(jobid)[4] == "failure"


def test_create_an_account_with_users_dids_settings_and_clock(client: TestClient) -> None:
    response = client.post("/_sim/accounts", json={
        "company": "4242",
        "users": [{"username": "ops", "password": "s3cret", "email": "ops@example.com",
                   "manager": False, "dids": ["3039114242"]}],
        "dids": ["3032974242", "3032974243"],
        "settings": {"outbound_lines": 1, "timezone": "America/New_York",
                     "timings": {"dial_seconds": 10}},
        "clock": {"mode": "manual", "start": 1767225600},
    })
    assert response.status_code == 201, response.text
    account = response.json()
    assert account["company"] == "4242"
    assert account["users"] == [{"username": "ops", "password": "s3cret",
                                 "email": "ops@example.com", "manager": False,
                                 "dids": ["3039114242"]}]
    assert account["dids"] == ["3032974242", "3032974243"]
    assert account["settings"]["outbound_lines"] == 1
    assert account["settings"]["timings"]["dial_seconds"] == 10
    assert account["clock"]["now"] == "2026-01-01T00:00:00+00:00"
    ops = FaxApi(client, {"username": "ops", "company": "4242", "password": "s3cret"})
    jobid = ops.send_jobid()
    assert ops.status_fields(jobid)[6] == "2025-12-31 19:00:00"  # New York time


def test_a_fresh_account_gets_a_new_company_and_numbers(client: TestClient) -> None:
    first = client.post("/_sim/accounts", json={}).json()
    second = client.post("/_sim/accounts", json={}).json()
    assert first["company"] != second["company"]
    assert len(first["dids"]) == 2 and not set(first["dids"]) & set(second["dids"])
    assert all(d[3:6] != "555" for d in first["dids"] + second["dids"])
    assert first["users"][0]["username"] == "demo"


def test_account_errors(client: TestClient) -> None:
    assert client.post("/_sim/accounts", json={"company": "1000"}).status_code == 409
    assert client.post("/_sim/accounts", json={"colour": "red"}).json()["error"] == (
        'colour: "colour" is not a field here (fields: company, users, dids, did_count, '
        "settings, port_requests, clock)")
    assert client.post("/_sim/accounts", json={"dids": ["123"]}).status_code == 400
    assert client.get("/_sim/accounts/777").status_code == 404
    bad = client.put("/_sim/accounts/1000", json={"outbound_lines": "many"})
    assert bad.status_code == 400
    assert bad.json()["error"] == (
        'settings.outbound_lines: expected a whole number from 0 to 1000, got "many"')
    zone = client.put("/_sim/accounts/1000", json={"timezone": "Mars/Olympus"})
    assert zone.json()["error"] == ('settings.timezone: unknown time zone "Mars/Olympus"; '
                                    'expected a time zone name like "America/Denver"')


def test_a_bad_settings_change_changes_nothing(client: TestClient) -> None:
    before = client.get("/_sim/accounts/1000").json()["settings"]
    response = client.put("/_sim/accounts/1000", json={"tries": 9, "nonsense": 1})
    assert response.status_code == 400
    assert client.get("/_sim/accounts/1000").json()["settings"] == before


def test_remove_an_account(client: TestClient) -> None:
    client.post("/_sim/accounts", json={"company": "5000"})
    assert client.request("DELETE", "/_sim/accounts/5000", json={}).json() == {"removed": "5000"}
    assert FaxApi(client, {"username": "demo", "company": "5000", "password": "demo"}).call(
        "status") == "ERR02: Login incorrect"


def test_jobs_show_full_state_and_timeline(api: FaxApi, client: TestClient) -> None:
    jobid = api.send_jobid("3039910003")
    api.advance(3600)
    [job] = client.get("/_sim/jobs", params={"company": "1000"}).json()["jobs"]
    assert job["jobid"] == jobid and job["tries"] == 2
    assert [(t["at"][11:], t["event"]) for t in job["timeline"]] == [
        ("09:00:00", "submitted"), ("09:00:22", "transition"), ("09:00:22", "transition"),
        ("09:00:34", "transition"), ("09:05:34", "transition"), ("09:06:34", "completed")]
    assert client.get("/_sim/jobs/1").status_code == 404


def test_the_journal_records_requests_without_secrets(api: FaxApi, client: TestClient) -> None:
    api.send()
    api.call("status")
    entries = client.get("/_sim/requests", params={"operation": "sendfax"}).json()
    [entry] = entries["requests"]
    assert entry["path"] == "/httpsfax.php" and entry["company"] == "1000"
    assert entry["fields"]["password"] == "********"
    assert entry["fields"]["faxfiledata"] == {"0": "<16 chars>"}
    assert entry["first_line"] == "JOBID: 100001" and entry["outcome"] == "JOBID 100001"


def test_reset_forgets_everything(api: FaxApi, client: TestClient) -> None:
    api.send_jobid()
    client.post("/_sim/accounts", json={"company": "2000"})
    assert client.post("/_sim/reset", json={}).json() == {"status": "reset", "accounts": ["1000"]}
    assert api.status() == "ERR06: No jobs to display or job id specified not found"
    assert api.send_jobid() == 100001
    assert client.get("/_sim/requests").json()["requests"][-1]["operation"] == "sendfax"

"""Loading scenarios at run time: for the whole simulator, or into one account (the pytest
plugin's per-test accounts), and never half-way."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from .helpers import FaxApi


def new_account(client: TestClient) -> tuple[str, FaxApi]:
    account = client.post("/_sim/accounts", json={"clock": {"mode": "manual"}}).json()
    company = account["company"]
    return company, FaxApi(client, {"username": "demo", "company": company, "password": "demo"})


def post(client: TestClient, body: dict[str, Any], expect: int = 200) -> dict[str, Any]:
    response = client.post("/_sim/scenario", json=body)
    assert response.status_code == expect, response.text
    data: dict[str, Any] = response.json()
    return data


def test_a_scenario_loaded_into_one_account_leaves_the_others_alone(
        client: TestClient, api: FaxApi) -> None:
    company, mine = new_account(client)
    applied = post(client, {"name": "busy-then-success", "company": company})
    assert (applied["company"], applied["accounts"]) == (company, [company])
    account = client.get(f"/_sim/accounts/{company}").json()
    assert account["settings"]["retry_delay_seconds"] == 120.0
    assert client.get("/_sim/accounts/1000").json()["settings"]["retry_delay_seconds"] == 300.0
    theirs, ours = api.send_jobid("2129911234"), mine.send_jobid("2129911234")
    api.run_until_idle()
    assert api.job(theirs)["tries"] == 1
    assert api.job(ours)["tries"] == 2


def test_faults_and_timeline_follow_the_account_clock(client: TestClient, api: FaxApi) -> None:
    company, mine = new_account(client)
    post(client, {"name": "database-outage", "company": company})
    post(client, {"name": "inbound-burst", "company": company})  # replaces the outage
    mine.advance(13 * 60, company=company)
    assert len(mine.call("listfax").splitlines()) == 500
    assert api.call("listfax") == "ERR11: No incoming faxes available"
    post(client, {"name": "database-outage", "company": company})
    mine.advance(11 * 60, company=company)
    assert mine.status() == "ERR01: Database connection failed"
    assert api.status() == "ERR06: No jobs to display or job id specified not found"
    [fault] = client.get("/_sim/faults", params={"company": company}).json()["faults"]
    assert (fault["owner"], fault["name"]) == (company, "database outage")


def test_text_and_mappings_load_too_with_a_seed(client: TestClient) -> None:
    company, mine = new_account(client)
    text = "faults:\n  - {status: 503, probability: 0.5}\n"
    assert post(client, {"scenario": text, "company": company, "seed": 4})["seed"] == 4
    first = [mine.post("status").status_code for _ in range(30)]
    post(client, {"scenario": {"faults": [{"status": 503, "probability": 0.5}]},
                  "company": company, "seed": 4})
    assert [mine.post("status").status_code for _ in range(30)] == first
    assert set(first) == {200, 503}


def test_what_one_account_cannot_take_is_refused(client: TestClient) -> None:
    company, _ = new_account(client)
    two = post(client, {"name": "multi-tenant", "company": company}, 400)
    assert two["issues"][0]["message"] == (
        "this scenario has 2 accounts; load it for the whole simulator (without company), "
        "not into one")
    shortage = post(client, {"name": "provisioning-shortage", "company": company}, 400)
    assert "rate-center table every account shares" in shortage["issues"][0]["message"]
    assert post(client, {"name": "happy-path", "company": "4242"}, 404) == {
        "error": "no account with company 4242"}


def test_a_bad_scenario_changes_nothing(client: TestClient, api: FaxApi) -> None:
    bad = {"scenario": {"faults": [{"status": 502}], "rules": [{"prefix": "2", "outcom": "x"}]}}
    data = post(client, bad, 400)
    assert data["issues"] == [{"file": "<request>", "line": None, "path": "rules[0].outcom",
                               "message": '"outcom" is not a field here; did you mean '
                                          '"outcome"?'}]
    assert client.get("/_sim/faults").json()["faults"] == []
    assert api.status() == "ERR06: No jobs to display or job id specified not found"
    yaml_error = post(client, {"yaml": "rules: [\n"}, 400)
    assert yaml_error["issues"][0]["message"].startswith("not valid YAML")
    assert post(client, {"name": "nope"}, 404)["error"].startswith('no shipped scenario "nope"')
    assert post(client, {"name": "a", "yaml": "b"}, 400)["error"].startswith("give exactly one")


def test_a_global_load_replaces_the_world_and_reset_goes_back(
        client: TestClient, api: FaxApi) -> None:
    api.send_jobid("2129911234")
    post(client, {"name": "multi-tenant"})
    assert sorted(a["company"] for a in client.get("/_sim/accounts").json()["accounts"]) == [
        "2001", "2002"]
    assert client.get("/_sim/jobs").json()["jobs"] == []
    assert client.get("/_sim/scenario").json()["scenario"]["name"] == "multi-tenant"
    client.post("/_sim/reset", json={})
    assert [a["company"] for a in client.get("/_sim/accounts").json()["accounts"]] == ["1000"]
    assert client.get("/_sim/scenario").json()["scenario"] is None


def test_check_reads_without_loading(client: TestClient) -> None:
    good = client.post("/_sim/scenario/check", json={"name": "business-day"})
    assert good.json()["ok"] is True and good.json()["rules"] == 6
    bad = client.post("/_sim/scenario/check", json={"yaml": "seed: x\n"})
    assert bad.status_code == 400
    assert bad.json()["issues"] == [{"file": "<request>", "line": 1, "path": "seed",
                                     "message": 'expected a whole number, got "x"'}]
    assert [a["company"] for a in client.get("/_sim/accounts").json()["accounts"]] == ["1000"]
    shipped = client.get("/_sim/scenarios").json()["scenarios"]
    assert {"name": "happy-path", "file": "scenarios/happy-path.yaml",
            "description": "Every fax goes through on the first try, magic numbers included."
            } in shipped


def test_loading_again_retires_the_earlier_timeline(client: TestClient) -> None:
    company, mine = new_account(client)
    post(client, {"name": "inbound-burst", "company": company})
    post(client, {"name": "happy-path", "company": company})
    mine.advance(13 * 60, company=company)
    assert mine.call("listfax") == "ERR11: No incoming faxes available"

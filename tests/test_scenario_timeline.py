"""Timeline steps and inventory overrides of scenario files, on a manual clock."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from .helpers import FaxApi
from .receivers import CallbackReceiver


def load(client: TestClient, scenario: dict[str, Any], expect: int = 200) -> dict[str, Any]:
    response = client.post("/_sim/scenario", json={"scenario": scenario})
    assert response.status_code == expect, response.text
    data: dict[str, Any] = response.json()
    return data


def test_settings_steps_change_the_line_count_mid_run(client: TestClient, api: FaxApi) -> None:
    load(client, {"accounts": [{"settings": {"outbound_lines": 1}}],
                  "timeline": [{"at": "+10m", "settings": {"outbound_lines": 3}}]})
    jobids = [api.send_jobid("2129911234") for _ in range(3)]
    api.advance(60)
    assert [api.job(j)["state"] for j in jobids] == ["Transmitting", "In Queue", "In Queue"]
    api.advance(9 * 60)
    assert client.get("/_sim/accounts/1000").json()["settings"]["outbound_lines"] == 3
    api.advance(1)
    states = [api.job(j)["state"] for j in jobids]
    assert "In Queue" not in states


def test_outbound_steps_send_from_the_account(client: TestClient, api: FaxApi,
                                              receiver: CallbackReceiver) -> None:
    load(client, {
        "seed": 3,
        "timeline": [{"at": "+1m", "outbound": {
            "to": ["2129911234", "3129911234"], "count": 4, "over": "4m", "pages": [2, 3],
            "url_notify": receiver.url, "priority": "low"}}]})
    api.advance(60)
    jobs = client.get("/_sim/jobs").json()["jobs"]
    assert [(j["destnum"], j["priority"], j["username"]) for j in jobs] == [
        ("2129911234", "low", "demo")]
    api.run_until_idle()
    jobs = client.get("/_sim/jobs").json()["jobs"]
    assert [j["destnum"] for j in jobs] == ["2129911234", "3129911234"] * 2
    assert all(2 <= j["pagecount"] <= 3 and j["shortstatus"] == "success" for j in jobs)
    assert sorted(r.fields["jobid"] for r in receiver.received) == sorted(
        str(j["jobid"]) for j in jobs)


def test_inbound_steps_with_details_and_unreadable_faxes(client: TestClient, api: FaxApi) -> None:
    load(client, {"timeline": [
        {"at": "+2m", "inbound": {"to": "3032974101", "from": "2129911234", "tsid": "ACME",
                                  "pages": 3, "unreadable": True}},
        {"at": "+3m", "note": "a readable one follows"},
        {"at": "+3m", "inbound": {"to": "#2"}}]})
    api.advance(10 * 60)
    records = api.call("listfax", idasc=1, pagecount=1, showtsid=1).splitlines()
    # The one-page fax of +3m ends (and is stored) before the three pages of +2m.
    second, first = (r.split("\t") for r in records)
    assert (first[2], first[3], first[-2], first[-1]) == (
        "(212)991-1234", "(303)297-4101", "3", "ACME")
    assert api.call("getfax", faxid=first[0]) == "ERR13: File could not be opened"
    assert api.post("getfax", faxid=second[0]).headers["content-type"] == (
        "application/octet-stream")


def test_did_steps_accept_numbers_and_positions(client: TestClient, api: FaxApi) -> None:
    load(client, {"timeline": [
        {"at": "+1m", "disable_did": ["3032974100", "#2"]},
        {"at": "+2m", "inbound": {"to": "#1"}},
        {"at": "+3m", "enable_did": "#1"},
        {"at": "+4m", "inbound": {"to": "#1"}}]})
    api.advance(10 * 60)
    assert len(api.call("listfax").splitlines()) == 1
    assert [b.split("\t")[0] for b in api.call("busycalls").splitlines()] == ["3032974100"]
    assert client.get("/_sim/accounts/1000").json()["disabled_dids"] == ["3032974101"]


def test_a_fault_step_opens_a_window_at_its_time(client: TestClient, api: FaxApi) -> None:
    load(client, {"timeline": [{"at": "+5m", "fault": {"status": 503, "for": "1m"}}]})
    codes = []
    for _ in range(4):
        codes.append(api.post("status").status_code)
        api.advance(150)
    assert codes == [200, 200, 503, 200]


def test_steps_of_several_accounts_need_a_company(client: TestClient) -> None:
    data = load(client, {"accounts": [{"company": 2001}, {"company": 2002}],
                         "timeline": [{"at": "+1m", "note": "which one?"}]}, 400)
    assert data["issues"][0]["message"] == (
        'this scenario has several accounts: say which with "company"')


def test_inventory_rate_centers_replace_the_table(client: TestClient, api: FaxApi) -> None:
    load(client, {"inventory": {"replace": True, "rate_centers": [
        {"npanxx": 720555, "name": "Boulder", "state": "CO",
         "numbers": [7205550111, 7205550112]}]}})
    provision = {**api.credentials, "operation": "listdids", "ac": "720"}
    assert client.post("/provision.php", data=provision).text == "7205550111\n7205550112\n"
    assert api.call("portable", didnumber="3125550000") == "0"
    assert api.call("portable", didnumber="7205559999") == "1"
    bad = load(client, {"inventory": {"replace": True}}, 400)
    assert "give at least one (non toll-free) rate center" in bad["issues"][0]["message"]


def test_a_shortage_in_some_area_codes_only(client: TestClient, api: FaxApi) -> None:
    load(client, {"inventory": {"shortage": [303]}})
    areas = client.post("/provision.php", data={**api.credentials, "operation": "listac"}).text
    assert "303" not in areas.split() and "212" in areas.split()


def test_step_dids_must_be_the_accounts(client: TestClient) -> None:
    data = load(client, {"timeline": [{"at": "+1m", "disable_did": ["3032974199", "#3"]}]}, 400)
    assert [i["message"] for i in data["issues"]] == [
        '3032974199 is not one of the account\'s DIDs ("#1", "#2"... name them by position)',
        "#3: the account has 2 DID(s)"]
    company = client.post("/_sim/accounts", json={}).json()["company"]
    scoped = client.post("/_sim/scenario", json={
        "company": company, "scenario": {"timeline": [{"at": 0, "inbound": {"to": "3032974100"}}]}})
    assert scoped.status_code == 400
    assert client.post("/_sim/scenario", json={"company": company, "scenario": {
        "timeline": [{"at": 0, "inbound": {"to": "#2"}}]}}).status_code == 200

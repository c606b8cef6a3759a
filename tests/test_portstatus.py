"""portstatus: the number port requests an account holds, from scenario files and the
control plane; none is an empty body."""

from __future__ import annotations

from starlette.testclient import TestClient

from .helpers import FaxApi

START = "2026-01-05 09:00:00"  # the manual clock's start, in the account's zone (MST)


def test_no_port_requests_is_an_empty_body(api: FaxApi) -> None:
    assert api.call("portstatus") == ""


def test_a_port_request_added_through_the_control_plane_is_one_record(
        api: FaxApi, client: TestClient) -> None:
    added = client.post("/_sim/accounts/1000/ports", json={
        "number": "3035550100", "due": "+7d", "status": "FOC received",
        "comment": "losing carrier confirmed"})
    assert added.status_code == 201, added.text
    assert added.json()["complete"] is False
    assert api.call("portstatus") == (
        f"3035550100\t{START}\t2026-01-12 09:00:00\t0000-00-00 00:00:00\tFOC received\t"
        "losing carrier confirmed\t0\n")


def test_a_completed_request_defaults_to_complete_and_records_come_oldest_first(
        api: FaxApi, client: TestClient) -> None:
    for body in ({"number": "3035550101", "requested": "+1h", "completed": "+2d"},
                 {"number": "3035550102"}):
        assert client.post("/_sim/accounts/1000/ports", json=body).status_code == 201
    assert api.call("portstatus") == (
        f"3035550102\t{START}\t0000-00-00 00:00:00\t0000-00-00 00:00:00\tPending\t\t0\n"
        "3035550101\t2026-01-05 10:00:00\t0000-00-00 00:00:00\t2026-01-07 09:00:00\t"
        "Complete\t\t1\n")
    listed = client.get("/_sim/accounts/1000/ports").json()["port_requests"]
    assert [p["number"] for p in listed] == ["3035550101", "3035550102"]
    cleared = client.request("DELETE", "/_sim/accounts/1000/ports", json={})
    assert cleared.json() == {"company": "1000", "removed": 2}
    assert api.call("portstatus") == ""


def test_the_control_plane_checks_a_port_request_with_the_scenario_schema(
        client: TestClient) -> None:
    answer = client.post("/_sim/accounts/1000/ports", json={"numbr": "3035550100"})
    assert answer.status_code == 400
    assert answer.json() == {"error": '(top level): "number" is required here (A 10-digit US '
                                      'number); numbr: "numbr" is not a field here; did you '
                                      'mean "number"?'}
    answer = client.post("/_sim/accounts/1000/ports", json={"number": "303555010"})
    assert answer.json() == {"error": 'number: expected a 10-digit number, got "303555010"'}
    assert client.post("/_sim/accounts/9999/ports", json={"number": "3035550100"}
                       ).status_code == 404
    # A pattern's `$` is the end of the text, as for every JSON Schema reader: a trailing
    # newline would have broken the record's tab-and-newline layout.
    answer = client.post("/_sim/accounts/1000/ports", json={"number": "3035550100",
                                                            "comment": "agreed\n"})
    assert answer.json() == {"error": 'comment: expected text matching ^[^\\t\\r\\n]*$, '
                                      'got "agreed\\n"'}
    assert client.get("/_sim/accounts/1000/ports").json()["port_requests"] == []


def test_port_requests_come_from_a_scenario_file(api: FaxApi, client: TestClient) -> None:
    loaded = client.post("/_sim/scenario", json={"yaml": """
accounts:
  - port_requests:
      - number: "7205550100"
        requested: "2026-01-02T16:00:00Z"
        due: "+3d"
        status: Submitted
        comment: "awaiting FOC"
"""})
    assert loaded.status_code == 200, loaded.text
    assert api.call("portstatus") == (
        "7205550100\t2026-01-02 09:00:00\t2026-01-08 09:00:00\t0000-00-00 00:00:00\t"
        "Submitted\tawaiting FOC\t0\n")


def test_a_scenario_port_request_with_a_typo_gets_a_did_you_mean(client: TestClient) -> None:
    loaded = client.post("/_sim/scenario", json={"yaml": (
        "accounts:\n  - port_requests:\n      - number: '7205550100'\n        stauts: x\n")})
    assert loaded.status_code == 400
    assert loaded.json()["issues"] == [{
        "file": "<request>", "line": 4, "path": "accounts[0].port_requests[0].stauts",
        "message": '"stauts" is not a field here; did you mean "status"?'}]


def test_a_scenario_loaded_into_one_account_sets_its_port_requests(
        api: FaxApi, client: TestClient) -> None:
    loaded = client.post("/_sim/scenario", json={"company": "1000", "scenario": {
        "accounts": [{"port_requests": [{"number": "3035550109", "complete": True,
                                         "status": "Ported"}]}]}})
    assert loaded.status_code == 200, loaded.text
    assert api.call("portstatus") == (
        f"3035550109\t{START}\t0000-00-00 00:00:00\t0000-00-00 00:00:00\tPorted\t\t1\n")

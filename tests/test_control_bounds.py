"""Every control-plane value is checked, and bounded, before anything changes
(docs/security.md, "Bounds"): the reproductions of issue 14, one by one."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from .helpers import FaxApi


def refused(client: TestClient, method: str, path: str, body: bytes | str) -> str:
    before = client.get("/_sim/accounts", params={"show_passwords": "1"}).json()
    response = client.request(method, path, content=body,
                              headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert client.get("/_sim/accounts", params={"show_passwords": "1"}).json() == before
    message: str = response.json()["error"]
    return message


def test_a_huge_inbound_rate_is_refused_with_its_cap(client: TestClient) -> None:
    # It used to be applied, and the next clock advance spun forever.
    assert refused(client, "PUT", "/_sim/accounts/1000",
                   '{"inbound_rate_per_hour": 1e12}') == (
        "settings.inbound_rate_per_hour: expected a number from 0 to 120, got 1000000000000.0")
    assert client.put("/_sim/accounts/1000", json={"inbound_rate_per_hour": 120}
                      ).status_code == 200


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_are_not_json(client: TestClient, value: str) -> None:
    message = refused(client, "PUT", "/_sim/accounts/1000", f'{{"tries": {value}}}')
    assert message.startswith("the body is not valid JSON: ")


def test_a_100000_deep_array_is_a_400_not_a_500(client: TestClient) -> None:
    body = "[" * 100_000 + "]" * 100_000
    assert refused(client, "POST", "/_sim/clock/advance", body) == (
        "the body is nested deeper than 32 levels")
    nested = '{"seconds": ' + "[" * 40 + "]" * 40 + "}"
    assert refused(client, "POST", "/_sim/clock/advance", nested) == (
        "the body is nested deeper than 32 levels")


@pytest.mark.parametrize(("body", "message"), [
    ('{"seconds": 1e308}', '"seconds" must be a number from 0 to 86400'),
    ('{"seconds": 86401}', '"seconds" must be a number from 0 to 86400'),
    ('{"seconds": true}', '"seconds" must be a number from 0 to 86400'),
    ('{"seconds": ' + "9" * 5000 + "}", "the body is not valid JSON: "),
])
def test_advances_are_bounded(client: TestClient, body: str, message: str) -> None:
    assert refused(client, "POST", "/_sim/clock/advance", body).startswith(message)


def test_run_until_idle_is_bounded(client: TestClient) -> None:
    assert refused(client, "POST", "/_sim/clock/run-until-idle",
                   '{"max_seconds": 1e308}') == (
        '"max_seconds" must be a number from 0 to 86400')


@pytest.mark.parametrize(("body", "message"), [
    ('{"clock": {"start": 1e308}}', "clock.start: expected a number from 0 to 4102444800"),
    ('{"clock": {"mode": "scaled", "speed": 1e9}}', "clock.speed: expected a number"),
    ('{"did_count": 2147483648}', "did_count: expected a whole number from 0 to 1000"),
    ('{"did_count": true}', "did_count: expected a whole number from 0 to 1000"),
    ('{"settings": {"timings": {"dial_seconds": 1e308}}}',
     "settings.timings.dial_seconds: expected a duration"),
    ('{"settings": {"callback_policy": {"backoff_factor": 1e9}}}',
     "settings.callback_policy.backoff_factor: expected a number from 0 to 10"),
    ('{"company": true}', "company: expected"),
])
def test_new_account_values_are_checked_like_scenario_files(
        client: TestClient, body: str, message: str) -> None:
    assert refused(client, "POST", "/_sim/accounts", body).startswith(message)


@pytest.mark.parametrize("path", ["/_sim/jobs/" + "9" * 5000, "/_sim/jobs/%C2%B2",
                                  "/_sim/inbound/" + "1" * 20, "/_sim/jobs/%0A1"])
def test_ids_too_long_or_not_ascii_digits_are_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and "error" in response.json()
    assert client.request("DELETE", "/_sim/faults/" + "9" * 5000, json={}).status_code == 404


@pytest.mark.parametrize("query", ["nuidgt=" + "9" * 5000, "limit=%C2%B2", "limit=-1"])
def test_query_numbers_are_checked(client: TestClient, query: str) -> None:
    response = client.get("/_sim/cdr?company=1000&" + query)
    assert response.status_code == 400 and "must be a whole number" in response.json()["error"]


def test_inbound_call_durations_are_checked(client: TestClient, api: FaxApi) -> None:
    for value in ("1e308", '"1e400s"', "true", '"NaN"'):
        message = refused(client, "POST", "/_sim/inbound",
                          f'{{"did": "3032974100", "duration": {value}}}')
        assert message.startswith("duration: expected a duration"), message
    assert api.call("incomingcalls") == "0~4"


def test_a_scenario_timeline_makes_at_most_ten_thousand_faxes(client: TestClient) -> None:
    steps = [{"at": f"+{i}m", "inbound": {"to": "#1", "count": 6000}} for i in (1, 2)]
    response = client.post("/_sim/scenario", json={"scenario": {"timeline": steps},
                                                   "company": "1000"})
    assert response.status_code == 400
    assert "the timeline makes 12000 faxes in all; at most 10000" in response.json()["error"]


def test_a_vanishingly_small_inbound_rate_is_no_traffic(client: TestClient,
                                                         api: FaxApi) -> None:
    # 5e-324 / 3600 is 0.0: drawing a gap from it divided by zero, after the account existed.
    assert client.put("/_sim/accounts/1000", json={"inbound_rate_per_hour": 5e-324}
                      ).status_code == 200
    created = client.post("/_sim/accounts", json={
        "company": "2000", "settings": {"inbound_rate_per_hour": 5e-324}})
    assert created.status_code == 201, created.text
    api.advance(86400)
    assert api.call("incomingcalls") == "0~4"


def test_a_yaml_alias_bomb_is_refused_at_once(client: TestClient) -> None:
    lines = ["l0: &l0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 9)]
    text = "\n".join([*lines, "rules: [{tries: *l8}]"])
    response = client.post("/_sim/scenario/check", json={"yaml": text})
    assert response.status_code == 400
    assert response.json()["issues"] == [{
        "file": "<request>", "line": None, "path": "(top level)",
        "message": "more than 100000 values (YAML aliases count each time they are used)"}]


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/urandom"])
def test_a_scenario_path_must_be_a_regular_file(client: TestClient, path: str) -> None:
    # The loader refuses it (for a named path and an `extends:` alike), before reading a byte.
    assert refused(client, "POST", "/_sim/scenario", f'{{"path": "{path}"}}') == (
        f"the scenario has 1 problem(s): {path}: (top level): {path} is not a regular file")


def test_an_extends_may_not_name_a_device_or_an_unusable_name(client: TestClient) -> None:
    """The loader itself refuses what would be read forever (an `extends:` names any path) and
    names no file can have: one line each, never a 500."""
    response = client.post("/_sim/scenario/check", json={"yaml": "extends: /dev/zero\n"})
    assert response.status_code == 400
    [issue] = response.json()["issues"]
    assert (issue["path"], issue["message"]) == ("extends", "/dev/zero is not a regular file")
    for name, reason in [("bad\u0000name", "embedded null byte"),
                         ("x" * 5000, "File name too long")]:
        response = client.post("/_sim/scenario/check", json={"path": name})
        assert response.status_code == 400, response.text
        [issue] = response.json()["issues"]
        assert issue["message"].endswith(f": not a usable file name ({reason})")
        assert len(issue["message"]) < 300

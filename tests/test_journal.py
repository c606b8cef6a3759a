"""The request journal through the control plane: filters, limits, counting; the console."""

from __future__ import annotations

import io
import json
from typing import Any

from starlette.testclient import TestClient

from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig
from faxage_sim.server.console import ConsoleLog
from faxage_sim.server.state import AppState

from .helpers import FaxApi


def entries(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/_sim/requests", params=params)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def seqs(client: TestClient, **params: Any) -> list[int]:
    return [e["seq"] for e in entries(client, **params)["requests"]]


def count(client: TestClient, **params: Any) -> int:
    result: int = client.get("/_sim/requests/count", params=params).json()["count"]
    return result


def test_filters_combine(client: TestClient, api: FaxApi) -> None:
    api.send("2129911234")                                    # 1
    api.status()                                              # 2
    FaxApi(client, {**api.credentials, "password": "x"}).status()  # 3: failed login
    api.advance(3600)
    api.send("3039911234", recipname="Bob")                   # 4
    client.post("/getcdr.php", data=api.credentials)          # 5
    assert seqs(client, operation="sendfax") == [1, 4]
    assert seqs(client, company="1000") == [1, 2, 3, 4, 5]   # the failed login named it
    assert seqs(client, account="1000", status=200, outcome="JOBID") == [1, 4]
    assert seqs(client, outcome="error 02") == [3]
    assert seqs(client, since=2) == [3, 4, 5]
    assert seqs(client, since="2026-01-05T16:30:00Z") == [4, 5]
    assert seqs(client, until="2026-01-05 16:30:00") == [1, 2, 3]
    assert seqs(client, **{"field.faxno": "3039911234", "field.recipname": "Bob"}) == [4]
    assert seqs(client, path="/getcdr.php", username="demo") == [5]
    assert seqs(client, fault="none") == [1, 2, 3, 4, 5]
    assert seqs(client, fault="any") == []


def test_a_limit_keeps_the_newest_and_says_how_many_more_matched(
        client: TestClient, api: FaxApi) -> None:
    for _ in range(5):
        api.status()
    data = entries(client, limit=2)
    assert [e["seq"] for e in data["requests"]] == [4, 5]
    assert (data["matched"], data["omitted"], data["dropped"]) == (5, 3, 0)
    assert entries(client, limit=0)["requests"] == []


def test_the_journal_drops_the_oldest_and_counts_them() -> None:
    out = io.StringIO()
    app = create_app(SimConfig(clock=ClockMode.MANUAL, journal_limit=3, log_requests=False),
                     console=ConsoleLog("text", out))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        api = FaxApi(client)
        for _ in range(5):
            api.status()
        data = entries(client)
        assert [e["seq"] for e in data["requests"]] == [3, 4, 5]
        assert (data["dropped"], data["limit"]) == (2, 3)
        assert client.get("/_sim/requests/count").json() == {"count": 3, "dropped": 2}
    drops = [line for line in out.getvalue().splitlines() if " journal " in line]
    assert drops == ["- journal      more than 3 requests: the oldest are now dropped, and "
                     "counted (GET /_sim/requests shows how many)"]


def test_a_journal_past_its_byte_budget_says_so() -> None:
    """Past the byte budget (not the entry cap), the console line says the budget."""
    out = io.StringIO()
    app = create_app(SimConfig(clock=ClockMode.MANUAL, journal_limit=1000, log_requests=False),
                     console=ConsoleLog("text", out))
    state: AppState = app.state.faxage
    state.journal.byte_limit = 3000  # a few ordinary requests (~0.7 KiB each)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        api = FaxApi(client)
        for _ in range(8):
            api.status()
        kept = len(state.journal.entries)
        assert 1 < kept < 8 and state.journal.dropped == 8 - kept
        assert client.get("/_sim/requests/count").json() == {"count": kept,
                                                             "dropped": 8 - kept}
    drops = [line for line in out.getvalue().splitlines() if " journal " in line]
    assert drops == [f"- journal      more than 3,000 bytes of requests (the journal's byte "
                     f"budget; {kept} requests kept): the oldest are now dropped, and counted "
                     "(GET /_sim/requests shows how many)"]


def test_the_count_endpoint_asserts_with_expect(client: TestClient, api: FaxApi) -> None:
    api.send("2129911234")
    api.send("2129911234")
    assert count(client, operation="sendfax") == 2
    assert client.get("/_sim/requests/count",
                      params={"operation": "sendfax", "expect": 2}).json() == {
        "count": 2, "dropped": 0, "expected": 2, "ok": True}
    wrong = client.get("/_sim/requests/count", params={"operation": "sendfax", "expect": 3})
    assert (wrong.status_code, wrong.json()["ok"]) == (409, False)


def test_bad_filters_are_refused(client: TestClient) -> None:
    assert client.get("/_sim/requests", params={"operaton": "x"}).json() == {
        "error": "unknown filter(s) operaton (filters: account, company, expect, fault, "
                 "limit, operation, outcome, path, since, status, until, username, "
                 "field.NAME)"}
    assert client.get("/_sim/requests", params={"since": "yesterday"}).status_code == 400
    assert client.get("/_sim/requests", params={"limit": "-1"}).status_code == 400


def test_an_entry_has_times_fields_answer_and_duration(client: TestClient, api: FaxApi) -> None:
    api.send("2129911234")
    [entry] = entries(client)["requests"]
    assert entry["sim_time"] == 1767628800.0 and entry["wall_time"] > 1.7e9
    assert (entry["path"], entry["operation"], entry["company"], entry["username"]) == (
        "/httpsfax.php", "sendfax", "1000", "demo")
    assert entry["fields"]["password"] == "********"
    assert entry["fields"]["faxfiledata"] == {"0": "<16 chars>"}
    assert (entry["status"], entry["first_line"], entry["outcome"]) == (
        200, "JOBID: 100001", "JOBID 100001")
    assert entry["duration_ms"] > 0 and entry["fault"] is None


def test_the_console_tells_the_story(client: TestClient, api: FaxApi, state: AppState) -> None:
    out = io.StringIO()
    console = ConsoleLog("text", out)
    state.console = console
    state.config.log_requests = True
    state.sim.bus.subscribe(console.event)
    console.zone_of = lambda company: "America/Denver" if company else None
    api.send("2129911234")
    api.advance(3600)
    lines = out.getvalue().splitlines()
    assert lines[0] == ("2026-01-05 09:00:00 MST [1000] job.submitted job 100001: submitted to "
                        "2129911234, 1 page(s), high priority")
    assert lines[1] == ("2026-01-05 09:00:00 MST [1000] request      POST /httpsfax.php sendfax "
                        "(demo) -> JOBID: 100001")
    assert any(" job.completed job 100001: success: Success" in line for line in lines)


def test_json_console_lines_are_objects() -> None:
    out = io.StringIO()
    console = ConsoleLog("json", out)
    console.line("fault", "it broke", at=1767628800.0, company="1000", seq=3)
    record = json.loads(out.getvalue())
    assert {k: record[k] for k in ("sim_time", "kind", "company", "message", "seq")} == {
        "sim_time": "2026-01-05T16:00:00+00:00", "kind": "fault", "company": "1000",
        "message": "it broke", "seq": 3}
    assert record["wall_time"].endswith("+00:00")


def test_long_values_and_keys_are_journaled_by_their_size(client: TestClient) -> None:
    client.post("/httpsfax.php", data={"username": "demo", "company": "1000",
                                       "password": "demo", "operation": "status",
                                       "jobid": "9" * 5000, f"x[{'7' * 2000}]": "1"})
    entry = client.get("/_sim/requests").json()["requests"][-1]
    assert entry["fields"]["jobid"] == "<5000 chars>"
    assert entry["fields"]["x"] == {"<2000 chars>": "1"}

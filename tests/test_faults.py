"""Injected faults: which requests they hit, when, what the client gets, and the journal."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest
from starlette.testclient import TestClient

from faxage_sim.core.matching import NumberMatch
from faxage_sim.core.timeref import TimeRef
from faxage_sim.faults.matching import FaultBook, FaultSpec, RequestFacts
from faxage_sim.faults.spec import ProtocolError
from faxage_sim.server.console import ConsoleLog
from faxage_sim.server.state import AppState

from .helpers import FaxApi

NGINX_502 = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
             "<center><h1>502 Bad Gateway</h1></center>\r\n"
             "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")


def add_fault(client: TestClient, expect: int = 201, **fault: Any) -> dict[str, Any]:
    body = {"fault": fault}
    company = fault.pop("owner", None)
    if company is not None:
        body["company"] = company
    response = client.post("/_sim/faults", json=body)
    assert response.status_code == expect, response.text
    data: dict[str, Any] = response.json()
    return data


def facts(operation: str = "status", company: str = "1000", now: float = 0.0,
          destination: str | None = None, path: str = "/httpsfax.php") -> RequestFacts:
    return RequestFacts(path, operation, company, destination, now)


def fired(book: FaultBook, n: int, **kwargs: Any) -> list[bool]:
    return [book.front(facts(**kwargs)) is not None for _ in range(n)]


# --- matching, in the core ---------------------------------------------------------------

def test_ordinals_count_only_the_requests_a_fault_matches() -> None:
    book = FaultBook()
    book.add(FaultSpec(status=502, operations=("sendfax",), nth=2), seed=0, start=0, ordinal=0)
    book.add(FaultSpec(status=503, operations=("status",), every=3), seed=0, start=0, ordinal=1)
    book.add(FaultSpec(status=500, operations=("listfax",), after=2, hits=2), seed=0, start=0,
             ordinal=2)
    assert fired(book, 4, operation="sendfax") == [False, True, False, False]
    assert fired(book, 6, operation="status") == [False, False, True, False, False, True]
    assert fired(book, 6, operation="listfax") == [False, False, True, True, False, False]


def test_a_window_of_simulated_time_and_filters() -> None:
    book = FaultBook()
    spec = FaultSpec(error=ProtocolError.ERR01, start=TimeRef(offset=600), duration=900,
                     companies=("1000",), paths=("/httpsfax.php",),
                     destination=NumberMatch.of(prefix="212"))
    book.add(spec, seed=0, start=1000.0, ordinal=0)
    hit = dict(operation="sendfax", destination="2129911234")
    assert [book.front(facts(now=t, **hit)) is not None
            for t in (1599, 1600, 2499, 2500)] == [False, True, True, False]
    assert book.front(facts(now=1700, company="2000", **hit)) is None
    assert book.front(facts(now=1700, operation="sendfax", destination="3039911234")) is None
    assert book.front(facts(now=1700, path="/getcdr.php", **hit)) is None


def test_probability_draws_replay_from_the_seed() -> None:
    def pattern(seed: int) -> list[bool]:
        book = FaultBook()
        book.add(FaultSpec(status=502, probability=0.3), seed=seed, start=0, ordinal=0)
        return fired(book, 200)

    assert pattern(5) == pattern(5)
    assert pattern(5) != pattern(6)
    assert 40 <= sum(pattern(5)) <= 80


def test_faults_are_tried_in_order_and_the_first_that_fires_applies() -> None:
    book = FaultBook()
    book.add(FaultSpec(name="first", status=502, every=2), seed=0, start=0, ordinal=0)
    book.add(FaultSpec(name="second", status=503), seed=0, start=0, ordinal=1)
    labels = [f.label if (f := book.front(facts())) else None for _ in range(4)]
    assert labels == ["second", "first", "second", "first"]


def test_a_latency_distribution_is_drawn_and_capped() -> None:
    from faxage_sim.faults.spec import Latency

    rng = random.Random(1)
    uniform = [Latency("uniform", low=0.1, high=0.2).draw(rng) for _ in range(50)]
    assert all(0.1 <= v <= 0.2 for v in uniform)
    capped = [Latency("exponential", mean=10.0, cap=1.5).draw(rng) for _ in range(50)]
    assert max(capped) == 1.5 and min(capped) >= 0


# --- protocol faults on the wire -----------------------------------------------------------

def test_err15_on_sendfax_stores_no_job(client: TestClient, api: FaxApi) -> None:
    add_fault(client, error="ERR15", nth=2)
    assert api.send("2129911234") == "JOBID: 100001"
    assert api.send("2129911234") == "ERR15: Invalid Job ID"
    assert api.send("2129911234") == "JOBID: 100002"
    assert api.send("212991123") == "ERR04: Fax number appears to be invalid"  # checks first
    assert [j["jobid"] for j in client.get("/_sim/jobs").json()["jobs"]] == [100001, 100002]


def test_err21_and_err23_on_stopfax_leave_the_job_queued(client: TestClient, api: FaxApi) -> None:
    jobid = api.send_jobid("2129911234")
    add_fault(client, error="ERR21", hits=1)
    add_fault(client, error="ERR23", hits=1)
    assert api.call("stopfax", jobid=str(jobid)) == (
        f"ERR21: Job ID - {jobid} - not found on fax server")
    assert api.call("stopfax", jobid=str(jobid)) == f"ERR23: Job ID - {jobid} - failed to stop"
    assert api.job(jobid)["state"] == "Waiting for conversion"
    assert api.call("stopfax", jobid="99") == "ERR19: JOB ID not found or does not belong to you"
    assert api.call("stopfax", jobid=str(jobid)) == f"{jobid} stopped"


def test_err13_on_getfax_after_the_fax_is_found(client: TestClient, api: FaxApi) -> None:
    response = client.post("/_sim/inbound", json={"did": "3032974100", "pages": 1})
    assert response.status_code == 201, response.text
    api.advance(120)
    recvid = api.call("listfax").split("\t")[0]
    add_fault(client, error="ERR13", every=2)
    assert api.post("getfax", faxid=recvid).headers["content-type"] == "application/octet-stream"
    assert api.call("getfax", faxid=recvid) == "ERR13: File could not be opened"
    assert api.call("getfax", faxid="1") == "ERR12: FAX ID not found or does not belong to you"


def test_err01_comes_before_credentials(client: TestClient, api: FaxApi) -> None:
    add_fault(client, error="ERR01", path=["/httpsfax.php", "/getcdr.php"])
    wrong = FaxApi(client, {"username": "x", "company": "9", "password": "x"})
    assert wrong.call("status") == "ERR01: Database connection failed"
    assert client.post("/getcdr.php", data={}).text == "ERR01: database connection failed"
    assert client.post("/provision.php", data={}).text == "ERR02: login incorrect"


# --- HTTP faults ---------------------------------------------------------------------------

def test_http_statuses_have_the_front_end_pages(client: TestClient, api: FaxApi) -> None:
    # Each fault fires once; a request one fault takes is not counted by the later ones.
    add_fault(client, status=502, hits=1)
    add_fault(client, status=500, hits=1)
    add_fault(client, status=500, server="nginx", hits=1)
    add_fault(client, status=504, hits=1)
    first = api.post("status")
    assert (first.status_code, first.text, first.headers["content-type"]) == (
        502, NGINX_502, "text/html")
    php = api.post("status")
    assert (php.status_code, php.text, php.headers["content-type"]) == (
        500, "", "text/html; charset=UTF-8")
    assert api.post("status").text.startswith(
        "<html>\r\n<head><title>500 Internal Server Error</title></head>")
    assert "<h1>504 Gateway Time-out</h1>" in api.post("status").text
    assert api.post("status").status_code == 200


def test_a_processed_gateway_timeout_still_stores_the_job(client: TestClient, api: FaxApi) -> None:
    add_fault(client, status=504, operation="sendfax", processed=True, hits=1)
    response = api.post("sendfax", faxno="2129911234", recipname="A",
                        **{"faxfilenames[0]": "a.txt", "faxfiledata[0]": "aGk="})
    assert response.status_code == 504
    [job] = client.get("/_sim/jobs").json()["jobs"]
    assert job["destnum"] == "2129911234"  # the client must not blindly resend
    [entry] = client.get("/_sim/requests", params={"fault": "any"}).json()["requests"]
    assert (entry["fault_effect"], entry["company"], entry["status"]) == (
        "HTTP 504, request processed", "1000", 504)


def test_a_fault_loaded_into_one_account_hits_only_it(client: TestClient, api: FaxApi) -> None:
    other = client.post("/_sim/accounts", json={}).json()
    add_fault(client, status=503, owner=other["company"])
    assert api.post("status").status_code == 200
    them = FaxApi(client, {"username": "demo", "company": other["company"], "password": "demo"})
    assert them.post("status").status_code == 503
    client.request("DELETE", f"/_sim/accounts/{other['company']}", json={})
    assert client.get("/_sim/faults").json()["faults"] == []  # gone with the account


def test_every_firing_is_journaled_and_told_on_the_console(
        client: TestClient, api: FaxApi, state: AppState) -> None:
    out = io.StringIO()
    console = ConsoleLog("text", out)
    state.console = console
    state.config.log_requests = True
    console.zone_of = lambda company: "America/Denver"
    add_fault(client, name="gateway", status=502, operation="status")
    api.post("status")
    [entry] = client.get("/_sim/requests", params={"fault": "gateway"}).json()["requests"]
    assert (entry["operation"], entry["status"], entry["first_line"], entry["fault"],
            entry["fault_effect"]) == ("status", 502, "<html>", "gateway", "HTTP 502")
    assert entry["fields"]["password"] == "********"
    assert out.getvalue().splitlines() == [
        '2026-01-05 09:00:00 MST control      fault 1 "gateway" added: HTTP 502',
        '2026-01-05 09:00:00 MST [1000] fault        "gateway" (HTTP 502) hit POST '
        "/httpsfax.php status",
        "2026-01-05 09:00:00 MST [1000] request      POST /httpsfax.php status -> HTTP 502 "
        "<html>",
    ]


# --- the control plane ---------------------------------------------------------------------

def test_bad_faults_are_refused_with_the_reason(client: TestClient) -> None:
    assert add_fault(client, 400, status=418)["issues"] == [
        {"file": "<request>", "line": None, "path": "status",
         "message": "expected one of 500, 502, 503, 504, got 418"}]
    assert add_fault(client, 400, status=502, probabilty=0.5)["issues"][0]["message"] == (
        '"probabilty" is not a field here; did you mean "probability"?')
    assert add_fault(client, 400, latency={"distribution": "uniform", "min": 3, "max": 1})[
        "issues"][0]["message"] == '"min" is more than "max"'
    response = client.post("/_sim/faults", json={"status": 502})
    assert response.status_code == 400
    assert client.post("/_sim/faults", json={"fault": {"status": 502}, "company": "77"}
                       ).status_code == 404


def test_faults_are_listed_counted_and_removed(client: TestClient, api: FaxApi) -> None:
    first = add_fault(client, name="a", status=502, hits=1)
    add_fault(client, name="b", latency=0)
    api.post("status")
    listed = client.get("/_sim/faults").json()["faults"]
    assert [(f["name"], f["seen"], f["fired"], f["exhausted"]) for f in listed] == [
        ("a", 1, 1, True), ("b", 0, 0, False)]
    assert client.request("DELETE", f"/_sim/faults/{first['id']}", json={}).json() == {
        "removed": first["id"]}
    assert client.request("DELETE", f"/_sim/faults/{first['id']}", json={}).status_code == 404
    assert client.request("DELETE", "/_sim/faults", json={}).json() == {"removed": 1}


@pytest.mark.parametrize("fault", [{"error": "ERR01"}, {"status": 503}])
def test_reset_forgets_faults(client: TestClient, api: FaxApi, fault: dict[str, Any]) -> None:
    add_fault(client, **fault)
    assert api.post("status").text != "ERR06: No jobs to display or job id specified not found"
    client.post("/_sim/reset", json={})
    assert api.status() == "ERR06: No jobs to display or job id specified not found"


def test_in_process_a_hang_cannot_wait_for_a_client_timeout(client: TestClient,
                                                            api: FaxApi) -> None:
    add_fault(client, hang=True, hits=1)
    with pytest.raises(TimeoutError):
        api.post("status")
    add_fault(client, hang="0.1s", hits=1)
    with pytest.raises(ConnectionResetError):
        api.post("status")
    add_fault(client, reset=True, hits=1)
    with pytest.raises(ConnectionResetError):
        api.post("status")
    assert api.status() == "ERR06: No jobs to display or job id specified not found"

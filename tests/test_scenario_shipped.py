"""Each shipped scenario, run, with the effect its description promises."""

from __future__ import annotations

import re
import socket
import time
from collections import Counter
from typing import Any

from starlette.testclient import TestClient

from .helpers import FaxApi

START = 1767628800.0  # the manual clock's default start, 2026-01-05 16:00:00 UTC
FOUR_PAGES = {"four.txt": b"line\n" * 240}  # 60 lines a page


def load(client: TestClient, name: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/_sim/scenario", json={"name": name, **extra})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def job_of(api: FaxApi, jobid: int) -> dict[str, Any]:
    return api.job(jobid)


def test_happy_path_sends_everything_even_magic_numbers(client: TestClient, api: FaxApi) -> None:
    load(client, "happy-path")
    jobids = [api.send_jobid(f"303991000{n}") for n in range(1, 7)]
    api.run_until_idle()
    for jobid in jobids:
        assert api.status_fields(jobid, showtries=1)[4:6] == ["success", "Success"]
        assert api.status_fields(jobid, showtries=1)[-1] == "1"


def test_busy_then_success_retries_after_two_minutes(client: TestClient, api: FaxApi) -> None:
    load(client, "busy-then-success")
    jobid = api.send_jobid("2129911234")
    api.run_until_idle()
    job = job_of(api, jobid)
    assert (job["shortstatus"], job["longstatus"], job["tries"]) == ("success", "Success", 2)
    first, second = job["attempts"]
    assert (first["outcome"], second["outcome"]) == ("busy", "success")
    gap = (_epoch(second["started"]) - _epoch(first["ended"]))
    assert gap == 120


def test_no_answer_fails_after_three_tries(client: TestClient, api: FaxApi) -> None:
    load(client, "no-answer")
    jobid = api.send_jobid("2129911234")
    api.run_until_idle()
    fields = api.status_fields(jobid, showtries=1)
    assert fields[4:6] == ["failure", "No answer from remote; too many attempts to dial"]
    assert fields[-1] == "3"


def test_conversion_failure_ends_before_any_dial(client: TestClient, api: FaxApi) -> None:
    load(client, "conversion-failure")
    jobid = api.send_jobid("2129911234")
    api.run_until_idle()
    job = job_of(api, jobid)
    assert (job["shortstatus"], job["longstatus"], job["tries"]) == (
        "failure", "Failed Conversion", 0)


def test_partial_transmission_sends_two_of_four_pages(client: TestClient, api: FaxApi) -> None:
    load(client, "partial-transmission")
    jobid = api.send_jobid("2129911234", files=FOUR_PAGES)
    api.run_until_idle()
    fields = api.status_fields(jobid, pagecount=1, csid=1, xmitpages=1, showtries=1)
    assert fields[4:6] == ["failure", "No carrier detected"]
    assert fields[9:] == ["4", "+1 212 555 0100", "2", "2"]


def test_database_outage_window_answers_err01_in_each_casing(
        client: TestClient, api: FaxApi) -> None:
    load(client, "database-outage")
    assert api.status() == "ERR06: No jobs to display or job id specified not found"
    api.advance(600)
    assert api.status() == "ERR01: Database connection failed"
    assert FaxApi(client, {**api.credentials, "password": "wrong"}).status() == (
        "ERR01: Database connection failed")  # before credentials
    assert api.send("2129911234") == "ERR01: Database connection failed"
    for path in ("/getcdr.php", "/provision.php"):
        body = client.post(path, data={**api.credentials, "operation": "listac"}).text
        assert body == "ERR01: database connection failed"
    debug = FaxApi(client, path="/httpsfax-debug.php").call("status")
    assert debug.endswith(")\nERR01: Database connection failed")
    assert client.get("/_sim/jobs").json()["jobs"] == []  # nothing was stored
    api.advance(900)
    assert api.status() == "ERR06: No jobs to display or job id specified not found"
    counted = client.get("/_sim/requests/count",
                         params={"fault": "database outage"}).json()["count"]
    assert counted == 6


def test_flaky_gateway_fails_about_ten_percent_and_replays(client: TestClient, api: FaxApi) -> None:
    def run() -> list[int]:
        load(client, "flaky-gateway")
        return [api.post("status").status_code for _ in range(400)]

    statuses = run()
    counts = Counter(statuses)
    assert set(counts) == {200, 502, 503}
    assert 0.07 <= (counts[502] + counts[503]) / 400 <= 0.13
    assert 8 <= counts[502] <= 32 and 8 <= counts[503] <= 32
    assert run() == statuses  # the seed replays the same requests failing


def test_slow_api_delays_answers_by_seeded_draws(client: TestClient, api: FaxApi) -> None:
    def run() -> list[tuple[float, float]]:
        load(client, "slow-api")
        timings = []
        for _ in range(2):
            started = time.perf_counter()
            assert api.status().startswith("ERR06")
            timings.append(time.perf_counter() - started)
        entries = client.get("/_sim/requests", params={"fault": "slow api"}).json()["requests"]
        drawn = [float(re.search(r"drew ([0-9.]+)s", e["fault_effect"]).group(1))  # type: ignore[union-attr]
                 for e in entries]
        return list(zip(drawn, timings, strict=True))

    first = run()
    for drawn, took in first:
        assert 0 < drawn <= 2 and took >= drawn
    assert [d for d, _ in run()] == [d for d, _ in first]


def test_callback_receiver_down_shows_every_retry(client: TestClient, api: FaxApi) -> None:
    load(client, "callback-receiver-down")
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/callback"
    jobid = api.send_jobid("2129911234", url_notify=dead)
    api.run_until_idle()
    [delivery] = client.get("/_sim/callbacks").json()["callbacks"]
    assert (delivery["ref"], delivery["state"]) == (jobid, "failed")
    times = [_epoch(a["at"]) for a in delivery["attempts"]]
    assert [t - times[0] for t in times] == [0, 30, 90, 210]
    assert all(a["status"] is None and a["error"] for a in delivery["attempts"])


def test_inbound_burst_brings_500_faxes_in_ten_minutes(client: TestClient, api: FaxApi) -> None:
    load(client, "inbound-burst")
    api.advance(60)
    assert api.call("listfax") == "ERR11: No incoming faxes available"
    api.advance(11 * 60 + 60)  # the last call of the burst takes a minute
    faxes = api.call("listfax", idasc=1).splitlines()
    assert len(faxes) == 500
    assert {f.split("\t")[3] for f in faxes} == {"(303)297-4100"}
    assert api.call("busycalls") == ""
    received = sorted(f.split("\t")[1] for f in faxes)
    assert (received[0], received[-1]) == ("2026-01-05 09:02:00", "2026-01-05 09:11:58")


def test_disabled_did_gives_callers_a_fast_busy(client: TestClient, api: FaxApi) -> None:
    load(client, "disabled-did")
    api.advance(80 * 60)
    faxes = api.call("listfax", idasc=1).splitlines()
    assert [(f.split("\t")[1][11:16], f.split("\t")[3]) for f in faxes] == [
        ("09:11", "(303)297-4100"), ("10:11", "(303)297-4100")]
    busy = api.call("busycalls").splitlines()
    assert [(b.split("\t")[0], b.split("\t")[2][11:16]) for b in busy] == [
        ("3032974101", "09:15"), ("3032974100", "09:40")]


def test_provisioning_shortage_has_no_numbers_to_give(client: TestClient, api: FaxApi) -> None:
    load(client, "provisioning-shortage")

    def provision(operation: str, **fields: str) -> str:
        answer: str = client.post("/provision.php", data={
            **api.credentials, "operation": operation, **fields}).text
        return answer

    assert provision("listac") == ""
    assert provision("listdids", ac="303") == ""
    assert provision("provdid", didnumber="3032970000") == (
        "ERR05: 3032970000 does not appear to be available")
    assert api.call("portable", didnumber="3032974199") == "1"


def test_multi_tenant_companies_and_users_see_only_their_own(client: TestClient) -> None:
    load(client, "multi-tenant")
    alice = FaxApi(client, {"username": "alice", "company": "2001", "password": "alice-pw"})
    bob = FaxApi(client, {"username": "bob", "company": "2001", "password": "bob-pw"})
    carol = FaxApi(client, {"username": "carol", "company": "2002", "password": "carol-pw"})
    by_alice, by_bob = alice.send_jobid("2129911234"), bob.send_jobid("2129911235")
    assert carol.status() == "ERR06: No jobs to display or job id specified not found"
    assert carol.call("stopfax", jobid=str(by_alice)) == (
        "ERR19: JOB ID not found or does not belong to you")
    assert [r.split("\t")[0] for r in alice.status().splitlines()] == [
        str(by_alice), str(by_bob)]
    assert [r.split("\t")[0] for r in bob.status(useronly=1).splitlines()] == [str(by_bob)]
    alice.advance(10 * 60)
    assert len(alice.call("listfax").splitlines()) == 2
    assert [r.split("\t")[3] for r in bob.call("listfax", useronly=1).splitlines()] == [
        "(303)297-5201"]
    assert [r.split("\t")[3] for r in carol.call("listfax").splitlines()] == [
        "(303)297-5300"]


def test_business_day_replays_to_its_end_in_one_call(client: TestClient, api: FaxApi) -> None:
    def run() -> tuple[list[tuple[str, str]], int]:
        applied = load(client, "business-day")
        assert applied["start"] == 1767625200.0  # 08:00 in Denver
        response = client.post("/_sim/clock/run-until-idle", json={"max_seconds": 86400})
        assert response.json()["idle"] is True
        jobs = client.get("/_sim/jobs").json()["jobs"]
        inbound = len(api.call("listfax").splitlines())
        return [(j["shortstatus"], j["longstatus"]) for j in jobs], inbound

    outcomes, inbound = run()
    assert len(outcomes) == 400 and inbound == 150
    mix = Counter(outcomes)
    assert 0.84 <= mix["success", "Success"] / 400 <= 0.94
    for reason in ("Busy signal detected; too many attempts to dial",
                   "No answer from remote; too many attempts to dial", "Failed Conversion",
                   "COMREC error in transmit Phase B/got DCN; too many attempts to dial"):
        assert 1 <= mix["failure", reason] <= 40, reason
    assert run() == (outcomes, inbound)


def _epoch(text: str) -> float:
    """A job time of the control plane (account zone, no offset): compared as differences."""
    from datetime import datetime

    return datetime.strptime(text[:19].replace("T", " "), "%Y-%m-%d %H:%M:%S").timestamp()

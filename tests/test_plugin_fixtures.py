"""The pytest plugin's fixtures, used here exactly as a user's tests use them (no imports)."""

from __future__ import annotations

import asyncio
import base64
import re
from datetime import UTC, datetime

import httpx
import pytest

from faxage_sim.embedded import EmbeddedSimulator
from faxage_sim.handle import SimError, SimHandle

from .receivers import CallbackReceiver

HELLO = base64.b64encode(b"Hello, fax!\n").decode()


def sendfax_fields(sim: SimHandle, faxno: str = "3039911234", **extra: str) -> dict[str, str]:
    return {**sim.credentials, "operation": "sendfax", "recipname": "Alice", "faxno": faxno,
            "faxfilenames[0]": "note.txt", "faxfiledata[0]": HELLO, **extra}


def jobid_of(answer: httpx.Response) -> int:
    assert answer.status_code == 200
    match = re.fullmatch(r"JOBID: (\d+)", answer.text)
    assert match, answer.text
    return int(match.group(1))


def test_each_test_gets_a_fresh_account_on_a_real_socket(faxage_sim: SimHandle) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", faxage_sim.url)
    assert faxage_sim.httpsfax_url == faxage_sim.url + "/httpsfax.php"
    assert faxage_sim.getcdr_url == faxage_sim.url + "/getcdr.php"
    assert faxage_sim.provision_url == faxage_sim.url + "/provision.php"
    assert (faxage_sim.username, faxage_sim.password) == ("demo", "demo")
    assert faxage_sim.company != "1000" and faxage_sim.company.isdigit()
    assert len(faxage_sim.dids) == 2 and all(re.fullmatch(r"\d{10}", d) for d in faxage_sim.dids)
    assert faxage_sim.credentials == {"username": "demo", "company": faxage_sim.company,
                                      "password": "demo"}
    assert not faxage_sim.in_process and faxage_sim.ca_bundle is None
    # Its own manual clock, at the documented start.
    assert faxage_sim.now() == datetime(2026, 1, 5, 16, 0, tzinfo=UTC)


def test_a_fax_over_the_socket_succeeds_and_calls_back(
        faxage_sim: SimHandle, receiver: CallbackReceiver) -> None:
    with httpx.Client() as client:
        jobid = jobid_of(client.post(faxage_sim.httpsfax_url,
                                     data=sendfax_fields(faxage_sim, url_notify=receiver.url)))
        faxage_sim.advance(81)
        assert faxage_sim.job(jobid)["shortstatus"] == "pending"
        assert receiver.received == []
        faxage_sim.advance(1)
        status = client.post(faxage_sim.httpsfax_url, data={
            **faxage_sim.credentials, "operation": "status", "jobid": str(jobid)})
    commid = faxage_sim.job(jobid)["commid"]
    assert status.text == (f"{jobid}\t{commid}\tAlice\t3039911234\tsuccess\tSuccess\t"
                           "2026-01-05 09:00:00\t2026-01-05 09:01:22\t00:00:35\n")
    assert [r.fields for r in receiver.received] == [{
        "jobid": str(jobid), "commid": str(commid), "destname": "Alice",
        "destnum": "3039911234", "shortstatus": "success", "longstatus": "Success",
        "sendtime": "2026-01-05 09:00:00", "completetime": "2026-01-05 09:01:22",
        "xmittime": "00:00:35", "pagecount": "1", "xmitpages": "1"}]
    [callback] = faxage_sim.callbacks()
    assert (callback["ref"], callback["state"], callback["attempts"][0]["status"]) == (
        jobid, "delivered", 200)


def test_accounts_of_two_fixtures_do_not_see_each_other(
        faxage_sim: SimHandle, faxage_sim_asgi: SimHandle) -> None:
    assert faxage_sim.company != faxage_sim_asgi.company
    assert not set(faxage_sim.dids) & set(faxage_sim_asgi.dids)
    with faxage_sim.client() as mine, faxage_sim_asgi.client() as theirs:
        jobid = jobid_of(mine.post("/httpsfax.php", data=sendfax_fields(faxage_sim)))
        peek = theirs.post("/httpsfax.php", data={**faxage_sim_asgi.credentials,
                                                  "operation": "status", "jobid": str(jobid)})
    assert peek.text == "ERR06: No jobs to display or job id specified not found"
    assert [j["jobid"] for j in faxage_sim.jobs()] == [jobid]
    assert faxage_sim_asgi.jobs() == []
    with pytest.raises(SimError, match=f"has no job {jobid}"):
        faxage_sim_asgi.job(jobid)
    # Clocks are per account too.
    faxage_sim.advance(600)
    assert faxage_sim.now() == datetime(2026, 1, 5, 16, 10, tzinfo=UTC)
    assert faxage_sim_asgi.now() == datetime(2026, 1, 5, 16, 0, tzinfo=UTC)


def test_advance_until_idle_runs_every_job_to_its_end(faxage_sim: SimHandle) -> None:
    assert faxage_sim.advance_until_idle() == 0.0  # nothing to do
    with faxage_sim.client() as client:
        busy = jobid_of(client.post("/httpsfax.php", data=sendfax_fields(faxage_sim,
                                                                          "3039910001")))
        fine = jobid_of(client.post("/httpsfax.php", data=sendfax_fields(faxage_sim)))
    moved = faxage_sim.advance_until_idle()
    # Busy on each of 3 tries, 300 s apart: the last try ends 20+2 + 2*(12+300) + 12 s in.
    assert moved == 22 + 2 * (12 + 300) + 12
    assert {j["jobid"]: (j["shortstatus"], j["longstatus"]) for j in faxage_sim.jobs()} == {
        busy: ("failure", "Busy signal detected; too many attempts to dial"),
        fine: ("success", "Success")}


def test_in_process_sync_and_async_clients_need_no_socket(
        faxage_sim_asgi: SimHandle, receiver: CallbackReceiver) -> None:
    sim = faxage_sim_asgi
    assert sim.in_process and sim.url == "http://faxage-sim.test"
    with httpx.Client(transport=sim.transport, base_url=sim.url) as client:
        first = jobid_of(client.post("/httpsfax.php",
                                     data=sendfax_fields(sim, url_notify=receiver.url)))

    async def send_async() -> int:
        async with sim.async_client() as client:
            return jobid_of(await client.post("/httpsfax.php", data=sendfax_fields(sim)))

    second = asyncio.run(send_async())
    assert second > first
    sim.advance(3600)
    # The callback still went over real HTTP to a real receiver.
    assert [r.fields["jobid"] for r in receiver.received] == [str(first)]
    assert [j["shortstatus"] for j in sim.jobs()] == ["success", "success"]
    # Without the transport the URL cannot be reached: a forgotten transport fails loudly.
    with pytest.raises(httpx.ConnectError):
        httpx.post(sim.httpsfax_url, data=sendfax_fields(sim), timeout=5)


@pytest.mark.faxage_sim(settings={"outbound_lines": 1, "tries": 5}, did_count=3,
                        start=datetime(2026, 3, 2, 15, 30, tzinfo=UTC))
def test_the_marker_configures_the_account(faxage_sim: SimHandle) -> None:
    assert len(faxage_sim.dids) == 3
    assert faxage_sim.now() == datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
    settings = faxage_sim.configure()["settings"]
    assert (settings["outbound_lines"], settings["tries"]) == (1, 5)
    assert faxage_sim.configure(retry_delay_seconds=60)["settings"]["retry_delay_seconds"] == 60


@pytest.mark.faxage_sim(settings={"tries": 2})
class TestMarkersNest:
    @pytest.mark.faxage_sim(settings={"tries": 4})
    def test_the_closest_marker_wins(self, faxage_sim_asgi: SimHandle) -> None:
        assert faxage_sim_asgi.configure()["settings"]["tries"] == 4

    def test_the_class_marker_applies(self, faxage_sim_asgi: SimHandle) -> None:
        assert faxage_sim_asgi.configure()["settings"]["tries"] == 2


def test_teardown_removes_the_account(faxage_sim_server: EmbeddedSimulator) -> None:
    handle = faxage_sim_server.new_account(in_process=True)
    control = faxage_sim_server.control
    assert control.request("GET", f"/_sim/accounts/{handle.company}")[0] == 200
    handle.close()
    handle.close()  # idempotent
    assert control.request("GET", f"/_sim/accounts/{handle.company}") == (
        404, {"error": f"no account with company {handle.company}"})


def test_control_errors_are_raised_with_the_emulators_message(
        faxage_sim_asgi: SimHandle) -> None:
    with pytest.raises(SimError) as caught:
        faxage_sim_asgi.configure(outbound_lines="many")
    assert caught.value.status == 400
    assert caught.value.message == (
        'settings.outbound_lines: expected a whole number from 0 to 1000, got "many"')

"""The handle's scenario, fault, inbound and email controls, through the plugin's fixtures."""

from __future__ import annotations

import base64

import pytest

from faxage_sim.handle import SimError, SimHandle

from .receivers import CallbackReceiver

pytest_plugins = ["pytester"]

HELLO = base64.b64encode(b"Hello, fax!\n").decode()


def send(sim: SimHandle, faxno: str = "3039911234", **extra: str) -> str:
    with sim.client() as client:
        return client.post("/httpsfax.php", data={
            **sim.credentials, "operation": "sendfax", "recipname": "Alice", "faxno": faxno,
            "faxfilenames[]": "note.txt", "faxfiledata[]": HELLO, **extra}).text


@pytest.mark.faxage_sim(scenario="busy-then-success")
def test_the_marker_loads_a_shipped_scenario_into_the_account(
        faxage_sim_asgi: SimHandle) -> None:
    jobid = int(send(faxage_sim_asgi).removeprefix("JOBID: "))
    faxage_sim_asgi.advance_until_idle()
    job = faxage_sim_asgi.job(jobid)
    assert (job["shortstatus"], job["tries"]) == ("success", 2)
    assert [a["outcome"] for a in job["attempts"]] == ["busy", "success"]


def test_a_scenario_loaded_into_one_account_leaves_the_others_alone(
        faxage_sim: SimHandle, faxage_sim_asgi: SimHandle) -> None:
    applied = faxage_sim.load({"rules": [{"prefix": "303", "tries": ["no-answer"]}]},
                              seed=7)
    assert (applied["company"], applied["seed"]) == (faxage_sim.company, 7)
    for sim in (faxage_sim, faxage_sim_asgi):
        send(sim)
        sim.advance_until_idle()
    assert faxage_sim.jobs()[0]["longstatus"] == (
        "No answer from remote; too many attempts to dial")
    assert faxage_sim_asgi.jobs()[0]["longstatus"] == "Success"


def test_a_bad_scenario_is_refused_with_its_problems(faxage_sim_asgi: SimHandle) -> None:
    with pytest.raises(SimError) as caught:
        faxage_sim_asgi.load({"rules": "busy"})
    assert caught.value.status == 400
    assert caught.value.message.startswith("the scenario has 1 problem(s): ")


def test_seed_without_a_scenario_is_a_mistake(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user='''
import pytest

@pytest.mark.faxage_sim(seed=3)
def test_seeded(faxage_sim_asgi):
    pass
''')
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*seed= seeds a scenario's random choices: give scenario= too*"])


def test_a_fault_hits_this_account_only(faxage_sim: SimHandle,
                                        faxage_sim_asgi: SimHandle) -> None:
    fault = faxage_sim.fault(operation="sendfax", error="ERR15", hits=1)
    assert (fault["effect"], fault["owner"], fault["hits"]) == ("ERR15", faxage_sim.company, 1)
    assert send(faxage_sim_asgi).startswith("JOBID: ")  # another account: untouched
    assert send(faxage_sim) == "ERR15: Invalid Job ID"
    assert send(faxage_sim).startswith("JOBID: ")  # one hit only
    [after] = faxage_sim.faults()
    assert (after["fired"], after["exhausted"]) == (1, True)
    assert faxage_sim.clear_faults() == 1
    assert faxage_sim.faults() == []


def test_inbound_faxes_arrive_and_are_pushed(faxage_sim_asgi: SimHandle,
                                             receiver: CallbackReceiver) -> None:
    sim = faxage_sim_asgi
    sim.configure(inbound_url=receiver.url)
    call = sim.inbound(cid="3039990000", tsid="ACME", pages=2)
    assert (call["outcome"], call["did"], call["cid"], call["tsid"], call["pages"]) == (
        "answered", sim.dids[0], "3039990000", "ACME", 2)
    assert sim.received() == []  # still on the line
    sim.advance_until_idle()
    [fax] = sim.received()
    assert (fax["did"], fax["cid"], fax["tsid"], fax["pagecount"]) == (
        sim.dids[0], "3039990000", "ACME", 2)
    assert [r.fields["recvid"] for r in receiver.received] == [str(fax["recvid"])]
    second = sim.inbound(sim.dids[1], document=("scan.txt", b"One page\n"), cid=None)
    assert (second["did"], second["pages"], second["cid"]) == (sim.dids[1], 1, "")


def test_em_notify_emails_are_listed(faxage_sim_asgi: SimHandle) -> None:
    sim = faxage_sim_asgi
    jobid = send(sim, em_notify="1").removeprefix("JOBID: ")
    assert sim.emails() == []
    sim.advance_until_idle()
    [email] = sim.emails()
    assert (email["to"], email["subject"], email["jobid"]) == (
        sim.email, str(jobid), int(jobid))

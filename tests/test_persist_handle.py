"""The pytest handle's `snapshot()`/`restore()`: a costly state built once per session and
restored into each test's own account."""

from __future__ import annotations

import pytest

from faxage_sim.embedded import EmbeddedSimulator
from faxage_sim.handle import SimError

pytest_plugins = ["pytester"]


def test_a_prepared_state_built_once_restored_per_test(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('''
import base64
import pytest

BUILT = []

@pytest.fixture(scope="session")
def mailbox(faxage_sim_server):
    """A mailbox of 300 faxes and a job mid-retry: built once, whatever the test count."""
    BUILT.append(1)
    with faxage_sim_server.new_account(in_process=True) as builder:
        for i in range(300):
            builder.inbound(cid="3129870100", pages=1 + i % 3, in_seconds=i * 200)
        builder.advance_until_idle()
        with builder.client() as client:
            client.post("/httpsfax.php", data={**builder.credentials, "operation": "sendfax",
                "faxno": "3039910003", "recipname": "Retry", "faxfilenames[0]": "a.txt",
                "faxfiledata[0]": base64.b64encode(b"hi").decode()})
        builder.advance(60)  # busy on the first try: waiting for its retry
        return builder.snapshot()

@pytest.fixture
def sim(faxage_sim, mailbox):
    faxage_sim.restore(mailbox)
    return faxage_sim
''')
    pytester.makepyfile(test_user='''
from conftest import BUILT

def listfax(sim):
    with sim.client() as client:
        return client.post("/httpsfax.php", data={**sim.credentials, "operation": "listfax"}).text

def test_paging(sim):
    assert len(listfax(sim).splitlines()) == 300
    assert {f["did"] for f in sim.received()} <= set(sim.dids)

def test_changes_stay_in_one_test(sim):
    first = sim.received()[0]["recvid"]
    with sim.client() as client:
        assert client.post("/httpsfax.php", data={**sim.credentials, "operation": "delfax",
                                                   "faxid": str(first)}).text == "Deleted"
    assert len(listfax(sim).splitlines()) == 299

def test_the_pending_retry_still_happens(sim):
    [job] = sim.jobs()
    assert job["state"] == "In Queue"
    sim.advance_until_idle()
    assert sim.job(job["jobid"])["state"] == "success"

def test_built_once():
    assert BUILT == [1]

def test_fresh_again(sim):
    assert len(listfax(sim).splitlines()) == 300
''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)


def test_a_bad_account_snapshot_changes_nothing() -> None:
    with EmbeddedSimulator() as server, server.new_account(in_process=True) as sim:
        sim.inbound()
        sim.advance_until_idle()
        before = sim.received()
        snapshot = sim.snapshot()
        broken = {**snapshot, "tables": {**snapshot["tables"], "faxes": [["x", 1, "{"]]}}
        with pytest.raises(SimError) as refused:
            sim.restore(broken)
        assert refused.value.status == 400
        assert "fax 1: the record is not valid JSON" in refused.value.message
        with pytest.raises(SimError, match="not a faxage-sim account snapshot"):
            sim.restore({"hello": "world"})
        assert sim.received() == before


def test_an_accounts_faults_and_scenario_rules_come_with_it() -> None:
    with EmbeddedSimulator() as server, server.new_account(in_process=True) as built, \
            server.new_account(in_process=True) as sim:
        built.load({"rules": [{"prefix": "212", "outcome": "busy"}]})
        built.fault(operation="listfax", error="ERR01", every=2)
        snapshot = built.snapshot()
        sim.restore(snapshot)
        assert [f["effect"] for f in sim.faults()] == [f["effect"] for f in built.faults()]
        with sim.client() as client:
            sent = client.post("/httpsfax.php", data={
                **sim.credentials, "operation": "sendfax", "faxno": "2129871234",
                "recipname": "R", "faxfilenames[0]": "a.txt", "faxfiledata[0]": "aGk="}).text
            sim.advance_until_idle()
            jobid = int(sent.removeprefix("JOBID: "))
            assert sim.job(jobid)["state"] == "failure"  # the rule came along: always busy
            listed = [client.post("/httpsfax.php", data={**sim.credentials,
                                                         "operation": "listfax"}).text
                      for _ in range(2)]
        assert listed[1].startswith("ERR01")

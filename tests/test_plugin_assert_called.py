"""`assert_called` and `requests`: what the client sent, and a readable failure when not."""

from __future__ import annotations

import base64

import pytest

from faxage_sim.handle import SimHandle

HELLO = base64.b64encode(b"Hello, fax!\n").decode()


def send(sim: SimHandle, faxno: str, **extra: str) -> str:
    with sim.client() as client:
        return client.post("/httpsfax.php", data={
            **sim.credentials, "operation": "sendfax", "recipname": "Alice", "faxno": faxno,
            "faxfilenames[]": "note.txt", "faxfiledata[]": HELLO, **extra}).text


def test_assert_called_counts_matching_requests(faxage_sim_asgi: SimHandle) -> None:
    sim = faxage_sim_asgi
    first = send(sim, "3039911234")
    send(sim, "3039911235", priority="low")
    matched = sim.assert_called("sendfax", times=2)
    assert matched[0]["first_line"] == first
    [low] = sim.assert_called("sendfax", faxno="3039911235", priority="low")
    assert low["fields"]["faxfilenames"] == {"0": "note.txt"}
    assert low["fields"]["password"] == "********"
    sim.assert_called("sendfax", times=1, faxfilenames=["note.txt"], faxno=3039911234)
    sim.assert_called("status", times=0)


def test_a_failed_assertion_lists_similar_and_other_requests(faxage_sim_asgi: SimHandle) -> None:
    sim = faxage_sim_asgi
    send(sim, "3039911235")
    with sim.client() as client:
        client.post("/httpsfax.php", data={**sim.credentials, "password": "wrong",
                                           "operation": "status"})
    seq = [r["seq"] for r in sim.requests()]
    jobid = sim.jobs()[0]["jobid"]
    with pytest.raises(AssertionError) as caught:
        sim.assert_called("sendfax", faxno="3039911234")
    assert str(caught.value) == (
        f"expected 'sendfax' at least once from company {sim.company} with "
        "faxno=3039911234; it came never.\n"
        "Other 'sendfax' requests (different fields) (1):\n"
        f"  #{seq[0]} /httpsfax.php sendfax recipname=Alice faxno=3039911235 "
        f"faxfilenames=[note.txt] faxfiledata=[<16 chars>] -> JOBID: {jobid}\n"
        f"Other requests from company {sim.company} (1):\n"
        f"  #{seq[1]} /httpsfax.php status [login failed] -> ERR02: Login incorrect")


def test_too_many_calls_show_the_matching_ones(faxage_sim_asgi: SimHandle) -> None:
    sim = faxage_sim_asgi
    send(sim, "3039911234")
    send(sim, "3039911234")
    entries = sim.requests("sendfax")
    with pytest.raises(AssertionError) as caught:
        sim.assert_called("sendfax", times=1)
    lines = str(caught.value).splitlines()
    assert lines[0] == (f"expected 'sendfax' once from company {sim.company}; "
                        "it came 2 times.")
    assert lines[1] == "Matching 'sendfax' requests (2):"
    assert [line.split()[0] for line in lines[2:]] == [f"#{e['seq']}" for e in entries]


def test_no_requests_at_all_points_at_the_url(faxage_sim: SimHandle) -> None:
    with pytest.raises(AssertionError) as caught:
        faxage_sim.assert_called("sendfax")
    assert str(caught.value) == (
        f"expected 'sendfax' at least once from company {faxage_sim.company}; it came never.\n"
        f"No request from company {faxage_sim.company} reached the emulator at all: is the "
        f"client pointed at {faxage_sim.url} with this account's credentials?")


def test_requests_filter_by_operation_and_path(faxage_sim_asgi: SimHandle) -> None:
    sim = faxage_sim_asgi
    send(sim, "3039911234")
    with sim.client() as client:
        client.post("/httpsfax-debug.php", data={**sim.credentials, "operation": "status"})
    assert [r["operation"] for r in sim.requests()] == ["sendfax", "status"]
    assert [r["path"] for r in sim.requests("status")] == ["/httpsfax-debug.php"]
    assert [r["operation"] for r in sim.requests(path="/httpsfax.php")] == ["sendfax"]

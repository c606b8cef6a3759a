"""Every kind of record survives a snapshot and a `--state` file, compared through the
FAXAGE API and the control plane; events pending at the save fire at the same simulated time
after the load."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from faxage_sim.core.clock import ClockMode
from faxage_sim.persist.api import attach, open_state
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

from .helpers import FaxApi
from .persist_helpers import api_view, build_everything, control_view, new_client, ok
from .receivers import CallbackReceiver

OCTETS = {"Content-Type": "application/octet-stream"}


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver() as receiver:
        yield receiver


def settle_everything(client: TestClient) -> None:
    for company in ("1000", "2001"):
        ok(client.post("/_sim/clock/run-until-idle", json={"company": company}))


def assert_same_history(first: TestClient, second: TestClient) -> None:
    """Equal now, and equal again after every pending event has run."""
    assert control_view(second) == control_view(first)
    # Faults count requests: reading must not fire them.
    ok(first.request("DELETE", "/_sim/faults", json={}))
    ok(second.request("DELETE", "/_sim/faults", json={}))
    assert api_view(second) == api_view(first)
    settle_everything(first)
    settle_everything(second)
    assert control_view(second) == control_view(first)
    assert api_view(second) == api_view(first)


def test_a_snapshot_holds_every_kind_of_record(receiver: CallbackReceiver) -> None:
    original = new_client()
    ids = build_everything(original, receiver)
    snapshot = original.get("/_sim/snapshot")
    assert snapshot.status_code == 200
    assert snapshot.headers["content-type"] == "application/vnd.sqlite3"
    assert snapshot.content.startswith(b"SQLite format 3\x00")

    copy = new_client()
    answer = copy.put("/_sim/snapshot", content=snapshot.content, headers=OCTETS)
    assert answer.status_code == 200, answer.text
    summary = answer.json()
    assert (summary["status"], summary["accounts"], summary["jobs"]) == ("restored", 2, 6)
    assert summary["faxes"] == sum(len(a["faxes"]) for a in
                                   ok(original.get("/_sim/inbound"))["accounts"])
    # The job mid-retry and the one on the line are still pending, as before.
    jobs = {j["jobid"]: j for j in ok(copy.get("/_sim/jobs"))["jobs"]}
    assert jobs[ids["retrying"]]["state"] == "In Queue"
    assert jobs[ids["eve_2"]]["state"] in ("Transmitting", "In Queue")
    assert_same_history(original, copy)
    # Both fired the same pending callbacks at the receiver (twice as many, one per copy).
    urls = [r.path for r in receiver.received]
    assert len(urls) % 2 == 0


def test_pending_events_fire_at_the_same_simulated_time(receiver: CallbackReceiver) -> None:
    original = new_client()
    api = FaxApi(original)
    jobid = api.send_jobid("3039910003")  # busy on try 1, success after the retry delay
    api.advance(60)
    ok(original.post("/_sim/inbound", json={"did": "3032974100", "in_seconds": 900}))
    assert ok(original.get(f"/_sim/jobs/{jobid}"))["state"] == "In Queue"
    snapshot = original.get("/_sim/snapshot").content

    copy = new_client()
    assert copy.put("/_sim/snapshot", content=snapshot, headers=OCTETS).status_code == 200
    for client in (original, copy):
        FaxApi(client).run_until_idle()
    after = [FaxApi(c).status(jobid=str(jobid)) for c in (original, copy)]
    assert after[0] == after[1] and "\tsuccess\t" in after[0]
    timelines = [ok(c.get(f"/_sim/jobs/{jobid}"))["timeline"] for c in (original, copy)]
    assert timelines[0] == timelines[1]
    faxes = [FaxApi(c).call("listfax") for c in (original, copy)]
    assert faxes[0] == faxes[1] and faxes[0].count("\n") == 1


def test_a_state_file_round_trip(tmp_path: Path, receiver: CallbackReceiver) -> None:
    """The `--state` path: saved while running and at stop, loaded into a fresh emulator."""
    path = tmp_path / "state.sqlite"
    app = create_app(SimConfig(clock=ClockMode.MANUAL))
    attach(app.state.faxage, open_state(str(path)))
    with TestClient(app, base_url="http://127.0.0.1") as running:
        build_everything(running, receiver)
        expected_control = control_view(running)
        reference = new_client()
        snapshot = running.get("/_sim/snapshot").content
    # Stopped: the file holds the state. A reference copy restored from a snapshot taken at
    # the same moment runs the same future.
    assert reference.put("/_sim/snapshot", content=snapshot, headers=OCTETS).status_code == 200
    app2 = create_app(SimConfig(clock=ClockMode.MANUAL))
    attach(app2.state.faxage, open_state(str(path)))
    with TestClient(app2, base_url="http://127.0.0.1") as restarted:
        assert control_view(restarted) == expected_control
        assert_same_history(reference, restarted)
        after_restart = control_view(restarted)
    # And the changes made after the restart were saved too.
    app3 = create_app(SimConfig(clock=ClockMode.MANUAL))
    attach(app3.state.faxage, open_state(str(path)))
    with TestClient(app3, base_url="http://127.0.0.1") as third:
        assert control_view(third) == after_restart


def test_reset_and_removed_accounts_are_saved(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    app = create_app(SimConfig(clock=ClockMode.MANUAL))
    attach(app.state.faxage, open_state(str(path)))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        ok(client.post("/_sim/accounts", json={"company": "3001"}))
        FaxApi(client).send_jobid()
        app.state.faxage.persister.flush()
        ok(client.request("DELETE", "/_sim/accounts/3001", json={}))
        ok(client.post("/_sim/reset", json={}))
        expected = control_view(client)
    app2 = create_app(SimConfig(clock=ClockMode.MANUAL))
    attach(app2.state.faxage, open_state(str(path)))
    with TestClient(app2, base_url="http://127.0.0.1") as client:
        assert control_view(client) == expected
        assert FaxApi(client).status() == "ERR06: No jobs to display or job id specified not found"


def test_the_saves_made_while_running_hold_everything(tmp_path: Path,
                                                      receiver: CallbackReceiver) -> None:
    """Many small saves (every millisecond here, while the state is built) leave the file
    equal to the running state without the final save at stop: nothing is only in memory."""
    import sqlite3
    import time

    path = tmp_path / "state.sqlite"
    app = create_app(SimConfig(clock=ClockMode.MANUAL))
    persister = attach(app.state.faxage, open_state(str(path)))
    persister.interval = 0.001
    with TestClient(app, base_url="http://127.0.0.1") as running:
        build_everything(running, receiver)
        ok(running.post("/_sim/accounts", json={"company": "4001"}))
        ok(running.request("DELETE", "/_sim/accounts/4001", json={}))
        expected = control_view(running)
        deadline = time.monotonic() + 10
        while persister.changed:  # the event loop's next tick hands the last changes over
            assert time.monotonic() < deadline, "the writer was never handed the changes"
            time.sleep(0.01)
        persister.wait_written()  # and the writer thread has committed them
        with sqlite3.connect(path) as reader:
            on_disk = reader.serialize()
        reader.close()
        copy = new_client()
        assert copy.put("/_sim/snapshot", content=on_disk, headers=OCTETS).status_code == 200
        assert control_view(copy) == expected


HALF_DAY = {
    "description": "half a day",
    "rules": [{"probability": 0.5, "tries": ["busy", "success"]},
              {"pattern": "7$", "outcome": "no-answer"}],
    "timeline": [
        {"at": "+5m", "inbound": {"to": "#1", "count": 6, "over": "30m", "spacing": "random",
                                  "unreadable": True}},
        {"at": "+20m", "outbound": {"count": 5, "over": "30m", "spacing": "random",
                                    "pages": [1, 3]}},
        {"at": "+40m", "settings": {"outbound_lines": 1}},
        {"at": "+45m", "disable_did": "#2"},
        {"at": "+2h", "inbound": {"count": 3, "over": "20m"}, "note": "afternoon faxes"},
    ],
}


def test_a_scenario_saved_half_way_through_its_day_goes_on_the_same() -> None:
    """Timeline steps still to come, a burst and an outbound run half done: all of it
    happens after the load as it does in the emulator that never stopped."""
    original = new_client()
    ok(original.post("/_sim/scenario", json={"scenario": HALF_DAY, "seed": 5}))
    FaxApi(original).advance(30 * 60)  # mid-burst, mid-outbound, before the later steps
    snapshot = original.get("/_sim/snapshot").content
    copy = new_client()
    assert copy.put("/_sim/snapshot", content=snapshot, headers=OCTETS).status_code == 200
    assert control_view(copy) == control_view(original)
    for client in (original, copy):
        FaxApi(client).advance(4 * 3600)
    assert control_view(copy) == control_view(original)
    received = ok(copy.get("/_sim/inbound"))["accounts"][0]["faxes"]
    assert len(received) == 9
    assert any(f["unreadable"] for f in received)
    assert ok(copy.get("/_sim/accounts/1000"))["settings"]["outbound_lines"] == 1
    outcomes = {j["state"] + " " + j["longstatus"] for j in ok(copy.get("/_sim/jobs"))["jobs"]}
    assert len(outcomes) > 1, outcomes  # the scenario's rules decided after the load too

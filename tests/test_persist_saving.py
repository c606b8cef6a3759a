"""Saving never dies quietly: a failed save is logged once per cause, retried, shown in
`GET /_sim/health` and on the dashboard; the writer survives any record. A file that cannot
hold a state (`/dev/null`) and a download that is not a snapshot are refused with one line."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from faxage_sim.core.clock import ClockMode
from faxage_sim.core.jobs import TimelineEntry
from faxage_sim.persist import writer
from faxage_sim.persist.api import attach, open_state
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

from .helpers import FaxApi
from .persist_helpers import break_writes, control_view, new_client, ok
from .test_persist_file import READY, refusal, serve

OCTETS = {"Content-Type": "application/octet-stream"}


def wait_saved(persister: writer.Persister, client: TestClient) -> None:
    """The event loop's next tick hands the changes over; the writer commits them."""
    deadline = time.monotonic() + 30
    while persister.changed:
        assert time.monotonic() < deadline, "the writer was never handed the changes"
        client.get("/_sim/clock")  # lets the loop run
        time.sleep(0.01)
    persister.wait_written()


def on_disk(path: Path) -> bytes:
    with sqlite3.connect(path) as reader:
        data = reader.serialize()
    reader.close()
    return data


def test_failed_saves_are_told_once_retried_and_shown(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "state.sqlite"
    app = create_app(SimConfig(clock=ClockMode.MANUAL))
    persister = attach(app.state.faxage, open_state(str(path)))
    persister.interval = 0.001
    broken = break_writes(monkeypatch)
    caplog.set_level(logging.WARNING, logger="faxage_sim")
    with TestClient(app, base_url="http://127.0.0.1") as client:
        api = FaxApi(client)
        jobids = [api.send_jobid() for _ in range(3)]
        deadline = time.monotonic() + 30
        while persister.failures < 3:  # it keeps trying
            assert time.monotonic() < deadline
            api.status()
            time.sleep(0.01)
        health = ok(client.get("/_sim/health"))["state"]
        assert health["saving"] == "failing"
        assert health["error"] == "OperationalError: disk I/O error"
        assert health["file"] == str(path)
        page = client.get("/_sim/ui/").text
        assert "cannot save: OperationalError: disk I/O error" in page
        told = [r.getMessage() for r in caplog.records if "cannot save" in r.getMessage()]
        assert told == [f"cannot save to {path}: OperationalError: disk I/O error; retrying "
                        "every 0.001 s (GET /_sim/health shows the state of saving)"]
        broken["on"] = False  # the disk is back: the next save writes everything
        api.status()
        deadline = time.monotonic() + 30
        while ok(client.get("/_sim/health"))["state"]["saving"] != "ok":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert "saved" in client.get("/_sim/ui/").text
        wait_saved(persister, client)
        expected = control_view(client)
        copy = new_client()
        answer = copy.put("/_sim/snapshot", content=on_disk(path), headers=OCTETS)
        assert answer.status_code == 200, answer.text
        assert control_view(copy) == expected
        assert all(FaxApi(copy).status(jobid=str(j)).startswith(f"{j}\t") for j in jobids)


def test_a_loaded_snapshot_is_saved_whole_with_its_call_records(tmp_path: Path) -> None:
    """A snapshot loaded under `--state` rewrites the file; its call records, encoded in
    the writer thread, are in it with the rest."""
    source = new_client()
    FaxApi(source).send_jobid()
    ok(source.post("/_sim/cdr", json={"company": "1000", "records": [
        {"direction": "IN", "src": "3129870100", "dst": "3032974100", "calldate": n,
         "duration": n % 60} for n in range(1, 501)]}))
    path = tmp_path / "state.sqlite"
    app = create_app(SimConfig(clock=ClockMode.MANUAL))
    persister = attach(app.state.faxage, open_state(str(path)))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        loaded = client.put("/_sim/snapshot", content=source.get("/_sim/snapshot").content,
                            headers=OCTETS)
        assert ok(loaded)["calls"] == 500
        wait_saved(persister, client)
        expected = control_view(client)
    copy = new_client()
    assert ok(copy.put("/_sim/snapshot", content=on_disk(path), headers=OCTETS))["calls"] == 500
    assert control_view(copy) == expected


def test_the_writer_survives_a_record_it_cannot_save(tmp_path: Path) -> None:
    """A record that cannot become a row (a NaN time put there by a bug, say) fails saves
    while it is there; the saving itself never stops."""
    path = tmp_path / "state.sqlite"
    app = create_app(SimConfig(clock=ClockMode.MANUAL))
    persister = attach(app.state.faxage, open_state(str(path)))
    persister.interval = 0.001
    with TestClient(app, base_url="http://127.0.0.1") as client:
        api = FaxApi(client)
        jobid = api.send_jobid()
        job: Any = app.state.faxage.sim.accounts["1000"].jobs[jobid]
        job.timeline.append(TimelineEntry(float("nan"), "corrupt"))
        api.status(jobid=str(jobid))  # marks the job changed
        deadline = time.monotonic() + 30
        while ok(client.get("/_sim/health"))["state"]["saving"] != "failing":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert "ValueError" in ok(client.get("/_sim/health"))["state"]["error"]
        job.timeline.pop()
        later = api.send_jobid()
        deadline = time.monotonic() + 30
        while ok(client.get("/_sim/health"))["state"]["saving"] != "ok":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        wait_saved(persister, client)
        copy = new_client()
        answer = copy.put("/_sim/snapshot", content=on_disk(path), headers=OCTETS)
        assert answer.status_code == 200, answer.text
        assert FaxApi(copy).status(jobid=str(later)).startswith(f"{later}\t")


def test_health_without_a_state_file_says_nothing_about_saving() -> None:
    client = new_client()
    assert "state" not in ok(client.get("/_sim/health"))


def test_dev_null_is_refused_before_listening() -> None:
    assert refusal("--state", "/dev/null") == (
        "faxage-sim: --state /dev/null: not a regular file (a device, pipe or socket cannot "
        "hold a state); give a file name")


def test_snapshot_save_refuses_what_is_not_a_snapshot(tmp_path: Path) -> None:
    process = serve()
    assert process.stdout is not None
    match = READY.match(process.stdout.readline())
    assert match
    try:
        url = match.group(1) + "/httpsfax.php?x="  # answers 200, but a FAXAGE text
        file = tmp_path / "snap.sqlite"
        saved = subprocess.run([sys.executable, "-m", "faxage_sim", "snapshot", "save", url,
                                str(file)], capture_output=True, text=True, timeout=60)
        assert saved.returncode == 2
        assert saved.stderr == (f"faxage-sim snapshot save: what {url} answered is not a "
                                "faxage-sim snapshot (not an SQLite database); nothing was "
                                f"written to {file}\n")
        assert not file.exists()
        assert httpx.get(match.group(1) + "/_sim/health").status_code == 200
    finally:
        process.kill()
        process.wait()

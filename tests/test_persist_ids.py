"""No id is handed out twice, whatever dies when: `kill -9` at random moments during a bounded
loopback load of sendfax; after each restart on the same file, every JOBID any client was
given either names the job it was given for (the recipient name each send made unique) or
is gone (answered less than a second before the kill), and never names another job."""

from __future__ import annotations

import random
import signal
import threading
import time
from pathlib import Path

import httpx

from .test_persist_kill import LOGIN, MAX_REQUESTS_PER_CLIENT, start

ROUNDS = 4
CLIENTS = 3
NOT_FOUND = "ERR06: No jobs to display or job id specified not found"


def send(url: str, stop: threading.Event, given: list[tuple[int, str]], tag: str) -> None:
    with httpx.Client(base_url=url, timeout=5.0) as client:
        for n in range(MAX_REQUESTS_PER_CLIENT):
            if stop.is_set():
                return
            name = f"{tag}-{n}"
            try:
                answer = client.post("/httpsfax.php", data={
                    **LOGIN, "operation": "sendfax", "faxno": "3039911234", "recipname": name,
                    "faxfilenames[0]": "a.txt", "faxfiledata[0]": "aGVsbG8="})
            except httpx.HTTPError:
                return  # the server is gone
            if answer.text.startswith("JOBID: "):
                given.append((int(answer.text[7:]), name))


def names_now(url: str, jobids: list[int]) -> dict[int, str | None]:
    """What each JOBID names now: its recipient name, or None when it names no job."""
    found: dict[int, str | None] = {}
    with httpx.Client(base_url=url, timeout=30.0) as client:
        for start_at in range(0, len(jobids), 500):
            chunk = jobids[start_at:start_at + 500]
            answer = client.post("/httpsfax.php", data={
                **LOGIN, "operation": "status", "jobids[]": ",".join(map(str, chunk))}).text
            lines = {int(line.split("\t")[0]): line.split("\t")[2]
                     for line in answer.splitlines() if line and line[0].isdigit()}
            assert answer == NOT_FOUND or lines, answer[:200]
            found.update({j: lines.get(j) for j in chunk})
    return found


def test_no_jobid_given_before_a_kill_names_another_job_after_it(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    rng = random.Random(2202)
    given: list[tuple[int, str]] = []  # every JOBID answered, with the job's unique name
    lost = 0
    for round_number in range(ROUNDS):
        process, url = start(path)
        try:
            if given:
                now = names_now(url, [j for j, _ in given])
                wrong = [(j, name, now[j]) for j, name in given
                         if now[j] is not None and now[j] != name]
                assert wrong == [], f"JOBIDs naming another job after a kill: {wrong[:5]}"
                lost += sum(1 for j, _ in given if now[j] is None)
                # Forget what was lost: its id must still never be given again (checked
                # below, as every id is unique across all rounds).
            stop = threading.Event()
            before = len(given)
            clients = [threading.Thread(target=send, args=(url, stop, given,
                                                           f"r{round_number}c{c}"))
                       for c in range(CLIENTS)]
            for client in clients:
                client.start()
            time.sleep(rng.uniform(1.0, 2.5))
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
        stop.set()
        for client in clients:
            client.join()
        assert len(given) > before, "the load produced no jobs"
    jobids = [j for j, _ in given]
    assert len(set(jobids)) == len(jobids), "a JOBID was given to two jobs"
    process, url = start(path)
    try:
        now = names_now(url, jobids)
        assert [(j, n, now[j]) for j, n in given if now[j] not in (None, n)] == []
        fresh = httpx.post(f"{url}/httpsfax.php", data={
            **LOGIN, "operation": "sendfax", "faxno": "3039911234", "recipname": "after",
            "faxfilenames[0]": "a.txt", "faxfiledata[0]": "aGVsbG8="}).text
        assert int(fresh[7:]) > max(jobids)  # the sequence jumped past every id given
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0
    print(f"{len(given)} JOBIDs given over {ROUNDS} kills; {lost} lost and never reused")


def test_after_a_clean_stop_the_ids_continue_without_a_gap(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from faxage_sim.core.clock import ClockMode
    from faxage_sim.persist.api import attach, open_state
    from faxage_sim.server.app import create_app
    from faxage_sim.server.config import SimConfig

    from .helpers import FaxApi

    path = tmp_path / "state.sqlite"
    given = []
    for _run in range(2):
        app = create_app(SimConfig(clock=ClockMode.MANUAL))
        attach(app.state.faxage, open_state(str(path)))
        with TestClient(app, base_url="http://127.0.0.1") as client:
            given += [FaxApi(client).send_jobid() for _ in range(3)]
    assert given == list(range(given[0], given[0] + 6))


def test_a_reservation_row_out_of_bounds_is_refused_at_start(
        tmp_path: Path, capsys: object) -> None:
    import sqlite3

    import pytest

    from faxage_sim.persist.api import attach, open_state
    from faxage_sim.persist.cli import open_for_serve
    from faxage_sim.server.app import create_app
    from faxage_sim.server.config import SimConfig

    path = tmp_path / "state.sqlite"
    persister = attach(create_app(SimConfig()).state.faxage, open_state(str(path)))
    persister.file.close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'reserved_ids'",
                     ('{"jobids": 9000000000000000000}',))
    conn.close()
    before = path.read_bytes()
    with pytest.raises(SystemExit) as exit_info:
        open_for_serve(str(path))
    assert exit_info.value.code == 2
    assert path.read_bytes() == before
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert err == (f"faxage-sim: --state {path} is corrupt: meta reserved_ids, field 'jobids': "
                   "9000000000000000000 is not between 0 and 2e+15\n")

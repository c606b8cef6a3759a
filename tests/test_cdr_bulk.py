"""Bulk call records: `POST /_sim/cdr` and `GET /_sim/cdr` are capped per request, and a
tenant's getcdr.php over very many records lets every other client in while it is built."""

from __future__ import annotations

import threading
import time

import httpx
from starlette.testclient import TestClient

from faxage_sim.control.cdr import MAX_RECORDS_PER_LIST, MAX_RECORDS_PER_POST
from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig
from faxage_sim.server.state import AppState

from .cdr_fill import fill
from .helpers import CREDENTIALS
from .live import LiveServer

GENEROUS = 120.0


def test_one_post_adds_at_most_the_cap(client: TestClient) -> None:
    record = {"calldate": 1, "direction": "IN", "dst": "3032974100"}
    refused = client.post("/_sim/cdr", json={"company": "1000",
                                             "records": [record] * (MAX_RECORDS_PER_POST + 1)})
    assert (refused.status_code, refused.json()) == (
        400, {"error": f'"records" must be a list of 1 to {MAX_RECORDS_PER_POST}'})
    added = client.post("/_sim/cdr", json={"company": "1000",
                                           "records": [record] * MAX_RECORDS_PER_POST})
    assert added.status_code == 201
    assert added.json() == {"company": "1000", "written": MAX_RECORDS_PER_POST,
                            "first_nuid": 1, "last_nuid": MAX_RECORDS_PER_POST}


def test_a_listing_answers_at_most_the_cap_and_says_so(client: TestClient,
                                                       state: AppState) -> None:
    fill(state, MAX_RECORDS_PER_LIST + 5)
    listed = client.get("/_sim/cdr", params={"company": "1000"}).json()
    assert (listed["count"], listed["truncated"]) == (MAX_RECORDS_PER_LIST, True)
    assert listed["records"][-1]["nuid"] == MAX_RECORDS_PER_LIST
    asked = client.get("/_sim/cdr", params={"company": "1000", "limit": "3"}).json()
    assert (asked["count"], asked["truncated"]) == (3, False)
    rest = client.get("/_sim/cdr", params={"company": "1000",
                                           "nuidgt": str(MAX_RECORDS_PER_LIST)}).json()
    assert (rest["count"], rest["truncated"]) == (5, False)


def test_getcdr_over_many_records_lets_other_clients_in() -> None:
    app = create_app(SimConfig(clock=ClockMode.MANUAL, log_requests=False))
    fill(app.state.faxage, 200_000)
    done = threading.Event()
    answer: list[str] = []
    took: list[float] = []
    waits: list[float] = []
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=GENEROUS) as other:

        def big_query() -> None:
            with httpx.Client(base_url=live.url, timeout=GENEROUS) as tenant:
                started = time.perf_counter()
                answer.append(tenant.post("/getcdr.php", data={**CREDENTIALS,
                                                               "nuidgt": "0"}).text)
                took.append(time.perf_counter() - started)
            done.set()

        status = {**CREDENTIALS, "operation": "status", "jobid": "1"}
        other.post("/httpsfax.php", data=status)  # the connection is open
        threading.Thread(target=big_query, daemon=True).start()
        answered_meanwhile = 0
        deadline = time.monotonic() + GENEROUS
        while not done.is_set() and time.monotonic() < deadline:
            started = time.perf_counter()
            other.post("/httpsfax.php", data=status)
            if not done.is_set():
                answered_meanwhile += 1
                waits.append(time.perf_counter() - started)
        assert done.wait(GENEROUS)
    assert answer[0].count("\n") == 200_000
    # While the 200,000 records were formatted, the other client was answered, again and
    # again (before, it waited for the whole answer).
    assert answered_meanwhile >= 3
    assert max(waits) < took[0] / 3


def test_a_snapshot_of_many_records_lets_other_clients_in() -> None:
    app = create_app(SimConfig(clock=ClockMode.MANUAL, log_requests=False))
    fill(app.state.faxage, 200_000)
    done = threading.Event()
    took: list[float] = []
    sizes: list[int] = []
    waits: list[float] = []
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=GENEROUS) as other:

        def save() -> None:
            with httpx.Client(base_url=live.url, timeout=GENEROUS) as operator:
                started = time.perf_counter()
                sizes.append(len(operator.get("/_sim/snapshot").content))
                took.append(time.perf_counter() - started)
            done.set()

        status = {**CREDENTIALS, "operation": "status", "jobid": "1"}
        other.post("/httpsfax.php", data=status)
        threading.Thread(target=save, daemon=True).start()
        deadline = time.monotonic() + GENEROUS
        while not done.is_set() and time.monotonic() < deadline:
            started = time.perf_counter()
            other.post("/httpsfax.php", data=status)
            if not done.is_set():
                waits.append(time.perf_counter() - started)
        assert done.wait(GENEROUS)
        # The snapshot holds every record: loaded into a fresh emulator, all are there.
        with httpx.Client(base_url=live.url, timeout=GENEROUS) as operator:
            data = operator.get("/_sim/snapshot").content
    fresh = create_app(SimConfig(clock=ClockMode.MANUAL))
    with TestClient(fresh, base_url="http://127.0.0.1") as client:
        loaded = client.put("/_sim/snapshot", content=data,
                            headers={"content-type": "application/octet-stream"})
        assert loaded.status_code == 200, loaded.text
        assert loaded.json()["calls"] == 200_000
    assert sizes[0] > 0 and len(waits) >= 3
    assert max(waits) < took[0] / 3

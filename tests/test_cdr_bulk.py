"""Bulk call records: `POST /_sim/cdr` and `GET /_sim/cdr` are capped per request, and a
tenant's getcdr.php over very many records lets every other client in while it is built."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

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


def waits_meanwhile(url: str,
                    big: Callable[[httpx.Client], object]) -> tuple[float, list[float]]:
    """The big request's seconds, and how long another client's status requests waited
    while it ran (each one that started before it ended)."""
    done = threading.Event()
    took: list[float] = []
    waits: list[float] = []

    def run() -> None:
        with httpx.Client(base_url=url, timeout=GENEROUS) as client:
            started = time.perf_counter()
            big(client)
            took.append(time.perf_counter() - started)
        done.set()

    status = {**CREDENTIALS, "operation": "status", "jobid": "1"}
    with httpx.Client(base_url=url, timeout=GENEROUS) as other:
        other.post("/httpsfax.php", data=status)  # the connection is open
        threading.Thread(target=run, daemon=True).start()
        deadline = time.monotonic() + GENEROUS
        while not done.is_set() and time.monotonic() < deadline:
            started = time.perf_counter()
            other.post("/httpsfax.php", data=status)
            if not done.is_set():
                waits.append(time.perf_counter() - started)
    assert done.wait(GENEROUS)
    return took[0], waits


def test_getcdr_over_many_records_lets_other_clients_in() -> None:
    app = create_app(SimConfig(clock=ClockMode.MANUAL, log_requests=False))
    fill(app.state.faxage, 200_000)
    answer: list[str] = []
    with LiveServer(app) as live:
        took, waits = waits_meanwhile(live.url, lambda tenant: answer.append(tenant.post(
            "/getcdr.php", data={**CREDENTIALS, "nuidgt": "0"}).text))
    assert answer[0].count("\n") == 200_000
    # While the 200,000 records were formatted, the other client was answered, again and
    # again (before, it waited for the whole answer).
    assert len(waits) >= 3
    assert max(waits) < took / 3


def test_a_snapshot_of_many_records_saved_and_loaded_lets_other_clients_in() -> None:
    """GET /_sim/snapshot encodes the records in a worker; PUT decodes, checks and indexes
    them in one, keeps the state before by reference, and installs in one step."""
    app = create_app(SimConfig(clock=ClockMode.MANUAL, log_requests=False))
    fill(app.state.faxage, 200_000)
    saved: list[bytes] = []
    loaded: list[httpx.Response] = []
    with LiveServer(app) as live:
        took, waits = waits_meanwhile(
            live.url, lambda operator: saved.append(operator.get("/_sim/snapshot").content))
        assert len(waits) >= 3
        assert max(waits) < took / 3
        # Loaded over a state as big (the state before is kept, should the install fail).
        took, waits = waits_meanwhile(live.url, lambda operator: loaded.append(operator.put(
            "/_sim/snapshot", content=saved[0],
            headers={"content-type": "application/octet-stream"})))
        assert len(waits) >= 3
        assert max(waits) < took / 3
        with httpx.Client(base_url=live.url, timeout=GENEROUS) as tenant:
            answer = tenant.post("/getcdr.php", data={**CREDENTIALS, "nuidgt": "0"}).text
    assert loaded[0].status_code == 200, loaded[0].text
    assert loaded[0].json()["calls"] == 200_000
    assert answer.count("\n") == 200_000

"""Transport faults on a real socket: latency, hang, reset, a body cut short, a slow drip."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

from .live import LiveServer

LOGIN = {"username": "demo", "company": "1000", "password": "demo", "operation": "status"}
NO_JOBS = "ERR06: No jobs to display or job id specified not found"


@pytest.fixture
def live() -> Iterator[str]:
    app = create_app(SimConfig(clock=ClockMode.MANUAL, log_requests=False))
    with LiveServer(app) as server:
        yield server.url


def fault(url: str, **spec: Any) -> None:
    response = httpx.post(f"{url}/_sim/faults", json={"fault": spec})
    assert response.status_code == 201, response.text


def last_entry(url: str) -> dict[str, Any]:
    entries: list[dict[str, Any]] = httpx.get(f"{url}/_sim/requests").json()["requests"]
    return entries[-1]


def test_latency_delays_the_whole_answer(live: str) -> None:
    fault(live, latency=0.3, hits=1)
    started = time.perf_counter()
    response = httpx.post(f"{live}/httpsfax.php", data=LOGIN)
    assert time.perf_counter() - started >= 0.3
    assert (response.status_code, response.text) == (200, NO_JOBS)
    assert last_entry(live)["duration_ms"] >= 300


def test_a_reset_connection_gives_no_answer(live: str) -> None:
    fault(live, reset=True, hits=1)
    with pytest.raises(httpx.TransportError) as caught:
        httpx.post(f"{live}/httpsfax.php", data=LOGIN)
    assert isinstance(caught.value, httpx.ReadError | httpx.RemoteProtocolError)
    assert last_entry(live)["fault_effect"] == "connection reset"
    assert httpx.post(f"{live}/httpsfax.php", data=LOGIN).text == NO_JOBS  # server lives on


def test_a_reset_is_a_tcp_rst(live: str) -> None:
    fault(live, reset=True, hits=1)
    host, port = live.removeprefix("http://").split(":")
    body = "&".join(f"{k}={v}" for k, v in LOGIN.items()).encode()
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(b"POST /httpsfax.php HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     b"application/x-www-form-urlencoded\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\n\r\n" + body)
        with pytest.raises(ConnectionResetError):
            while sock.recv(1024):
                pass


def test_a_body_cut_short(live: str) -> None:
    fault(live, truncate=10, hits=1)
    with pytest.raises(httpx.RemoteProtocolError) as caught:
        httpx.post(f"{live}/httpsfax.php", data=LOGIN)
    assert "incomplete" in str(caught.value) or "peer closed" in str(caught.value)
    entry = last_entry(live)
    assert (entry["body_bytes_sent"], entry["body_bytes_declared"]) == (10, len(NO_JOBS))


def test_a_slow_drip_arrives_whole_in_pieces(live: str) -> None:
    fault(live, drip={"chunk_bytes": 20, "interval": 0.05}, hits=1)
    chunks = []
    started = time.perf_counter()
    with httpx.stream("POST", f"{live}/httpsfax.php", data=LOGIN) as response:
        for chunk in response.iter_raw():
            chunks.append(chunk)
    took = time.perf_counter() - started
    assert b"".join(chunks).decode() == NO_JOBS
    assert len(chunks) >= 2 and took >= 0.05 * (len(NO_JOBS) // 20)


def test_a_hang_lasts_until_the_client_gives_up(live: str) -> None:
    fault(live, hang=True, hits=1)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{live}/httpsfax.php", data=LOGIN, timeout=0.3)
    deadline = time.monotonic() + 5
    entry = last_entry(live)
    while "client_gave_up_after_s" not in entry and time.monotonic() < deadline:
        time.sleep(0.02)  # the server notices the closed connection on its own loop
        entry = last_entry(live)
    assert 0.3 <= entry["client_gave_up_after_s"] < 5
    assert entry["fault_effect"] == "hang until the client gives up"
    assert httpx.post(f"{live}/httpsfax.php", data=LOGIN).text == NO_JOBS


def test_a_hang_with_a_limit_closes_the_connection(live: str) -> None:
    fault(live, hang=0.2, hits=1)
    with pytest.raises(httpx.TransportError):
        httpx.post(f"{live}/httpsfax.php", data=LOGIN, timeout=5)
    assert last_entry(live)["hang_ended"] == "closed after 0.2s"

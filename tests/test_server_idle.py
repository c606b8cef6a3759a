"""Idle connections are closed: one that never sends a request, one whose request head
trickles in, a keep-alive one between requests. On a real socket (uvicorn in a thread)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig
from faxage_sim.server.runner import IDLE_TIMEOUT_SECONDS

from .live import LiveServer

TIMEOUT = 1  # seconds, for the test server (the emulator's default is IDLE_TIMEOUT_SECONDS)
FORM = b"username=demo&company=1000&password=demo&operation=status"
STATUS = (b"POST /httpsfax.php HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          b"Content-Type: application/x-www-form-urlencoded\r\n"
          b"Content-Length: %d\r\n\r\n%s" % (len(FORM), FORM))


@pytest.fixture(scope="module")
def address() -> Iterator[tuple[str, int]]:
    app = create_app(SimConfig(clock=ClockMode.MANUAL))
    with LiveServer(app, timeout_keep_alive=TIMEOUT) as live:
        parts = urlsplit(live.url)
        assert parts.hostname is not None and parts.port is not None
        yield parts.hostname, parts.port


def seconds_until_closed(sock: socket.socket, trickle: bytes = b"") -> float:
    """Read until the server closes the connection (sending `trickle` a byte every 0.2 s)."""
    started = time.monotonic()
    sock.settimeout(0.2)
    for byte in trickle:
        sock.sendall(bytes([byte]))
        try:
            if sock.recv(65536) == b"":
                return time.monotonic() - started
        except TimeoutError:
            continue
        except ConnectionResetError:
            return time.monotonic() - started
    sock.settimeout(TIMEOUT * 5)
    while True:
        try:
            if sock.recv(65536) == b"":
                return time.monotonic() - started
        except ConnectionResetError:
            return time.monotonic() - started


def test_the_default_idle_timeout_is_a_few_seconds() -> None:
    assert 1 <= IDLE_TIMEOUT_SECONDS <= 30


def test_a_connection_that_never_sends_a_request_is_closed(address: tuple[str, int]) -> None:
    with socket.create_connection(address) as sock:
        assert TIMEOUT * 0.8 <= seconds_until_closed(sock) < TIMEOUT * 3


def test_a_request_head_that_trickles_in_is_cut_off(address: tuple[str, int]) -> None:
    with socket.create_connection(address) as sock:
        # 60 bytes at 0.2 s each would take 12 s: the timer does not restart on every byte.
        assert seconds_until_closed(sock, trickle=STATUS[:60]) < TIMEOUT * 3


def test_an_idle_keep_alive_connection_is_closed_after_its_answers(
        address: tuple[str, int]) -> None:
    with socket.create_connection(address) as sock:
        sock.settimeout(10)
        for _ in range(2):  # the connection serves requests, then times out idle
            sock.sendall(STATUS)
            answer = b""
            while not answer.endswith(b"ERR06: No jobs to display or job id specified not found"):
                chunk = sock.recv(65536)
                assert chunk, answer
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
        assert TIMEOUT * 0.8 <= seconds_until_closed(sock) < TIMEOUT * 3

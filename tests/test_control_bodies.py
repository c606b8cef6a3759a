"""Control-plane bodies are bounded and never stall the loop: the byte cap is checked while the
body arrives (a chunked body past it is refused before its end), and a big body is parsed in
a worker thread, in pieces that let other clients in (control/jsonparse.py), with the
values and the error messages of `json.loads`."""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from faxage_sim.control.cdr import MAX_RECORDS_PER_POST
from faxage_sim.control.common import (
    INLINE_PARSE_BYTES,
    MAX_JSON_DEPTH,
    ControlError,
    parse_json,
)
from faxage_sim.control.jsonparse import TooDeep, loads_in_pieces
from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

from .live import LiveServer

GENEROUS = 120.0
RECORD = (b'{"calldate": "2026-01-05 09:00:00", "direction": "OUT", "src": "3032974100", '
          b'"dst": "3039911234", "duration": 60}')


# --- the byte cap, checked while the body arrives ---------------------------------------


def test_a_declared_length_over_the_cap_is_refused_unread() -> None:
    app = create_app(SimConfig(clock=ClockMode.MANUAL, max_body=1000))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        answer = client.post("/_sim/cdr", content=b" " * 1001,
                             headers={"content-type": "application/json"})
        assert (answer.status_code, answer.json()) == (
            413, {"error": "the body is larger than 1000 bytes (serve --max-body)"})
        fits = client.post("/_sim/clock/advance", content=b'{"seconds": 1}' + b" " * 986,
                           headers={"content-type": "application/json"})
        assert fits.status_code == 200, fits.text


def _raw_response(sock: socket.socket) -> bytes:
    received = b""
    while b"\r\n\r\n" not in received or not received.rstrip().endswith(b"}"):
        more = sock.recv(65536)
        if not more:
            break
        received += more
    return received


def test_a_chunked_body_past_the_cap_is_refused_before_it_ends() -> None:
    """No Content-Length: the cap is checked as chunks arrive. The body never ends here, so
    an emulator that read it whole first would never answer (the socket's timeout fails)."""
    app = create_app(SimConfig(clock=ClockMode.MANUAL, max_body=1000, log_requests=False))
    with LiveServer(app) as live:
        host, port = live.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=GENEROUS) as sock:
            sock.sendall(b"POST /_sim/cdr HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"[" * 600
            for _ in range(2):  # 1,200 bytes: past the cap, and no last chunk ever
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            answer = _raw_response(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert json.loads(body) == {"error": "the body is larger than 1000 bytes (serve --max-body)"}


def test_a_snapshot_upload_past_its_cap_is_refused_before_it_ends(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from faxage_sim.control import snapshot

    monkeypatch.setattr(snapshot, "MAX_SNAPSHOT_BYTES", 1000)
    app = create_app(SimConfig(clock=ClockMode.MANUAL, log_requests=False))
    with LiveServer(app) as live:
        host, port = live.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=GENEROUS) as sock:
            sock.sendall(b"PUT /_sim/snapshot HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Type: application/octet-stream\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            sock.sendall(b"4b0\r\n" + b"x" * 1200 + b"\r\n")
            answer = _raw_response(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert json.loads(body) == {"error": "the snapshot is too large"}


# --- a big body parses off the loop --------------------------------------------------------


def test_a_bystander_is_answered_while_a_big_body_parses() -> None:
    # 400,000 records, 43 MB: json.loads holds the GIL ~0.7 s on it (in a thread too); the
    # count is checked after the parse.
    records = 400_000
    body = b'{"company": "1000", "records": [' + b", ".join([RECORD] * records) + b"]}"
    assert len(body) < SimConfig().max_body
    app = create_app(SimConfig(clock=ClockMode.MANUAL, log_requests=False))
    done = threading.Event()
    answers: list[httpx.Response] = []
    took: list[float] = []
    waits: list[float] = []
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=GENEROUS) as other:

        def big_post() -> None:
            with httpx.Client(base_url=live.url, timeout=GENEROUS) as operator:
                started = time.perf_counter()
                answers.append(operator.post("/_sim/cdr", content=body, headers={
                    "content-type": "application/json"}))
                took.append(time.perf_counter() - started)
            done.set()

        other.get("/_sim/clock")  # the connection is open
        threading.Thread(target=big_post, daemon=True).start()
        deadline = time.monotonic() + GENEROUS
        while not done.is_set() and time.monotonic() < deadline:
            # Every request started before the big one was answered counts (the one held by
            # a parse on the loop ends just after it).
            started = time.perf_counter()
            assert other.get("/_sim/clock").status_code == 200
            waits.append(time.perf_counter() - started)
        assert done.wait(GENEROUS)
    [answer] = answers
    assert (answer.status_code, answer.json()) == (
        400, {"error": f'"records" must be a list of 1 to {MAX_RECORDS_PER_POST}'})
    # The other client was answered again and again while the body arrived and parsed
    # (parsed on the loop, one of its requests waited for the whole parse).
    assert len(waits) >= 3
    assert max(waits) < took[0] / 3, (max(waits), took[0])


def test_a_big_body_within_the_caps_is_written() -> None:
    body = b'{"company": "1000", "records": [' + b", ".join(
        [RECORD] * MAX_RECORDS_PER_POST) + b"]}"
    assert len(body) > INLINE_PARSE_BYTES  # parsed in pieces, in a worker thread
    app = create_app(SimConfig(clock=ClockMode.MANUAL))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        answer = client.post("/_sim/cdr", content=body,
                             headers={"content-type": "application/json"})
    assert (answer.status_code, answer.json()) == (201, {
        "company": "1000", "written": MAX_RECORDS_PER_POST, "first_nuid": 1,
        "last_nuid": MAX_RECORDS_PER_POST})


# --- parsed in pieces: the values and the errors of json.loads ------------------------------


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:40]}")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _outcome(parse: Any, text: str) -> tuple[str, Any]:
    try:
        return "value", parse(text)
    except ValueError as exc:  # JSONDecodeError included: its message says where
        return "error", str(exc)
    except (RecursionError, TooDeep):
        return "deep", None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=6),
    max_leaves=40)
edits = st.sampled_from(["", ",", "]", "}", "x", '"', " ", "NaN", "1e999", "[", "{", ":",
                         "9" * 5000, "\\u"])


@settings(max_examples=400, deadline=None)
@given(value=json_values, indent=st.sampled_from([None, 1]), edit=edits,
       where=st.floats(0, 1), cut=st.booleans(), window=st.sampled_from([1, 2, 8]),
       max_window=st.sampled_from([1, 4, 64]))
def test_parsed_in_pieces_is_json_loads(value: Any, indent: int | None, edit: str,
                                        where: float, cut: bool, window: int,
                                        max_window: int) -> None:
    text = json.dumps(value, indent=indent)
    at = int(where * len(text))
    text = text[:at] + edit + text[at + cut:]  # often broken on purpose

    def pieces(t: str) -> Any:
        return loads_in_pieces(t, parse_float=_finite, parse_constant=_no_constant,
                               max_depth=10**6, window=window, max_window=max_window)

    def plain(t: str) -> Any:
        return json.loads(t, parse_float=_finite, parse_constant=_no_constant)

    assert _outcome(pieces, text) == _outcome(plain, text)


def test_a_big_body_keeps_the_small_bodys_messages() -> None:
    padding = " " * INLINE_PARSE_BYTES
    for small, message in [
        (b'{"a": [1, 2,, 3]}', "the body is not valid JSON: Expecting value: line 1 column 13 "
                               "(char 12)"),
        (b'{"a": NaN}', "the body is not valid JSON: NaN is not a number JSON allows"),
        (b'{"a": 1e400}', "the body is not valid JSON: number out of range: 1e400"),
        (b"[" * 33 + b"]" * 33, f"the body is nested deeper than {MAX_JSON_DEPTH} levels"),
        (b"[" * 100_000, f"the body is nested deeper than {MAX_JSON_DEPTH} levels"),
    ]:
        for body in (small, small + padding.encode()):
            with pytest.raises(ControlError) as caught:
                parse_json(body)
            assert (caught.value.status, caught.value.message) == (400, message), body[:40]
    big = {"records": [{"n": i, "s": "é" * (i % 7)} for i in range(20_000)]}
    encoded = json.dumps(big).encode()
    assert len(encoded) > INLINE_PARSE_BYTES and parse_json(encoded) == big
    assert parse_json(json.dumps(big).encode("utf-16")) == big  # as json.loads decodes
    assert parse_json(b"\xef\xbb\xbf" + encoded) == big  # a UTF-8 BOM


def test_big_bodies_are_parsed_two_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each parse holds several times its body: of eight big bodies read at once, two are
    parsed at a time and the others wait their turn."""
    from faxage_sim.control import common

    posts = 8
    running, most, arrived, finished = [0], [0], [0], [0]
    changed = threading.Condition()
    real_parse, real_read = common.parse_json, common.read_body

    async def counted_read(*args: Any) -> bytes:
        body = await real_read(*args)
        with changed:
            arrived[0] += 1
            changed.notify_all()
        return body

    def may_parse() -> bool:
        # Every body read, and as many parses under way as the slots allow (or as are left).
        return arrived[0] == posts and running[0] >= min(2, posts - finished[0])

    def watched_parse(body: bytes) -> Any:
        with changed:
            running[0] += 1
            most[0] = max(most[0], running[0])
            changed.notify_all()
            assert changed.wait_for(may_parse, GENEROUS)
        try:
            return real_parse(body)
        finally:
            with changed:
                running[0] -= 1
                finished[0] += 1
                changed.notify_all()

    monkeypatch.setattr(common, "read_body", counted_read)
    monkeypatch.setattr(common, "parse_json", watched_parse)
    body = b'{"seconds": 1' + b" " * INLINE_PARSE_BYTES + b"}"
    app = create_app(SimConfig(clock=ClockMode.MANUAL, log_requests=False))
    with LiveServer(app) as live:

        def post(_: int) -> int:
            with httpx.Client(base_url=live.url, timeout=GENEROUS) as operator:
                return operator.post("/_sim/clock/advance", content=body, headers={
                    "content-type": "application/json"}).status_code

        with ThreadPoolExecutor(posts) as pool:
            statuses = list(pool.map(post, range(posts)))
    assert statuses == [200] * posts
    assert most[0] == common.MAX_PARALLEL_PARSES == 2

"""The dashboard's live streams are capped: one more than MAX_STREAMS gets a 503 with a JSON
error, a closed stream frees its place, and shutting down with every place taken is quick."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import httpx

from faxage_sim.ui.stream import MAX_STREAMS

from .dashboard import Emulator

EVENTS = "/_sim/ui/events"
GENEROUS = 60.0


def open_stream(stack: contextlib.ExitStack, browser: httpx.Client) -> Iterator[str]:
    """An open stream's lines (kept: a dropped iterator closes its connection)."""
    events = stack.enter_context(browser.stream("GET", EVENTS))
    assert events.status_code == 200
    lines = events.iter_lines()
    assert next(lines) == "retry: 1000"  # the stream is attached once its hello is out
    return lines


def test_one_stream_past_the_cap_is_refused_with_json() -> None:
    limits = httpx.Limits(max_connections=MAX_STREAMS + 8)
    with Emulator() as emulator, \
            httpx.Client(base_url=emulator.url, timeout=GENEROUS, limits=limits) as browser, \
            contextlib.ExitStack() as streams:
        held = [open_stream(streams, browser) for _ in range(MAX_STREAMS)]
        refused = browser.get(EVENTS)
        assert (refused.status_code, refused.json()) == (503, {
            "error": f"too many live streams open (at most {MAX_STREAMS}); close a dashboard "
                     "tab or try again later"})
        assert refused.headers["retry-after"] == "30"
        # The API is not slowed: it answers while every stream is open.
        assert emulator.api("status").startswith("ERR")
        streams.close()  # every stream ends: their places are free again
        held.clear()
        deadline = time.monotonic() + GENEROUS
        while True:
            with browser.stream("GET", EVENTS) as again:
                if again.status_code == 200:
                    break
            assert time.monotonic() < deadline, "a closed stream never freed its place"
            time.sleep(0.05)


def test_shutting_down_with_every_stream_open_is_quick() -> None:
    limits = httpx.Limits(max_connections=MAX_STREAMS + 8)
    emulator = Emulator().__enter__()
    with httpx.Client(base_url=emulator.url, timeout=GENEROUS, limits=limits) as browser, \
            contextlib.ExitStack() as streams:
        held = [open_stream(streams, browser) for _ in range(MAX_STREAMS)]
        started = time.monotonic()
        emulator.__exit__(None, None, None)
        took = time.monotonic() - started
        assert not emulator.server.thread.is_alive()
        for lines in held:  # each stream has ended: the server closed it (else ReadTimeout)
            for _ in lines:
                pass
        # The streams were ended by the server, not by the client.
        streams.close()
    assert took < GENEROUS / 4

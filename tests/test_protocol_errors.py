"""An emulator bug on a protocol URL: one clear line, never a traceback, and the client's
keep-alive connection still serves its next request. On a real socket."""

from __future__ import annotations

import httpx
import pytest

from faxage_sim.core.clock import ClockMode
from faxage_sim.endpoints import base, httpsfax
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig
from faxage_sim.wire import catalog

from .helpers import CREDENTIALS
from .live import LiveServer


def broken(*args: object) -> object:
    raise RuntimeError("a bug in the emulator")


@pytest.mark.parametrize("where", ["operation", "parsing"])
def test_a_bug_answers_one_line_and_the_connection_stays_usable(
        monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    if where == "operation":  # inside the URL handler's own guard
        monkeypatch.setitem(httpsfax.OPERATIONS, "status", broken)
    else:  # before it: only the route's guard catches it
        monkeypatch.setattr(base, "parse_post", broken)
    app = create_app(SimConfig(clock=ClockMode.MANUAL))
    with LiveServer(app) as live, httpx.Client(base_url=live.url) as client:
        for _ in range(2):
            reply = client.post("/httpsfax.php", data={**CREDENTIALS, "operation": "status"})
            assert (reply.status_code, reply.text) == (500, catalog.INTERNAL_ERROR)
            assert reply.headers["content-type"] == catalog.TEXT_CONTENT_TYPE
            assert reply.headers.get("connection") != "close"
        # Bug fixed: the same pooled connection answers the next request normally.
        monkeypatch.undo()
        reply = client.post("/httpsfax.php", data={**CREDENTIALS, "operation": "pendcount"})
        assert (reply.status_code, reply.text) == (200, "0")

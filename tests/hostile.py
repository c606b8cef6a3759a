"""The emulator driven straight through ASGI, for hostile-input runs of tens of thousands of
requests: no socket, no httpx, no thread hop — a request costs a fraction of a millisecond.

`AsgiDriver` owns an event loop and the app's state (started as the lifespan would start it);
`world_snapshot` reads an account's whole visible state through the protocol URLs, so a test
compares what a client would see before and after.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette

from faxage_sim.core.clock import ClockMode
from faxage_sim.harness.inprocess import call_app
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig
from faxage_sim.server.state import AppState

from .helpers import CREDENTIALS, b64

URLENCODED = "application/x-www-form-urlencoded"
PROTOCOL_PATHS = ("/httpsfax.php", "/httpsfax-debug.php", "/getcdr.php", "/provision.php",
                  "/new_provision.php")
TEXT_CONTENT_TYPE = "text/html; charset=UTF-8"


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class AsgiDriver:
    def __init__(self, app: Starlette | None = None) -> None:
        # A short journal: auditlog reads all of it, and a run sends tens of thousands.
        self.app = app or create_app(SimConfig(clock=ClockMode.MANUAL, journal_limit=500))
        self.state: AppState = self.app.state.faxage
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self.state.start())

    def close(self) -> None:
        self.loop.run_until_complete(self.state.stop())
        self.loop.close()

    def request(self, method: str, path: str, body: bytes = b"",
                headers: list[tuple[bytes, bytes]] | None = None, query: bytes = b"") -> Reply:
        return self.loop.run_until_complete(self._call(method, path, body, headers or [], query))

    def post(self, path: str, body: bytes, content_type: str | None = URLENCODED) -> Reply:
        headers = [(b"content-length", str(len(body)).encode())]
        if content_type is not None:
            headers.append((b"content-type", content_type.encode("latin-1")))
        return self.request("POST", path, body, headers)

    def form(self, path: str, fields: dict[str, str]) -> Reply:
        return self.post(path, urlencode(fields).encode())

    def control(self, method: str, path: str, payload: Any = None) -> Any:
        body = json.dumps({} if payload is None else payload).encode()
        reply = self.request(method, path, body, [(b"content-type", b"application/json")])
        assert reply.status < 300, reply.text
        return json.loads(reply.body)

    async def _call(self, method: str, path: str, body: bytes,
                    headers: list[tuple[bytes, bytes]], query: bytes) -> Reply:
        status, out_headers, content = await call_app(
            self.app, method, path, query, body, [(b"host", b"127.0.0.1"), *headers],
            client=("127.0.0.1", 50000), server=("127.0.0.1", 80))
        return Reply(status, {k.decode("latin-1"): v.decode("latin-1") for k, v in out_headers},
                     content)


def populate(driver: AsgiDriver) -> None:
    """An account with something of everything: finished, failed and pending jobs, received
    faxes (one handled), call records."""
    def send(faxno: str) -> None:
        reply = driver.form("/httpsfax.php", {
            **CREDENTIALS, "operation": "sendfax", "faxno": faxno, "recipname": "Alice",
            "faxfilenames[0]": "note.txt", "faxfiledata[0]": b64(b"Hello\n")})
        assert reply.text.startswith("JOBID: "), reply.text

    send("3039911234")
    send("3039910002")
    for did in ("3032974100", "3032974101"):
        driver.control("POST", "/_sim/inbound", {"did": did, "cid": "7209914321",
                                                "pages": 1, "duration": 0})
    driver.control("POST", "/_sim/clock/advance", {"seconds": 3600})
    send("3039910004")  # still pending when the hostile traffic comes
    listed = driver.form("/httpsfax.php", {**CREDENTIALS, "operation": "listfax"}).text
    first_fax = listed.split("\t", 1)[0]
    reply = driver.form("/httpsfax.php", {**CREDENTIALS, "operation": "handled",
                                          "faxid": first_fax})
    assert reply.text == "Handled", reply.text


SNAPSHOT_CALLS: list[tuple[str, dict[str, str]]] = [
    ("/httpsfax.php", {"operation": "status", "pagecount": "1", "csid": "1", "showlogin": "1",
                       "xmitpages": "1", "showtries": "1", "extqueue": "1"}),
    ("/httpsfax.php", {"operation": "listfax", "starttime": "1", "filename": "1",
                       "pagecount": "1", "showtsid": "1"}),
    ("/httpsfax.php", {"operation": "handlecount"}),
    ("/httpsfax.php", {"operation": "pendcount"}),
    ("/httpsfax.php", {"operation": "listlines"}),
    ("/getcdr.php", {"nuidgt": "0", "nuidshow": "1"}),
]


def world_snapshot(driver: AsgiDriver) -> list[str]:
    """What the default account's client sees of its jobs, faxes, numbers and call records."""
    return [driver.form(path, {**CREDENTIALS, **fields}).text for path, fields in SNAPSHOT_CALLS]

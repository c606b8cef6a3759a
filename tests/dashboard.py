"""Helpers for the dashboard's browser tests and screenshots: the emulator on a real loopback
socket with a manual clock, a FAXAGE client for it, and the Chromium launch settings."""

from __future__ import annotations

import base64
import os
from typing import Any

import httpx

from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig
from faxage_sim.server.state import AppState

from .helpers import DEADLINE
from .live import LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
CHROMIUM_MISSING = (f"Debian's chromium is not installed at {CHROMIUM} "
                    "(apt-get install chromium; .ci/run does it)")


def chromium_present() -> bool:
    return os.access(CHROMIUM, os.X_OK)


class Emulator:
    """A fresh emulator (manual clock) served on 127.0.0.1, with a FAXAGE client."""

    def __init__(self, **settings: Any) -> None:
        self.app = create_app(SimConfig(clock=ClockMode.MANUAL, log_requests=False,
                                        **settings))
        self.server = LiveServer(self.app)
        self.url = self.server.url
        self.http = httpx.Client(base_url=self.url, timeout=DEADLINE)

    @property
    def state(self) -> AppState:
        state: AppState = self.app.state.faxage
        return state

    @property
    def dashboard(self) -> str:
        return self.url + "/_sim/ui/"

    def __enter__(self) -> Emulator:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()
        self.server.__exit__(None, None, None)

    def api(self, operation: str, *, company: str = "1000", username: str = "demo",
            password: str = "demo", **fields: Any) -> str:
        answer = self.http.post("/httpsfax.php", data={
            "username": username, "company": company, "password": password,
            "operation": operation, **fields})
        return answer.text

    def sendfax(self, faxno: str = "3039911234", recipname: str = "Alice Example",
                text: bytes = b"Quarterly report\n\nPlease find the figures attached.\n",
                **fields: Any) -> int:
        answer = self.api("sendfax", faxno=faxno, recipname=recipname,
                          **{"faxfilenames[0]": "report.txt",
                             "faxfiledata[0]": base64.b64encode(text).decode()}, **fields)
        assert answer.startswith("JOBID: "), answer
        return int(answer.removeprefix("JOBID: "))

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        if method == "GET":
            answer = self.http.get(path)
        else:  # the control plane takes JSON bodies only on state changes
            answer = self.http.request(method, path, json=body if body is not None else {})
        assert answer.status_code < 400, answer.text
        return answer.json()

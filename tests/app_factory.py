"""A fixture for tests that need an emulator with their own settings (SMTP, URL fetching)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

from .helpers import FaxApi

MakeApi = Callable[..., FaxApi]


@pytest.fixture
def make_api() -> Iterator[MakeApi]:
    """`make_api(**SimConfig fields)`: an emulator on a manual clock, as a FaxApi."""
    clients: list[TestClient] = []

    def make(**settings: Any) -> FaxApi:
        app = create_app(SimConfig(clock=ClockMode.MANUAL, **settings))
        client = TestClient(app, base_url="http://127.0.0.1")
        client.__enter__()
        clients.append(client)
        return FaxApi(client)

    yield make
    for client in clients:
        client.__exit__(None, None, None)

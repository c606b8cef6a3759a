"""Shared test fixtures: an emulator with a manual clock, reached in-process, and a real
HTTP receiver for callbacks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig
from faxage_sim.server.state import AppState

from .dashboard import CHROMIUM, CHROMIUM_ARGS
from .helpers import FaxApi
from .receivers import CallbackReceiver
from .wheels import build_wheel


@pytest.fixture
def app() -> Starlette:
    return create_app(SimConfig(clock=ClockMode.MANUAL))


@pytest.fixture
def state(app: Starlette) -> AppState:
    st: AppState = app.state.faxage
    return st


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient) -> FaxApi:
    """The default account (demo / 1000 / demo) on a manual clock."""
    return FaxApi(client)


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver() as r:
        yield r


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """faxage-sim's wheel, built once per session from a copy of the checkout."""
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright launches Debian's chromium (no browser download)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def _nested_runs_without_playwright(request: pytest.FixtureRequest) -> None:
    """pytester's nested pytest runs leave pytest-playwright out: in-process, its soft-assertion
    scope would nest inside the outer run's and fail every nested test."""
    if "pytester" in request.fixturenames:
        pytester: pytest.Pytester = request.getfixturevalue("pytester")
        pytester.makeini("[pytest]\naddopts = -p no:playwright\n")

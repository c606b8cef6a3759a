"""pytest plugin (registered by the `pytest11` entry point): a FAXAGE emulator per test.

Fixtures:

- `faxage_sim` — a `SimHandle` on a fresh account of a session-wide emulator reached over a
  real socket (127.0.0.1, a free port): its own company, user, DIDs and manual clock.
- `faxage_sim_asgi` — the same, reached in-process through `handle.transport` (no socket).
- `faxage_sim_server` — the session's `EmbeddedSimulator` (started on first use, stopped at
  the end of the session; under pytest-xdist each worker has its own).
- `faxage_sim_host`, `faxage_sim_port`, `faxage_sim_tls` — session fixtures to override in a
  `conftest.py` to choose the address and HTTPS (per directory: each distinct choice gets
  its own emulator).

Marker: `@pytest.mark.faxage_sim(scenario=..., seed=..., settings={...}, start=...)`.

Option `--faxage-sim-keep` (or env FAXAGE_SIM_KEEP=1): a failed test's account is kept, and
at the end of the session the emulator stays up, printing its dashboard URL, until Ctrl-C.

pytest imports this module in every run of every project that has faxage-sim installed, so
it imports nothing heavy at module level and does nothing unless a fixture is used.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .harness.embedded import EmbeddedSimulator
    from .harness.handle import SimHandle

MARKER = "faxage_sim"
MARKER_HELP = (
    "faxage_sim(scenario=None, seed=None, settings=None, start=None, did_count=None): "
    "configure the account that the faxage_sim / faxage_sim_asgi fixture gives this test")
MARKER_OPTIONS = frozenset({"scenario", "seed", "settings", "start", "did_count"})
REPORT_SECTION = "faxage-sim requests"
_HANDLES = pytest.StashKey[list["SimHandle"]]()
_FAILED = pytest.StashKey[bool]()
KEEP_OPTION = "--faxage-sim-keep"
KEEP_ENV = "FAXAGE_SIM_KEEP"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("faxage-sim").addoption(
        KEEP_OPTION, action="store_true", default=False,
        help="keep a failed test's faxage-sim account, and the emulator running at the end "
             "of the session with its dashboard URL printed, until Ctrl-C "
             f"(also {KEEP_ENV}=1)")


def _keep(config: pytest.Config) -> bool:
    import os

    return bool(config.getoption(KEEP_OPTION, False)) or os.environ.get(KEEP_ENV) == "1"


@pytest.fixture(scope="session")
def faxage_sim_host() -> str:
    """Address the session's emulator binds: override in conftest.py to change it."""
    return "127.0.0.1"


@pytest.fixture(scope="session")
def faxage_sim_port() -> int:
    """Port the session's emulator binds; 0 picks a free one (keep 0 with pytest-xdist)."""
    return 0


@pytest.fixture(scope="session")
def faxage_sim_tls() -> bool:
    """True serves HTTPS with a throw-away local CA (handle.ca_bundle); needs trustme."""
    return False


class _ServerPool:
    """The session's emulators, one per (host, port, TLS) that some test's conftest chose.

    The settings fixtures may be overridden in any conftest.py, so tests in one directory
    can get HTTPS while the rest of the session gets plain HTTP. In-process handles use
    whichever emulator exists (they have no address).
    """

    def __init__(self) -> None:
        self.servers: dict[tuple[str, int, bool], EmbeddedSimulator] = {}

    def get(self, host: str, port: int, tls: bool) -> EmbeddedSimulator:
        key = (host, port, tls)
        server = self.servers.get(key)
        if server is None:
            from .core.clock import ClockMode
            from .harness.embedded import EmbeddedSimulator
            from .server.config import SimConfig

            config = SimConfig(host=host, port=port, clock=ClockMode.MANUAL, log_requests=False)
            server = self.servers[key] = EmbeddedSimulator(config, tls=tls).start()
        return server

    def any(self) -> EmbeddedSimulator:
        return next(iter(self.servers.values()), None) or self.get("127.0.0.1", 0, False)

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
        self.servers.clear()


@pytest.fixture(scope="session")
def _faxage_sim_pool(request: pytest.FixtureRequest) -> Iterator[_ServerPool]:
    pool = _ServerPool()
    yield pool
    kept = request.config.stash.get(_HANDLES, [])
    if kept:
        from faxage_sim.ui.keep import wait_for_the_developer  # absolute: survives a move

        wait_for_the_developer(request.config, kept)
    pool.stop()


@pytest.fixture(scope="session")
def faxage_sim_server(faxage_sim_host: str, faxage_sim_port: int, faxage_sim_tls: bool,
                      _faxage_sim_pool: _ServerPool) -> EmbeddedSimulator:
    """The session's emulator (an `EmbeddedSimulator`); stopped when the session ends.

    It listens on its address once a test asks for `faxage_sim`.
    """
    return _faxage_sim_pool.get(faxage_sim_host, faxage_sim_port, faxage_sim_tls)


def _marker_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    options: dict[str, Any] = {}
    # Closest first: a test's marker wins over its class's and module's.
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        if marker.args:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword arguments only")
        unknown = set(marker.kwargs) - MARKER_OPTIONS
        if unknown:
            raise pytest.UsageError(
                f"@pytest.mark.{MARKER}: unknown argument(s) {', '.join(sorted(unknown))} "
                f"(known: {', '.join(sorted(MARKER_OPTIONS))})")
        options.update(marker.kwargs)
    return options


def _account(server: EmbeddedSimulator, request: pytest.FixtureRequest,
             in_process: bool) -> Iterator[SimHandle]:
    handle = server.new_account(in_process=in_process, **_marker_options(request))
    request.node.stash.setdefault(_HANDLES, []).append(handle)
    try:
        yield handle
    finally:
        if request.node.stash.get(_FAILED, False) and _keep(request.config):
            request.config.stash.setdefault(_HANDLES, []).append(handle)  # look at it later
        else:
            handle.close()


@pytest.fixture
def faxage_sim(faxage_sim_host: str, faxage_sim_port: int, faxage_sim_tls: bool,
               _faxage_sim_pool: _ServerPool,
               request: pytest.FixtureRequest) -> Iterator[SimHandle]:
    """A fresh FAXAGE account on the session's emulator, over a real socket."""
    server = _faxage_sim_pool.get(faxage_sim_host, faxage_sim_port, faxage_sim_tls)
    yield from _account(server, request, in_process=False)


@pytest.fixture
def faxage_sim_asgi(_faxage_sim_pool: _ServerPool,
                    request: pytest.FixtureRequest) -> Iterator[SimHandle]:
    """A fresh FAXAGE account reached in-process: give clients `faxage_sim_asgi.transport`."""
    yield from _account(_faxage_sim_pool.any(), request, in_process=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
        item: pytest.Item, call: pytest.CallInfo[None],
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failed test that used an account, show the requests that account received."""
    report: pytest.TestReport = yield
    handles = item.stash.get(_HANDLES, None)
    if handles and report.failed and call.when == "call":
        from .harness.expectations import describe_request

        item.stash[_FAILED] = True
        for handle in handles:
            try:
                lines = [describe_request(e) for e in handle.requests()]
            except Exception as exc:  # the emulator is gone: say so, don't hide the failure
                lines = [f"(could not read the journal: {exc})"]
            body = "\n".join(lines) or "(none)"
            if not handle.in_process:
                body += (f"\ndashboard: {handle.url}/_sim/ui/jobs?company={handle.company}"
                         + ("" if _keep(item.config) else
                            f" (run with {KEEP_OPTION} to look at it after the test)"))
            report.sections.append((f"{REPORT_SECTION} (company {handle.company})", body))
    return report

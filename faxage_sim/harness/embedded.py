"""faxage-sim inside this process: for pytest, unittest and scripts.

`EmbeddedSimulator` runs one emulator on its own event loop in a daemon thread. It can be
reached in-process (`transport`, `async_transport`: no socket) and, once `listen()` is
called, over a real socket served by uvicorn (TCP_NODELAY set, optionally HTTPS).
`new_account()` gives each test its own isolated account, with its own manual clock, as a
`SimHandle`; `simulator()` is the one-line context manager for code outside pytest:

    with faxage_sim.simulator() as sim:
        ...  # point the client at sim.httpsfax_url with sim.credentials
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..core.clock import ClockMode
from ..server.config import SimConfig

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from ..server.runner import AnnouncingServer
    from ..server.state import AppState
    from ..server.tls import TlsFiles
    from .handle import SimHandle
    from .inprocess import (
        AppBridge,
        AsyncInProcessTransport,
        InProcessControl,
        InProcessTransport,
    )

START_TIMEOUT = 30.0  # real seconds; starting normally takes a few milliseconds


class EmbeddedSimulator:
    """One emulator on a private event loop; per-test accounts come from `new_account()`."""

    def __init__(self, config: SimConfig | None = None, *, tls: bool = False) -> None:
        # Manual clocks and no console lines: a test decides when time moves.
        self.config = config or SimConfig(clock=ClockMode.MANUAL, port=0, log_requests=False)
        self.tls = tls
        self.url: str | None = None  # set by listen()
        self.tls_files: TlsFiles | None = None
        self._state: AppState | None = None
        self._app: Starlette | None = None
        self._bridge: AppBridge | None = None
        self._control: InProcessControl | None = None
        self._server: AnnouncingServer | None = None
        self._serve_task: asyncio.Task[None] | None = None
        self._listen_lock = threading.Lock()

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> EmbeddedSimulator:
        """Start the app on its loop (no socket yet). Idempotent."""
        if self._bridge is not None:
            return self
        from ..server.app import create_app
        from ..server.state import AppState
        from .inprocess import AppBridge

        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=_run_forever, args=(loop,), name="faxage-sim",
                                  daemon=True)
        thread.start()
        from ..control.guard import token_for

        # Bound to another machine's reach: the control plane needs a token (docs/security.md).
        self.config.control_token = token_for(self.config.host, self.config.control_token)[0]
        state = AppState(self.config)
        app = create_app(self.config, state=state)
        self._state, self._app = state, app
        self._bridge = AppBridge(app, loop, thread)
        # The ASGI lifespan does not run in-process (and uvicorn here runs without it).
        self._bridge.run(state.start(), START_TIMEOUT)
        return self

    def listen(self) -> str:
        """Serve over a socket too (idempotent); returns the base URL."""
        with self._listen_lock:
            if self.url is None:
                self.url = self._listen()
            return self.url

    def _listen(self) -> str:
        from ..server.runner import base_url, bind_socket

        bridge = self.bridge
        if self.tls:
            from ..server.tls import make_tls

            self.tls_files = make_tls()
        sock = bind_socket(self.config.host, self.config.port)
        self.config.port = sock.getsockname()[1]
        try:
            bridge.run(self._start_server(sock), START_TIMEOUT)
        except BaseException:
            sock.close()
            raise
        return base_url(sock, "https" if self.tls_files is not None else "http")

    async def _start_server(self, sock: Any) -> None:
        from ..server.runner import AnnouncingServer, uvicorn_config

        assert self._app is not None
        ready = asyncio.Event()
        extra = self.tls_files.uvicorn_options() if self.tls_files is not None else {}
        # log_config=None: leave the host process's logging alone.
        server = AnnouncingServer(
            uvicorn_config(self._app, lifespan="off", log_config=None, **extra),
            ready.set)
        task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
        waiter = asyncio.get_running_loop().create_task(ready.wait())
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if not ready.is_set():
            waiter.cancel()
            await task  # raises what stopped the start, if anything did
            raise RuntimeError("faxage-sim: the server did not start")
        self._server, self._serve_task = server, task

    def stop(self) -> None:
        """Stop serving, stop the app, end the thread. Safe to call twice."""
        bridge, self._bridge = self._bridge, None
        if bridge is None:
            return
        if self._control is not None:
            self._control.close()
            self._control = None
        with contextlib.suppress(Exception):
            bridge.run(self._shutdown(), START_TIMEOUT)
        bridge.loop.call_soon_threadsafe(bridge.loop.stop)
        bridge.loop_thread.join(START_TIMEOUT)
        if not bridge.loop_thread.is_alive():
            bridge.loop.close()
        if self.tls_files is not None:
            self.tls_files.cleanup()
        self.url = None

    async def _shutdown(self) -> None:
        server, task = self._server, self._serve_task
        if server is not None and task is not None:
            # Not uvicorn's graceful shutdown: it polls every 0.1 s and waits for clients'
            # idle keep-alive connections (a TLS one for 30 s, for a close_notify that a
            # forgotten client never sends). At the end of a test session, close at once.
            for listener in server.servers:
                listener.close()
            for connection in list(server.server_state.connections):
                transport = getattr(connection, "transport", None)
                if transport is not None:
                    transport.abort()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._server = self._serve_task = None
        if self._state is not None:
            await self._state.stop()

    def __enter__(self) -> EmbeddedSimulator:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # --- reaching it -----------------------------------------------------------------

    @property
    def bridge(self) -> AppBridge:
        if self._bridge is None:
            raise RuntimeError("faxage-sim: the embedded simulator is not running (start())")
        return self._bridge

    @property
    def state(self) -> AppState:
        if self._state is None:
            raise RuntimeError("faxage-sim: the embedded simulator is not running (start())")
        return self._state

    @property
    def transport(self) -> InProcessTransport:
        """For `httpx.Client(transport=...)`: the app without a socket."""
        from .inprocess import InProcessTransport

        return InProcessTransport(self.bridge)

    @property
    def async_transport(self) -> AsyncInProcessTransport:
        """For `httpx.AsyncClient(transport=...)`: the app without a socket."""
        from .inprocess import AsyncInProcessTransport

        return AsyncInProcessTransport(self.bridge)

    @property
    def control(self) -> InProcessControl:
        """`/_sim/` in-process (`request(method, path, json=, params=)` -> status, JSON):
        what every handle of this simulator uses."""
        if self._control is None:
            from .inprocess import InProcessControl

            self._control = InProcessControl(self.bridge, self.config.control_token)
        return self._control

    def new_account(self, *, in_process: bool = False, settings: dict[str, Any] | None = None,
                    start: datetime | float | None = None, did_count: int | None = None,
                    scenario: Any = None, seed: int | None = None) -> SimHandle:
        """A fresh isolated account on a manual clock; `close()` the handle to remove it.

        `in_process`: the handle's URLs are reached through its `transport` (no socket);
        otherwise the simulator starts listening if it is not yet.
        """
        from .handle import AccountOptions, SimHandle
        from .inprocess import IN_PROCESS_URL

        if in_process:
            url, ca_bundle = IN_PROCESS_URL, None
        else:
            url = self.listen()
            ca_bundle = None if self.tls_files is None else str(self.tls_files.ca_bundle)
        options = AccountOptions(settings=settings, start=start, did_count=did_count,
                                 scenario=scenario, seed=seed)
        return SimHandle.create(
            self.control, url, options, ca_bundle=ca_bundle,
            transport=self.transport if in_process else None,
            async_transport=self.async_transport if in_process else None)


def _run_forever(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    loop.run_forever()


@contextlib.contextmanager
def simulator(*, in_process: bool = False, host: str = "127.0.0.1", port: int = 0,
              tls: bool = False, settings: dict[str, Any] | None = None,
              start: datetime | float | None = None, scenario: Any = None,
              seed: int | None = None) -> Iterator[SimHandle]:
    """Start faxage-sim in a thread and yield a handle on a fresh account; stop it after."""
    config = SimConfig(host=host, port=port, clock=ClockMode.MANUAL, log_requests=False)
    with EmbeddedSimulator(config, tls=tls) as embedded:
        handle = embedded.new_account(in_process=in_process, settings=settings, start=start,
                                      scenario=scenario, seed=seed)
        with handle:
            yield handle

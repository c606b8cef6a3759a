"""Running the app under uvicorn on a pre-bound socket, announcing the URL once ready."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator

import uvicorn
from starlette.applications import Starlette
from uvicorn.protocols.http.h11_impl import H11Protocol

from . import collector

# Seconds a connection may sit without a complete request head: a new connection that
# sends nothing, a request head that trickles in, a keep-alive connection between requests.
IDLE_TIMEOUT_SECONDS = 5


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this; without it every small answer waits ~40 ms
    # for Nagle's algorithm and delayed ACKs.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def base_url(sock: socket.socket, scheme: str = "http") -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}"


class AnnouncingServer(uvicorn.Server):
    """A uvicorn server that calls `on_ready` once it accepts connections."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.should_exit:
            self._on_ready()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """Live dashboard streams and held faulted answers (hang, latency, drip) end at once:
        stopping never waits for a client to give up."""
        state = getattr(getattr(self.config.app, "state", None), "faxage", None)
        if state is not None:
            state.closing()
        from ..endpoints.faulted import cut_held

        cut = cut_held()
        if cut:
            print(f"faxage-sim: stopping: cut {cut} request(s) a fault was holding "
                  "(hang, latency or slow drip)", file=sys.stderr, flush=True)
        await super().shutdown(sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """SIGINT/SIGTERM stop the server and the process exits 0.

        uvicorn re-raises the signal after shutting down, so the process would die by it
        (exit status -15); CI scripts that stop the emulator want a plain success.
        """
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self._stop_on_signal) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _stop_on_signal(self, signum: int, frame: object) -> None:
        if self.should_exit and signum == signal.SIGINT:
            # A second Ctrl-C: stop now, and quietly (the requests still running are
            # cancelled; their CancelledErrors are no news to the person who asked).
            self.force_exit = True
            for name in ("uvicorn.error", "asyncio"):
                logging.getLogger(name).disabled = True
        self.should_exit = True


class IdleTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, with its keep-alive timer also running while a request head
    is awaited.

    uvicorn arms `timeout_keep_alive` only after a response, and cancels it on any byte: a
    connection that never sends a request, or sends its head a byte at a time, would stay
    open for ever. Here the timer runs from the moment the connection opens (and again after
    each response) until a whole request head has arrived; then the request runs untimed.
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler)

    def data_received(self, data: bytes) -> None:
        # Unlike uvicorn, a byte does not stop the timer: handle_events does, once the
        # request head is complete (h11.Request).
        self.conn.receive_data(data)
        self.handle_events()


def uvicorn_config(app: Starlette, **extra: object) -> uvicorn.Config:
    """`lifespan="off"` in `extra` when the caller starts and stops the AppState (embedded);
    `timeout_keep_alive` (seconds) overrides IDLE_TIMEOUT_SECONDS."""
    options: dict[str, object] = {"lifespan": "on", "http": IdleTimeoutProtocol,
                                  "timeout_keep_alive": IDLE_TIMEOUT_SECONDS, **extra}
    return uvicorn.Config(app, log_level="warning", access_log=False,
                          server_header=False, date_header=True, **options)  # type: ignore[arg-type]


def serve(app: Starlette, sock: socket.socket, ready_line: str,
          on_ready: Callable[[], None] | None = None, **extra: object) -> None:
    def announce() -> None:
        collector.release()  # start-up is over: what it built is frozen, then collected again
        print(ready_line, flush=True)
        if on_ready is not None:
            on_ready()
        sys.stdout.flush()

    server = AnnouncingServer(uvicorn_config(app, **extra), announce)
    server.run(sockets=[sock])

"""The emulator on a real socket (uvicorn in a thread), for tests that need real concurrency."""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

from starlette.applications import Starlette

from faxage_sim.server.runner import AnnouncingServer, base_url, bind_socket, uvicorn_config

from .helpers import DEADLINE


class LiveServer:
    def __init__(self, app: Starlette, **config: object) -> None:
        """`config`: uvicorn settings over the emulator's own (`timeout_keep_alive=1`)."""
        self.sock = bind_socket("127.0.0.1", 0)
        self.url = base_url(self.sock)
        # AnnouncingServer: leaves signals alone off the main thread, and ends the
        # dashboard's live streams when it shuts down.
        self.server = AnnouncingServer(uvicorn_config(app, **config), lambda: None)
        self.thread = threading.Thread(
            target=lambda: asyncio.run(self.server.serve(sockets=[self.sock])), daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the live server did not start")
            self.thread.join(0.005)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.server.should_exit = True
        self.thread.join(DEADLINE)
        self.sock.close()

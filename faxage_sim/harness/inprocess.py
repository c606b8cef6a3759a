"""httpx transports that reach the emulator's app in-process: no socket at all.

The app always runs on its own event loop (the embedded simulator's thread), because the
simulator is single-threaded and its clock driver and callback deliveries live on that loop.
Each request is handed to `httpx.ASGITransport` on that loop and the answer handed back, so a
synchronous `httpx.Client` and an `httpx.AsyncClient` on any other loop both work.
"""

from __future__ import annotations

import asyncio
import json as json_module
import threading
from collections.abc import Coroutine, Mapping, MutableMapping
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
from starlette.types import ASGIApp

# What the journal shows as the client of an in-process request.
IN_PROCESS_CLIENT = ("127.0.0.1", 0)
# A host that cannot resolve (RFC 2606), so a client that forgot the transport fails loudly.
IN_PROCESS_URL = "http://faxage-sim.test"
IN_PROCESS_SERVER = ("faxage-sim.test", 80)

T = TypeVar("T")
_Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


class AppBridge:
    """Runs ASGI requests on the app's loop, from any thread or loop."""

    def __init__(self, app: ASGIApp, loop: asyncio.AbstractEventLoop,
                 loop_thread: threading.Thread) -> None:
        self.loop = loop
        self.loop_thread = loop_thread
        self._app = app
        # App exceptions are mapped in `forward` to what a socket client would see.
        self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=True,
                                         client=IN_PROCESS_CLIENT)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coro` on the app's loop and wait for its result (not from that loop)."""
        if threading.current_thread() is self.loop_thread:
            coro.close()
            raise RuntimeError("faxage-sim: a blocking call from the simulator's own loop")
        if self.loop.is_closed() or not self.loop.is_running():
            coro.close()
            raise RuntimeError("faxage-sim: the embedded simulator is not running")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def forward(self, request: httpx.Request) -> _Answer:
        """One request through the app, failing as it would over a socket.

        Injected wire faults (faults/) reach an in-process client as httpx's own errors:
        a reset as `ReadError`, a hang as `ReadTimeout`, a body cut short as
        `RemoteProtocolError`. Any other app error is an HTTP 500, as uvicorn answers it.
        """
        try:
            response = await self._asgi.handle_async_request(request)
            content = await response.aread()
        except ConnectionResetError as exc:
            raise httpx.ReadError(str(exc), request=request) from exc
        except TimeoutError as exc:
            raise httpx.ReadTimeout(str(exc), request=request) from exc
        except Exception:
            return 500, [(b"content-type", b"text/plain; charset=utf-8")], (
                b"Internal Server Error")
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > len(content):
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body "
                f"(received {len(content)} bytes, expected {declared})", request=request)
        return response.status_code, list(response.headers.raw), content

    def answer(self, request: httpx.Request, answer: _Answer) -> httpx.Response:
        status, headers, content = answer
        return httpx.Response(status, headers=headers, content=content, request=request)


    async def drive(self, method: str, path: str, query: bytes, body: bytes,
                    headers: list[tuple[bytes, bytes]]) -> _Answer:
        """One request straight into the app, without httpx: the control plane's path."""
        return await call_app(self._app, method, path, query, body, headers)


async def call_app(app: ASGIApp, method: str, path: str, query: bytes = b"", body: bytes = b"",
                   headers: list[tuple[bytes, bytes]] | None = None, *,
                   raw_path: bytes | None = None,
                   client: tuple[str, int] = IN_PROCESS_CLIENT,
                   server: tuple[str, int] = IN_PROCESS_SERVER) -> _Answer:
    """One HTTP request straight into an ASGI app (no httpx, no socket): (status, headers,
    body). The client stays connected until the answer is complete, as over a socket."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "method": method, "scheme": "http", "path": path,
        "raw_path": raw_path if raw_path is not None
        else path.encode("utf-8", "surrogateescape"),
        "query_string": query, "root_path": "", "headers": headers or [],
        "client": client, "server": server,
    }
    status, out_headers, chunks = 500, [], []
    finished = asyncio.Event()
    body_sent = False

    async def receive() -> dict[str, Any]:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status, out_headers
        if message["type"] == "http.response.start":
            status, out_headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                finished.set()

    await app(scope, receive, send)
    finished.set()
    return status, out_headers, b"".join(chunks)


class InProcessControl:
    """The `/_sim/` control plane in-process, for `SimHandle` (a `ControlChannel`)."""

    def __init__(self, bridge: AppBridge, token: str | None = None) -> None:
        self._bridge = bridge
        # The guard refuses a request without Host (HTTP/1.0): name the in-process host.
        self._headers = [(b"host", IN_PROCESS_SERVER[0].encode()),
                         (b"content-type", b"application/json")]
        if token:
            self._headers.append((b"x-faxage-sim-token", token.encode()))

    def request(self, method: str, path: str, *, json: Any = None,
                params: Mapping[str, str] | None = None) -> tuple[int, Any]:
        body = b"" if json is None else json_module.dumps(json).encode()
        query = urlencode(params).encode() if params else b""
        status, _, content = self._bridge.run(self._bridge.drive(
            method, path, query, body, list(self._headers)))
        try:
            return status, json_module.loads(content) if content else None
        except ValueError:
            return status, content.decode("utf-8", "replace")

    def close(self) -> None:
        pass  # nothing held: the bridge belongs to the embedded simulator


class InProcessTransport(httpx.BaseTransport):
    """For `httpx.Client(transport=...)`."""

    def __init__(self, bridge: AppBridge, token: str | None = None) -> None:
        self._bridge = bridge
        self._headers = [(b"content-type", b"application/json")]
        if token:
            self._headers.append((b"x-faxage-sim-token", token.encode()))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # a ByteStream afterwards: iterable from the loop too
        return self._bridge.answer(request, self._bridge.run(self._bridge.forward(request)))


class AsyncInProcessTransport(httpx.AsyncBaseTransport):
    """For `httpx.AsyncClient(transport=...)`, on the app's loop or any other."""

    def __init__(self, bridge: AppBridge, token: str | None = None) -> None:
        self._bridge = bridge
        self._headers = [(b"content-type", b"application/json")]
        if token:
            self._headers.append((b"x-faxage-sim-token", token.encode()))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        bridge = self._bridge
        if asyncio.get_running_loop() is bridge.loop:
            return bridge.answer(request, await bridge.forward(request))
        future = asyncio.run_coroutine_threadsafe(bridge.forward(request), bridge.loop)
        return bridge.answer(request, await asyncio.wrap_future(future))

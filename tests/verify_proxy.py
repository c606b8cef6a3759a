"""A real answer-altering proxy: a small HTTP server on 127.0.0.1 that forwards every request
to an upstream emulator and changes its answer one way on the way back, as something between
a client and FAXAGE might (a trailing newline, CRLF, another content type, a 500, a lost
space) — or never finishes it (a body that does not end, a drip).

    with emulator() as upstream, AlteringProxy(upstream.url, alter).serve() as proxy:
        faxage-sim verify --url proxy.url ...
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qsl

import httpx
from starlette.types import Receive, Scope, Send

from faxage_sim.core.clock import ClockMode
from faxage_sim.server.app import create_app
from faxage_sim.server.config import SimConfig

from .live import LiveServer

RawHeaders = list[tuple[bytes, bytes]]
# (path, form, status, headers, body) -> (status, headers, body)
Alteration = Callable[[str, dict[str, str], int, RawHeaders, bytes],
                      tuple[int, RawHeaders, bytes]]
# (path, form) -> a body that replaces the answer's, sent as it is produced; None: unchanged
Stream = Callable[[str, dict[str, str]], AsyncIterator[bytes] | None]


def unchanged(path: str, form: dict[str, str], status: int, headers: RawHeaders,
              body: bytes) -> tuple[int, RawHeaders, bytes]:
    return status, headers, body


def emulator() -> LiveServer:
    return LiveServer(create_app(SimConfig(clock=ClockMode.MANUAL)))


class AlteringProxy:
    """An ASGI app that forwards to `upstream` and alters the answer (served by uvicorn on a
    real socket with `serve()`)."""

    def __init__(self, upstream: str, alter: Alteration = unchanged,
                 stream: Stream | None = None) -> None:
        self.upstream, self.alter, self.stream = upstream, alter, stream
        self.client: httpx.AsyncClient | None = None

    def serve(self) -> LiveServer:
        return LiveServer(self, lifespan="on")  # type: ignore[arg-type]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path = scope["path"]
        form = dict(parse_qsl(body.decode("latin-1")))
        replacement = self.stream(path, form) if self.stream is not None else None
        if replacement is not None:
            await self._stream(replacement, receive, send)
            return
        if self.client is None:
            self.client = httpx.AsyncClient(base_url=self.upstream)
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in (b"host",)]
        query = scope.get("query_string", b"")
        answer = await self.client.request(
            scope["method"], path + (f"?{query.decode()}" if query else ""), content=body,
            headers=headers)
        passed = [(k, v) for k, v in answer.headers.raw
                  if k.lower() not in (b"content-length", b"transfer-encoding", b"connection",
                                       b"date", b"server")]
        status, passed, content = self.alter(path, form, answer.status_code, passed,
                                             answer.content)
        passed.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": passed})
        await send({"type": "http.response.body", "body": content})

    async def _stream(self, body: AsyncIterator[bytes], receive: Receive, send: Send) -> None:
        """Send `body` until it ends or the client goes away (uvicorn drops what is sent
        after a disconnect without a word, so the disconnect is watched for)."""
        gone = asyncio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        watcher = asyncio.create_task(watch())
        try:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"text/html; charset=UTF-8")]})
            async for chunk in body:
                if gone.is_set():
                    return
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            watcher.cancel()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message: dict[str, Any] = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.client is not None:
                    await self.client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return


# --- alterations -------------------------------------------------------------------------


def on(operation: str | None, change: Alteration, path: str | None = None) -> Alteration:
    """`change` only for answers to `operation` (None: every answer) at `path` (None: any)."""
    def alter(at: str, form: dict[str, str], status: int, headers: RawHeaders,
              body: bytes) -> tuple[int, RawHeaders, bytes]:
        if (path is None or at == path) and (operation is None
                                              or form.get("operation") == operation):
            return change(at, form, status, headers, body)
        return status, headers, body
    return alter


def body_change(change: Callable[[bytes], bytes]) -> Alteration:
    return lambda at, form, status, headers, body: (status, headers, change(body))


def content_type(value: str) -> Alteration:
    def alter(at: str, form: dict[str, str], status: int, headers: RawHeaders,
              body: bytes) -> tuple[int, RawHeaders, bytes]:
        kept = [(k, v) for k, v in headers if k.lower() != b"content-type"]
        return status, [*kept, (b"content-type", value.encode())], body
    return alter


def status_code(value: int) -> Alteration:
    return lambda at, form, status, headers, body: (value, headers, body)


async def endless(chunk: bytes = b"0" * 65536) -> AsyncIterator[bytes]:
    """A body that never ends (it stops when the client goes away)."""
    while True:
        yield chunk
        await asyncio.sleep(0)


async def drip(every: float = 0.05) -> AsyncIterator[bytes]:
    """One byte at a time, forever: never a read timeout, never an end."""
    while True:
        yield b"0"
        await asyncio.sleep(every)

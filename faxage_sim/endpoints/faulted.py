"""Injected faults on the wire: which fault hits a request, and delivering it over ASGI.

`serve_protocol` asks `front_fault` as a request arrives (ERR01 and HTTP faults); operations
ask `operation_fault` once their own checks pass (ERR13/15/21/23). A fault that breaks the
transport is sent by `FaultedResponse`: a latency, a hang until the client goes away, a
connection reset, a body cut short, or a slow drip of the body.

Reset and truncation need the connection itself. Under uvicorn (what `faxage-sim serve` and
the pytest plugin run) it is reached through the server's `receive` callable; elsewhere (an
in-process test client) a reset raises `ConnectionResetError` into the caller and a truncated
body simply ends early.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import socket
import struct
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ..faults import DEFAULT_HANG_MAX, Firing, ProtocolError, RequestFacts
from ..wire import catalog
from ..wire.forms import PhpPost, print_r

if TYPE_CHECKING:
    from ..journal import JournalEntry
    from ..state import AppState
    from .base import Answer, Journaling, OpContext

UPPER_CASE_PATHS = frozenset({"/httpsfax.php", "/httpsfax-debug.php"})
DEBUG_PATH = "/httpsfax-debug.php"


@dataclass
class RequestScope:
    facts: RequestFacts
    notes: Journaling
    post: PhpPost


_current: contextvars.ContextVar[RequestScope | None] = contextvars.ContextVar(
    "faxage_sim_request", default=None)


def request_facts(state: AppState, path: str, post: PhpPost) -> RequestFacts:
    company = post.get_str("company")
    accounts = state.sim.accounts
    account = accounts.get(company) if company is not None else None
    if account is None and accounts:
        account = next(iter(accounts.values()))
    return RequestFacts(path=path, operation=post.get_str("operation"), company=company,
                        destination=(post.get_str("faxno") or "").strip() or None,
                        now=account.now() if account is not None else None)


def enter(scope: RequestScope) -> contextvars.Token[RequestScope | None]:
    return _current.set(scope)


def leave(token: contextvars.Token[RequestScope | None]) -> None:
    _current.reset(token)


def front_fault(state: AppState, facts: RequestFacts) -> Firing | None:
    if not state.faults.faults:
        return None
    return state.faults.front(facts)


def operation_fault(ctx: OpContext, error: ProtocolError) -> bool:
    """Does an injected `error` hit this operation now? Records it for the journal."""
    scope = _current.get()
    if scope is None or not ctx.state.faults.faults:
        return False
    facts = scope.facts
    if facts.company != ctx.account.company:
        facts = RequestFacts(facts.path, facts.operation, ctx.account.company,
                             facts.destination, facts.now)
    firing = ctx.state.faults.at_operation(facts, error)
    if firing is None:
        return False
    record(scope.notes, firing)
    return True


def record(notes: Journaling, firing: Firing) -> None:
    notes.fault = firing.label
    notes.fault_effect = firing.describe()
    notes.fault_id = firing.fault.id


def outage_text(path: str, post: PhpPost) -> str:
    """ERR01 in the casing of the URL; the debug URL dumps the POST first, as PHP would."""
    text = catalog.ERR01_DATABASE if path in UPPER_CASE_PATHS else catalog.LC_ERR01_DATABASE
    return print_r(post) + text if path == DEBUG_PATH else text


def error_page(status: int, server: str | None) -> tuple[str, str]:
    """(body, content type) of an HTTP fault's answer."""
    if status == 500 and server != "nginx":
        return catalog.PHP_FATAL_ERROR_BODY, catalog.TEXT_CONTENT_TYPE
    return catalog.nginx_error_page(status), catalog.NGINX_CONTENT_TYPE


def replacement_answer(firing: Firing, path: str, post: PhpPost) -> Answer:
    """The answer the client gets instead of the real one (ERR01 or an error page)."""
    from .base import Answer

    spec = firing.spec
    if spec.error is ProtocolError.ERR01:
        body = outage_text(path, post)
        return Answer(body, outcome="error 01")
    if spec.status is not None:
        body, content_type = error_page(spec.status, spec.server)
        return Answer(body, status=spec.status, outcome=f"HTTP {spec.status}",
                      headers={"content-type": content_type})
    return Answer("", outcome="no answer")  # a hang or reset: nothing is ever sent


def needs_wire(firing: Firing) -> bool:
    spec = firing.spec
    return firing.latency > 0 or spec.hang or spec.reset or spec.truncate \
        or spec.drip is not None


# The faulted answers now holding a connection (latency, hang, drip): `cut_held` ends them when
# the server stops, so stopping never waits for a client to give up.
HELD: set[FaultedResponse] = set()


def cut_held() -> int:
    """End every held answer of this event loop at once (connections closed); how many."""
    loop = asyncio.get_running_loop()
    held = [r for r in HELD if r.loop is loop]
    for response in held:
        response.cut()
    return len(held)


class FaultedResponse(Response):
    """Sends (or withholds) an answer the way the fault says; notes how it went."""

    loop: asyncio.AbstractEventLoop | None = None

    def __init__(self, response: Response, firing: Firing, entry: JournalEntry,
                 started: float) -> None:
        super().__init__(response.body, status_code=response.status_code)
        self.raw_headers = response.raw_headers
        self.firing = firing
        self.entry = entry
        self.started = started

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        spec = self.firing.spec
        self.loop = asyncio.get_running_loop()
        self._cut = asyncio.Event()
        self._transport = _transport(receive)
        HELD.add(self)
        try:
            if self.firing.latency > 0 and not await self._pause(self.firing.latency):
                return
            if spec.hang:
                await self._hang(receive)
            elif spec.reset:
                await self._reset(receive)
            elif spec.truncate:
                await self._truncate(receive, send)
            elif spec.drip is not None:
                await self._drip(send, spec.drip.chunk_bytes, spec.drip.interval)
            else:
                await super().__call__(scope, receive, send)
        finally:
            HELD.discard(self)
            self.entry.duration_ms = (time.perf_counter() - self.started) * 1000

    def cut(self) -> None:
        """The server is stopping: close the connection and stop waiting."""
        self.entry.extra["cut_at_shutdown"] = True
        self._cut.set()
        if self._transport is not None:
            self._transport.abort()

    async def _pause(self, seconds: float) -> bool:
        """Wait `seconds` (real time); False if the answer was cut meanwhile."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._cut.wait()
        if self._cut.is_set():
            await _let_server_notice()
            return False
        return True

    async def _hang(self, receive: Receive) -> None:
        """Answer nothing until the client disconnects (or, at most, `hang_max`)."""
        given = self.firing.spec.hang_max
        if given is None and _transport(receive) is None:
            # In-process there is no connection for the client to give up on: it would
            # wait for DEFAULT_HANG_MAX. Say so at once; `hang: <duration>` waits that long.
            self.entry.extra["hang_ended"] = "in-process: no connection to hang"
            raise TimeoutError("faxage-sim fault: the request hangs (in-process, no client "
                               "timeout can end it; give the fault a duration: hang: 2s)")
        limit = given if given is not None else DEFAULT_HANG_MAX
        try:
            async with asyncio.timeout(limit):
                while (await receive())["type"] != "http.disconnect":
                    pass
            self.entry.extra["client_gave_up_after_s"] = round(
                time.perf_counter() - self.started, 3)
        except TimeoutError:
            self.entry.extra["hang_ended"] = f"closed after {limit:g}s"
            await self._reset(receive)

    async def _reset(self, receive: Receive) -> None:
        transport = _transport(receive)
        if transport is None:
            raise ConnectionResetError("faxage-sim fault: connection reset by peer")
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                # Linger 0: close with a TCP RST rather than an orderly FIN.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
        await _let_server_notice()

    async def _truncate(self, receive: Receive, send: Send) -> None:
        body = self.body
        keep = self.firing.spec.truncate_keep
        kept = body[: len(body) // 2 if keep is None else min(keep, max(0, len(body) - 1))]
        self.entry.extra["body_bytes_sent"] = len(kept)
        self.entry.extra["body_bytes_declared"] = len(body)
        await send({"type": "http.response.start", "status": self.status_code,
                    "headers": self.raw_headers})
        transport = _transport(receive)
        if transport is None:
            await send({"type": "http.response.body", "body": kept, "more_body": False})
            return
        await send({"type": "http.response.body", "body": kept, "more_body": True})
        transport.close()  # flushes what was written, then closes: the rest never comes
        await _let_server_notice()

    async def _drip(self, send: Send, chunk: int, interval: float) -> None:
        await send({"type": "http.response.start", "status": self.status_code,
                    "headers": self.raw_headers})
        body = self.body
        for offset in range(0, len(body), max(1, chunk)):
            last = offset + chunk >= len(body)
            await send({"type": "http.response.body", "body": body[offset:offset + chunk],
                        "more_body": not last})
            if not last and not await self._pause(interval):
                return
        if not body:
            await send({"type": "http.response.body", "body": b"", "more_body": False})


def _transport(receive: Receive) -> asyncio.Transport | None:
    """The connection under uvicorn: its `receive` is a method of the request cycle."""
    cycle: Any = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    return transport if isinstance(transport, asyncio.Transport) else None


async def _let_server_notice() -> None:
    # The server learns of the closed connection on a later loop turn; returning before it
    # does would make it log an incomplete response as an application error.
    for _ in range(3):
        await asyncio.sleep(0)

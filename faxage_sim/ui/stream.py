"""The dashboard's one live stream: Server-Sent Events fed by the emulator's event bus.

One `LiveHub` per emulator subscribes to the event bus and to the request journal once, and
only while some dashboard is open. An event costs the emulator a set insertion: streams wake
on a flag, and send at most one `change` message per `MIN_INTERVAL` (naming the kinds of
what happened), so three open dashboards never slow the fax API down. The page then fetches
what it shows again (one request per change message, not a polling loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import weakref
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

if TYPE_CHECKING:
    from ..core.events import SimEvent
    from ..server.journal import JournalEntry
    from ..server.state import AppState

MIN_INTERVAL = 0.5  # real seconds between two change messages of one stream
KEEPALIVE = 15.0  # real seconds: a comment line keeps proxies from closing an idle stream
RETRY_MS = 1000  # the browser reconnects this soon after a lost stream
# Open streams per emulator: each costs a wake-up per change and a task at shutdown, so 5,000
# of them slowed every API answer (3 ms to 310 ms) and SIGTERM (3.3 s). One more is refused
# with 503 and a JSON error (docs/limits.md); a dashboard tab holds one.
MAX_STREAMS = 32
BUSY_RETRY_MS = 30_000  # a stream refused after its answer started: try again much later


class LiveHub:
    def __init__(self, state: AppState) -> None:
        self.state = state
        self.loop = asyncio.get_running_loop()
        self.version = 0
        self.kinds: set[str] = set()  # since the last wake-up
        self.last_kinds: list[str] = []
        self.streams: set[asyncio.Event] = set()
        self.closed = False
        self._unsubscribe: Callable[[], None] | None = None
        self._wake_scheduled = False
        state.closing_hooks.append(self.close)

    # --- observers (called on the emulator's loop, or from a thread in-process) ----------

    def _event(self, event: SimEvent) -> None:
        self._changed(event.kind)

    def _request(self, entry: JournalEntry) -> None:
        self._changed("request")

    def _changed(self, kind: str) -> None:
        self.kinds.add(kind)
        if self._wake_scheduled:
            return
        self._wake_scheduled = True
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self.loop.call_soon(self._wake)
        else:
            self.loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        self._wake_scheduled = False
        self.version += 1
        self.last_kinds, self.kinds = sorted(self.kinds), set()
        for flag in self.streams:
            flag.set()

    # --- streams -----------------------------------------------------------------------

    def _attach(self, flag: asyncio.Event) -> None:
        if not self.streams:
            self._unsubscribe = self.state.sim.bus.subscribe(self._event)
            self.state.request_observers.append(self._request)
        self.streams.add(flag)

    def _detach(self, flag: asyncio.Event) -> None:
        self.streams.discard(flag)
        if not self.streams:
            if self._unsubscribe is not None:
                self._unsubscribe()
                self._unsubscribe = None
            with contextlib.suppress(ValueError):
                self.state.request_observers.remove(self._request)

    def close(self) -> None:
        """The server is stopping: end every stream now."""
        self.closed = True
        for flag in self.streams:
            self.loop.call_soon_threadsafe(flag.set)

    @property
    def full(self) -> bool:
        return len(self.streams) >= MAX_STREAMS

    async def messages(self) -> AsyncIterator[str]:
        if self.full:  # streams that passed `events` together: the cap holds all the same
            yield f"retry: {BUSY_RETRY_MS}\nevent: busy\ndata: {{}}\n\n"
            return
        flag = asyncio.Event()
        self._attach(flag)
        try:
            yield f"retry: {RETRY_MS}\nevent: hello\ndata: {json.dumps({'v': self.version})}\n\n"
            while not self.closed:
                try:
                    await asyncio.wait_for(flag.wait(), KEEPALIVE)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if self.closed:
                    break
                flag.clear()
                data = json.dumps({"v": self.version, "kinds": self.last_kinds})
                yield f"event: change\ndata: {data}\n\n"
                # Coalesce: whatever happens in the next moment goes out as one message.
                await asyncio.sleep(MIN_INTERVAL)
        finally:
            self._detach(flag)


_HUBS: weakref.WeakKeyDictionary[AppState, LiveHub] = weakref.WeakKeyDictionary()


def hub_of(state: AppState) -> LiveHub:
    hub = _HUBS.get(state)
    if hub is None or hub.closed:
        hub = _HUBS[state] = LiveHub(state)
    return hub


async def events(request: Request) -> Response:
    state: AppState = request.app.state.faxage
    hub = hub_of(state)
    if hub.full:
        return JSONResponse(
            {"error": f"too many live streams open (at most {MAX_STREAMS}); close a dashboard "
                      "tab or try again later"},
            status_code=503, headers={"Retry-After": "30", "Cache-Control": "no-store"})
    return StreamingResponse(hub.messages(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

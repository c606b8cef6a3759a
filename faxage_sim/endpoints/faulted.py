"""The fault gate: which injected fault hits a request, and sending the answer its way.

`serve_protocol` makes one `FaultGate` per request, and only while a fault is in force
(otherwise the request passes `base.NO_FAULTS`, which lets everything through). The gate is
asked as the request arrives (ERR01 and HTTP faults: `before`), again once the handler has
answered (`after`: an effect that replaces even a processed request's answer), by operations
once their own checks pass (`at_operation`: ERR13/15/21/23), and last for the response
(`respond`: latency and the effects delivered on the wire). What each effect does is its
class in `faults.effects.EFFECTS`; nothing here knows one effect from another.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Protocol

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ..faults.effects import Replacement, let_server_notice, transport_of
from ..faults.matching import Firing, RequestFacts
from ..faults.spec import ProtocolError
from ..wire.forms import PhpPost

if TYPE_CHECKING:
    from ..faults.matching import FaultBook
    from ..server.journal import JournalEntry
    from ..server.state import AppState


class FaultNotes(Protocol):
    """Where the journal learns which fault hit the request (`base.Journaling`)."""

    fault: str | None
    fault_effect: str | None
    fault_id: int | None


class FaultGate:
    """The faults of one request."""

    def __init__(self, state: AppState, path: str, post: PhpPost, notes: FaultNotes) -> None:
        self.book: FaultBook = state.faults
        self.path, self.post, self.notes = path, post, notes
        company = post.get_str("company")
        accounts = state.sim.accounts
        account = accounts.get(company) if company is not None else None
        if account is None and accounts:
            account = next(iter(accounts.values()))
        self.facts = RequestFacts(path=path, operation=post.get_str("operation"),
                                  company=company,
                                  destination=(post.get_str("faxno") or "").strip() or None,
                                  now=account.now() if account is not None else None)
        self.firing: Firing | None = self.book.front(self.facts)
        if self.firing is not None:
            self._record(self.firing)

    def before(self) -> Replacement | None:
        """The answer instead of the service's, when the fault keeps the request from it."""
        firing = self.firing
        if firing is None or firing.spec.reaches_service:
            return None
        return self._replacement(firing)

    def after(self) -> Replacement | None:
        """The answer instead of the service's, when the fault replaces it even so."""
        firing = self.firing
        if firing is None or not firing.spec.replaces_answer:
            return None
        return self._replacement(firing)

    def at_operation(self, company: str, error: str) -> bool:
        """Does an injected `error` hit this operation now? Recorded for the journal."""
        facts = self.facts
        if facts.company != company:
            facts = RequestFacts(facts.path, facts.operation, company, facts.destination,
                                 facts.now)
        firing = self.book.at_operation(facts, ProtocolError(error))
        if firing is None:
            return False
        self._record(firing)
        return True

    def respond(self, response: Response, entry: JournalEntry, started: float) -> Response:
        firing = self.firing
        if firing is None or not (firing.latency > 0 or firing.spec.on_wire):
            return response
        return FaultedResponse(response, firing, entry, started)

    def _replacement(self, firing: Firing) -> Replacement:
        effect = firing.spec.effect
        assert effect is not None  # only an effect replaces an answer
        return effect.replacement(firing.spec, self.path, self.post)

    def _record(self, firing: Firing) -> None:
        self.notes.fault = firing.label
        self.notes.fault_effect = firing.describe()
        self.notes.fault_id = firing.fault.id


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
    """Sends (or withholds) an answer the way the fault's effect says; notes how it went."""

    loop: asyncio.AbstractEventLoop | None = None

    def __init__(self, response: Response, firing: Firing, entry: JournalEntry,
                 started: float) -> None:
        super().__init__(response.body, status_code=response.status_code)
        self.raw_headers = response.raw_headers
        self.payload = bytes(response.body)
        self.firing = firing
        self.entry = entry
        self.extra = entry.extra
        self.started = started

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        spec = self.firing.spec
        effect = spec.effect
        self.loop = asyncio.get_running_loop()
        self._cut = asyncio.Event()
        self._transport = transport_of(receive)
        HELD.add(self)
        try:
            if self.firing.latency > 0 and not await self.pause(self.firing.latency):
                return
            if effect is not None and effect.on_wire:
                await effect.deliver(spec, self, receive, send)
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

    async def pause(self, seconds: float) -> bool:
        """Wait `seconds` (real time); False if the answer was cut meanwhile."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._cut.wait()
        if self._cut.is_set():
            await let_server_notice()
            return False
        return True

"""Delivers due callbacks over real HTTP, without ever blocking an API answer.

Due attempts are taken from the core's `DeliveryBook.ready` and POSTed as form fields with
`httpx`; each result goes back to the book, which records it and schedules any retry on the
simulated clock.

A receiver is a peer, and a peer may drip, never end its answer, or send gigabytes. So an
attempt has one *total* deadline (the policy's `timeout_seconds`, not httpx's per-read
timeout, which a byte every few seconds never trips), and at most `MAX_ANSWER_BYTES` of the
answer's body are read before the connection is closed: the status line decides the
attempt's outcome, the body is read only so a short answer leaves a reusable connection.
Clock advances wait for deliveries at most `state.SETTLE_WAIT_SECONDS`; a slower delivery
goes on in the background and is recorded (and retried by policy) when it ends.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, Final

from ..core.deliveries import MAYBE_RECEIVED
from ..server.background import BackgroundTasks, running_loop

if TYPE_CHECKING:
    import httpx

    from ..core.deliveries import Delivery
    from ..core.simulator import Simulator

USER_AGENT = "FAXAGE-callback (faxage-sim)"
# Of a receiver's answer body, at most this many bytes are read (then the connection closes).
MAX_ANSWER_BYTES: Final = 4096
NOT_RECEIVED = "connect timed out (not received)"
# The request was written, then the total deadline passed with no complete status line.
_SENT_EVENTS: Final = frozenset({"http11.send_request_body.complete",
                                 "http2.send_request_body.complete"})


class CallbackDispatcher:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self._client: httpx.AsyncClient | None = None
        self._tasks = BackgroundTasks()
        sim.deliveries.on_ready = self.kick

    def _http(self) -> httpx.AsyncClient:
        import httpx  # imported on the first callback: start-up stays lean

        from ..control.guard import outgoing_headers

        if self._client is None:
            # trust_env=False: a proxy set for the test runner must not swallow callbacks.
            # The outgoing mark: the emulator's own /_sim/ refuses it (docs/security.md).
            self._client = httpx.AsyncClient(
                trust_env=False, follow_redirects=False,
                headers={"user-agent": USER_AGENT, **outgoing_headers()})
        return self._client

    def kick(self) -> None:
        """Start every due delivery (called from the event loop's thread)."""
        if running_loop() is None:
            return  # no loop (pure core use): deliveries wait for `settle`
        ready = self.sim.deliveries.ready
        while ready:
            delivery, at = ready.popleft()
            self._tasks.spawn(self._deliver(delivery, at))

    async def settle(self, deadline: float | None = None) -> None:
        """Wait until no delivery is due or in flight, or until the loop time `deadline`
        (later deliveries go on in the background)."""
        await self._tasks.drain(self.kick, deadline)

    async def _deliver(self, delivery: Delivery, at: float) -> None:
        import httpx

        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        sent = False

        async def trace(event: str, info: dict[str, Any]) -> None:
            nonlocal sent
            if event in _SENT_EVENTS:
                sent = True

        try:
            async with asyncio.timeout(delivery.timeout_seconds):
                async with self._http().stream(
                        "POST", delivery.url, data=delivery.fields,
                        timeout=delivery.timeout_seconds,
                        extensions={"trace": trace}) as response:
                    status = response.status_code
                    read = 0
                    async for chunk in response.aiter_raw():
                        read += len(chunk)
                        if read >= MAX_ANSWER_BYTES:
                            break  # enough: closing the stream drops the connection
        except TimeoutError:  # the total deadline (asyncio's)
            if status is None:
                error = MAYBE_RECEIVED if sent else NOT_RECEIVED
            # else: the status line came in time, only the body did not end: it counts.
        except (httpx.ConnectTimeout, httpx.PoolTimeout):
            error = NOT_RECEIVED
        except httpx.TimeoutException:  # the request went out; the answer did not come back
            if status is None:
                error = MAYBE_RECEIVED
        except httpx.HTTPError as exc:
            if status is None:
                error = (f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)[:500]
        except Exception as exc:  # a malformed URL and the like: recorded, never raised
            error = f"{type(exc).__name__}: {exc}"[:500]
        duration_ms = (time.perf_counter() - started) * 1000
        account = self.sim.accounts.get(delivery.company)
        self.sim.deliveries.record_attempt(account, delivery, at, status, error, duration_ms)

    async def aclose(self) -> None:
        self._tasks.cancel()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

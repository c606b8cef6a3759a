"""Delivers due callbacks over real HTTP, without ever blocking an API answer.

Due attempts are taken from the core's `DeliveryBook.ready` and POSTed as form fields with
`httpx`; each result goes back to the book, which records it and schedules any retry on the
simulated clock.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ..core.deliveries import MAYBE_RECEIVED
from ..server.background import BackgroundTasks, running_loop

if TYPE_CHECKING:
    import httpx

    from ..core.deliveries import Delivery
    from ..core.simulator import Simulator

USER_AGENT = "FAXAGE-callback (faxage-sim)"


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

    async def settle(self) -> None:
        """Wait until no delivery is due or in flight (used by clock advances)."""
        await self._tasks.drain(self.kick)

    async def _deliver(self, delivery: Delivery, at: float) -> None:
        import httpx

        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            response = await self._http().post(
                delivery.url, data=delivery.fields, timeout=delivery.timeout_seconds)
            status = response.status_code
        except (httpx.ConnectTimeout, httpx.PoolTimeout):
            error = "connect timed out (not received)"
        except httpx.TimeoutException:  # the request went out; the answer did not come back
            error = MAYBE_RECEIVED
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        except Exception as exc:  # a malformed URL and the like: recorded, never raised
            error = f"{type(exc).__name__}: {exc}"
        duration_ms = (time.perf_counter() - started) * 1000
        account = self.sim.accounts.get(delivery.company)
        self.sim.deliveries.record_attempt(account, delivery, at, status, error, duration_ms)

    async def aclose(self) -> None:
        self._tasks.cancel()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

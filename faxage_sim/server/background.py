"""Work the emulator starts without awaiting it: callbacks, emails, async URL fetches.

API answers never wait for it; clock advances do (`drain`), so a manual-clock run has
delivered everything it made due before the advance returns.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any


class BackgroundTasks:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` on the running loop, holding a reference until it ends."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def __bool__(self) -> bool:
        return bool(self._tasks)

    async def drain(self, start_due: Callable[[], None] = lambda: None,
                    deadline: float | None = None) -> None:
        """Wait until nothing is running; `start_due` starts work that became due meanwhile.

        With `deadline` (the loop's clock), wait no longer: what still runs goes on."""
        loop = asyncio.get_running_loop()
        while True:
            start_due()
            if not self._tasks:
                return
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                return
            await asyncio.wait(list(self._tasks), timeout=left)

    def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop, or None outside one (pure core use, before start-up)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None

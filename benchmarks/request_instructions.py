"""Instructions per request on the sendfax+status path, in-process (deterministic).

Drives an app's ASGI callable directly (a fake `receive`/`send`, each request a task as
uvicorn runs it, the same bodies as bench_server.py's pairs), so no socket, HTTP parser or
client is counted. Wall time on a shared machine swings by a tenth between runs; the count
of instructions does not. Run it twice under valgrind and take the difference:

    for n in 500 1500; do valgrind --tool=cachegrind --cache-sim=no \\
        --cachegrind-out-file=/dev/null .venv/bin/python benchmarks/request_instructions.py \\
        faxage-sim $n 2>&1 | grep 'I *refs'; done

(instructions per request = difference / (2 x 1000)). `bare` drives bare_app.py the same
way. The package is imported from the current directory, so a worktree of an older commit
measures its own code. After a warm-up the cyclic collector is frozen and switched off, and
the clock driver's idle polling (wall-time work, not request work) is pushed out of reach:
what is left is what each request costs.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, os.getcwd())
sys.path.insert(1, os.path.dirname(os.path.abspath(__file__)))

LOGIN = {"username": "demo", "company": "1000", "password": "demo"}
DOC = base64.b64encode(b"Hello, fax!\n" * 20).decode()
SENDFAX = urlencode({**LOGIN, "operation": "sendfax", "faxno": "3039911234",
                     "recipname": "Alice", "faxfilenames[]": "a.txt",
                     "faxfiledata[]": DOC}).encode()
STATUS_PREFIX = urlencode({**LOGIN, "operation": "status", "jobid": ""}).encode()

App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def scope(path: str, body: bytes) -> dict[str, Any]:
    """What uvicorn's h11 protocol hands the app for an httpx form POST."""
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1", "server": ("127.0.0.1", 8080),
            "client": ("127.0.0.1", 50000), "scheme": "http", "method": "POST",
            "root_path": "", "path": path, "raw_path": path.encode(), "query_string": b"",
            "headers": [(b"host", b"127.0.0.1:8080"), (b"accept", b"*/*"),
                        (b"accept-encoding", b"gzip, deflate"), (b"connection", b"keep-alive"),
                        (b"user-agent", b"python-httpx/0.27.0"),
                        (b"content-length", str(len(body)).encode()),
                        (b"content-type", b"application/x-www-form-urlencoded")],
            "state": {}}


async def post(app: App, path: str, body: bytes) -> bytes:
    """One request, run as a task as uvicorn runs it; the answer's body."""
    received = iter([{"type": "http.request", "body": body, "more_body": False}])
    answer: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return next(received)

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            answer.append(message.get("body", b""))

    await asyncio.get_running_loop().create_task(app(scope(path, body), receive, send))
    await asyncio.sleep(0)  # the loop's turn between requests, as between socket reads
    return b"".join(answer)


async def main(kind: str, pairs: int) -> None:
    if kind == "bare":
        from bare_app import app as bare

        async def pair() -> None:
            await post(bare, "/form", SENDFAX)
            await post(bare, "/form", STATUS_PREFIX + b"1")
    else:
        import faxage_sim.server.state as state_module
        from faxage_sim.core.clock import ClockMode
        from faxage_sim.server.app import create_app
        from faxage_sim.server.config import SimConfig

        state_module.MAX_DRIVER_SLEEP = 3600.0
        sim = create_app(SimConfig(clock=ClockMode.MANUAL, log_requests=False))
        await sim.state.faxage.start()

        async def pair() -> None:
            jobid = (await post(sim, "/httpsfax.php", SENDFAX)).removeprefix(b"JOBID: ")
            await post(sim, "/httpsfax.php", STATUS_PREFIX + jobid)
    for _ in range(50):
        await pair()
    gc.collect()
    gc.freeze()
    gc.disable()
    for _ in range(pairs):
        await pair()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))

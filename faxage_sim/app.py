"""The ASGI application: the FAXAGE URLs plus the `/_sim/` control plane."""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, Router
from starlette.types import Receive, Scope, Send

from .config import SimConfig
from .endpoints import httpsfax
from .state import AppState

if TYPE_CHECKING:
    from .console import ConsoleLog

log = logging.getLogger("faxage_sim")

# PHP runs the script whatever the method; a GET simply arrives with an empty $_POST.
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


Endpoint = Callable[[Request], Awaitable[Response]]


def lazy_endpoint(module: str) -> Endpoint:
    """`endpoints.<module>.endpoint`, imported on its first request (lean start-up)."""

    async def endpoint(request: Request) -> Response:
        loaded = importlib.import_module(f"{__package__}.endpoints.{module}")
        answer: Response = await loaded.endpoint(request)
        return answer

    return endpoint


def never_a_traceback(endpoint: Endpoint) -> Endpoint:
    """The last line of defence of a protocol URL: whatever escapes the endpoint is logged
    and answered with one clear line in a complete response, so the client's connection
    stays usable (an exception reaching uvicorn would drop it mid-keep-alive)."""

    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except Exception:
            from .endpoints.base import internal_error, to_response

            log.exception("faxage-sim internal error on %s", request.url.path)
            return to_response(internal_error())

    return guarded


def protocol_routes() -> list[BaseRoute]:
    def route(path: str, endpoint: Endpoint) -> Route:
        return Route(path, never_a_traceback(endpoint), methods=ANY_METHOD)

    return [
        route("/httpsfax.php", httpsfax.endpoint),
        route("/httpsfax-debug.php", httpsfax.debug_endpoint),
        route("/getcdr.php", lazy_endpoint("getcdr")),
        route("/provision.php", lazy_endpoint("provision")),
        # A 2010 client posts here (PROTOCOL.md section 1: an alias).
        route("/new_provision.php", lazy_endpoint("provision")),
    ]


class LazyControlPlane:
    """The `/_sim/` routes, imported on their first request.

    The control plane is many small modules; loading them only when first used keeps
    `faxage-sim serve` quick to its ready line (see benchmarks/bench_server.py).
    """

    def __init__(self) -> None:
        self._router: Router | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._router is None:
            from . import control

            self._router = Router(routes=control.routes())
        await self._router(scope, receive, send)


def create_app(config: SimConfig | None = None, *, state: AppState | None = None,
               console: ConsoleLog | None = None) -> Starlette:
    """Build the emulator. `state` lets a caller (the pytest plugin) keep a handle on it."""
    if state is None:
        state = AppState(config or SimConfig(), console=console)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await state.start()
        try:
            yield
        finally:
            await state.stop()

    control_plane = Route("/_sim/{rest:path}", LazyControlPlane())
    app = Starlette(routes=[*protocol_routes(), control_plane], lifespan=lifespan)
    app.state.faxage = state
    return app

"""The ASGI application: the FAXAGE URLs plus the `/_sim/` control plane."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from ..control.guard import ControlGuard, ControlMount, GuardPolicy
from ..endpoints import httpsfax
from ..endpoints.base import InertInBrowser
from .config import SimConfig
from .state import AppState

if TYPE_CHECKING:
    from .console import ConsoleLog

log = logging.getLogger("faxage_sim")

# PHP runs the script whatever the method; a GET simply arrives with an empty $_POST.
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


Endpoint = Callable[[Request], Awaitable[Response]]


# getcdr.php and provision.php import their modules on first request (lean start-up), as
# real functions so that mypy checks them and "go to definition" finds them.
async def getcdr_endpoint(request: Request) -> Response:
    from ..endpoints.getcdr import endpoint

    return await endpoint(request)


async def provision_endpoint(request: Request) -> Response:
    from ..endpoints.provision import endpoint

    return await endpoint(request)


def never_a_traceback(endpoint: Endpoint) -> Endpoint:
    """The last line of defence of a protocol URL: whatever escapes the endpoint is logged
    and answered with one clear line in a complete response, so the client's connection
    stays usable (an exception reaching uvicorn would drop it mid-keep-alive)."""

    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except Exception:
            from ..endpoints.base import internal_error, to_response

            log.exception("faxage-sim internal error on %s", request.url.path)
            return to_response(internal_error())

    return guarded


def protocol_routes() -> list[BaseRoute]:
    def route(path: str, endpoint: Endpoint) -> Route:
        return Route(path, never_a_traceback(endpoint), methods=ANY_METHOD)

    return [
        route("/httpsfax.php", httpsfax.endpoint),
        route("/httpsfax-debug.php", httpsfax.debug_endpoint),
        route("/getcdr.php", getcdr_endpoint),
        route("/provision.php", provision_endpoint),
        # A 2010 client posts here (an alias: docs/protocol.md).
        route("/new_provision.php", provision_endpoint),
    ]


def note_control_change(scope: Scope) -> None:
    """After a state-changing control or dashboard request: with --state, it is saved."""
    if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD"):
        state: AppState = scope["app"].state.faxage
        if state.persister is not None:
            state.persister.control_changed(scope["path"])


class LazyControlPlane:
    """The `/_sim/` routes, imported on their first request.

    The control plane is many small modules; loading them only when first used keeps
    `faxage-sim serve` quick to its ready line (see benchmarks/bench_server.py).
    """

    def __init__(self) -> None:
        self._router: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._router is None:
            from .. import control
            from . import control_console

            self._router = control_console.wrap(Router(routes=control.routes()))
        await self._router(scope, receive, send)
        note_control_change(scope)


class LazyDashboard:
    """The web dashboard under `/_sim/ui/`, imported on its first request (lean start-up)."""

    def __init__(self) -> None:
        self._router: Router | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._router is None:
            from .. import ui

            self._router = Router(routes=ui.routes())
        await self._router(scope, receive, send)
        note_control_change(scope)


class WithDashboard:
    """Under the guard: `/_sim/ui...` to the dashboard, every other `/_sim/` path to the JSON
    control plane."""

    def __init__(self, dashboard: ASGIApp, control_plane: ASGIApp) -> None:
        self.dashboard, self.control_plane = dashboard, control_plane

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if path == "/_sim/ui" or path.startswith("/_sim/ui/"):
            await self.dashboard(scope, receive, send)
        else:
            await self.control_plane(scope, receive, send)


async def to_dashboard(request: Request) -> Response:
    """`GET /` opens the dashboard; any other method finds nothing there, as before."""
    if request.method not in ("GET", "HEAD"):
        return PlainTextResponse("Not Found", status_code=404)
    return RedirectResponse("/_sim/ui/", status_code=307)


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

    config = state.config
    policy = GuardPolicy(enabled=config.control, token=config.control_token,
                         bound_host=config.host, allowed_hosts=config.allowed_hosts)
    # Everything under /_sim/ (the JSON routes, the dashboard under /_sim/ui/) passes the
    # guard first; "/_sim" itself too, so it answers JSON like the rest.
    inner: ASGIApp = LazyControlPlane()
    routes = protocol_routes()
    if config.ui:
        inner = WithDashboard(LazyDashboard(), inner)
        routes.append(Route("/", to_dashboard, methods=ANY_METHOD))
    routes.append(ControlMount(ControlGuard(inner, policy)))
    # Every answer outside /_sim/ gets the protocol's browser-safety headers (wire/catalog).
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(InertInBrowser)])
    app.state.faxage = state
    return app

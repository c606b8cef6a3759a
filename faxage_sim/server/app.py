"""The ASGI application: the FAXAGE URLs plus the `/_sim/` control plane."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from ..control.guard import ControlGuard, ControlMount, GuardPolicy
from ..endpoints import httpsfax
from ..endpoints.base import InertInBrowser, ProtocolResponse, inert_send
from ..wire import catalog
from .config import SimConfig
from .state import AppState

if TYPE_CHECKING:
    from .console import ConsoleLog

log = logging.getLogger("faxage_sim")

# PHP runs the script whatever the method; a GET simply arrives with an empty $_POST.
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
ANY_METHOD_SET = frozenset(ANY_METHOD)


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


def protocol_endpoints() -> dict[str, Endpoint]:
    """Each FAXAGE URL's endpoint, behind its last line of defence."""
    return {
        "/httpsfax.php": never_a_traceback(httpsfax.endpoint),
        "/httpsfax-debug.php": never_a_traceback(httpsfax.debug_endpoint),
        "/getcdr.php": never_a_traceback(getcdr_endpoint),
        "/provision.php": never_a_traceback(provision_endpoint),
        # A 2010 client posts here (an alias: docs/protocol.md).
        "/new_provision.php": never_a_traceback(provision_endpoint),
    }


def protocol_routes(endpoints: dict[str, Endpoint] | None = None) -> list[BaseRoute]:
    endpoints = protocol_endpoints() if endpoints is None else endpoints
    return [Route(path, endpoint, methods=ANY_METHOD) for path, endpoint in endpoints.items()]


class FaxageApp(Starlette):
    """Starlette, with the FAXAGE URLs answered straight from the top.

    A protocol request whose path and method its route would match goes to the route's
    endpoint directly: the same endpoint and answer, without the middleware layers and the
    route scan that cost a bare app ~15 % of a sendfax (benchmarks/bench_server.py). The
    endpoint never raises (`never_a_traceback`), which is all those layers would add. Any
    other request (the control plane, the dashboard, a mounted root path) takes the router.
    """

    protocol: dict[str, Endpoint]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path") \
                and scope["method"] in ANY_METHOD_SET:
            endpoint = self.protocol.get(scope["path"])
            if endpoint is not None:
                scope["app"] = self
                response = await endpoint(Request(scope, receive, send))
                # A ProtocolResponse carries the browser-safety headers; a fault's own
                # answer gets them on the way out, as InertInBrowser gives the router's.
                await response(scope, receive, send if isinstance(response, ProtocolResponse)
                               else inert_send(send))
                return
        await super().__call__(scope, receive, send)


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


def not_found_answer() -> Response:
    """A path (or method at `/`) the service does not have: the catalog's 404, text/html like
    every FAXAGE answer (the `not-found-body` decision)."""
    return Response(catalog.NOT_FOUND_BODY, status_code=404,
                    headers={"content-type": catalog.TEXT_CONTENT_TYPE})


async def protocol_not_found(request: Request, exc: Exception) -> Response:
    return not_found_answer()


async def to_dashboard(request: Request) -> Response:
    """`GET /` opens the dashboard; any other method finds nothing there, as before."""
    if request.method not in ("GET", "HEAD"):
        return not_found_answer()
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
    endpoints = protocol_endpoints()
    routes = protocol_routes(endpoints)
    if config.ui:
        inner = WithDashboard(LazyDashboard(), inner)
        routes.append(Route("/", to_dashboard, methods=ANY_METHOD))
    routes.append(ControlMount(ControlGuard(inner, policy)))
    # Every answer outside /_sim/ gets the protocol's browser-safety headers (wire/catalog).
    app = FaxageApp(routes=routes, lifespan=lifespan, middleware=[Middleware(InertInBrowser)],
                     exception_handlers={404: protocol_not_found})
    app.protocol = endpoints
    app.state.faxage = state
    return app

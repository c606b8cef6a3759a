"""The ASGI application: the FAXAGE URLs plus the `/_sim/` control plane."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route

from . import control
from .config import SimConfig
from .console import ConsoleLog
from .endpoints import getcdr, httpsfax, provision
from .state import AppState

# PHP runs the script whatever the method; a GET simply arrives with an empty $_POST.
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


def protocol_routes() -> list[BaseRoute]:
    return [
        Route("/httpsfax.php", httpsfax.endpoint, methods=ANY_METHOD),
        Route("/httpsfax-debug.php", httpsfax.debug_endpoint, methods=ANY_METHOD),
        Route("/getcdr.php", getcdr.endpoint, methods=ANY_METHOD),
        Route("/provision.php", provision.endpoint, methods=ANY_METHOD),
        # A 2010 client posts here (PROTOCOL.md section 1: an alias).
        Route("/new_provision.php", provision.endpoint, methods=ANY_METHOD),
    ]


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

    app = Starlette(routes=[*protocol_routes(), *control.routes()], lifespan=lifespan)
    app.state.faxage = state
    return app

"""`/_sim/health` and `/_sim/reset`."""

from __future__ import annotations

import os

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..server.version import VERSION as __version__
from .common import ControlError, control_endpoint, ok, state_of


@control_endpoint
async def health(request: Request) -> Response:
    state = state_of(request)
    if not state.started:
        raise ControlError(503, "starting")
    answer = {"status": "ok", "version": __version__, "accounts": len(state.sim.accounts),
              "clock": state.config.clock.value,
              # `faxage-sim wait --pid` tells this server from a stale port file's
              "pid": os.getpid()}
    if state.persister is not None:  # --state FILE: is it being saved?
        answer["state"] = state.persister.health()
    return ok(answer)


@control_endpoint
async def reset(request: Request) -> Response:
    """Forget everything: accounts back to the start-up set, jobs, deliveries, journal,
    faults; the start-up scenario (`serve --scenario`), if any, is applied again."""
    from ..scenario.apply import reset_to_startup

    state = state_of(request)
    reset_to_startup(state)
    return ok({"status": "reset", "accounts": sorted(state.sim.accounts)})


ROUTES = [
    Route("/_sim/health", health, methods=["GET"]),
    Route("/_sim/reset", reset, methods=["POST"]),
]

"""`/_sim/callbacks`: every callback delivery with each attempt's time, status and duration."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .common import company_param, control_endpoint, ok, state_of
from .lists import newest
from .serialize import delivery_json


@control_endpoint
async def list_callbacks(request: Request) -> Response:
    state = state_of(request)
    kind = request.query_params.get("kind")
    found = [d for d in state.sim.deliveries.for_company(company_param(request))
             if kind is None or d.kind == kind]
    shown, omitted = newest(found)
    return ok({"callbacks": [delivery_json(d) for d in shown], "omitted": omitted})


ROUTES = [Route("/_sim/callbacks", list_callbacks, methods=["GET"])]
